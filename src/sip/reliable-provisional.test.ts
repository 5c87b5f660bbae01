import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import { parseRAck, ProvisionalAcks, ReliableProvisionals, rseqOf } from './reliable-provisional.js';

describe('RSeq and RAck (RFC 3262 7)', () => {
  it('reads an RSeq of 1 to 2^31-1 and refuses anything else', () => {
    assert.equal(rseqOf(' 988789 '), 988789);
    assert.equal(rseqOf(String(2 ** 31 - 1)), 2 ** 31 - 1);
    for (const bad of [undefined, '', '0', '-1', String(2 ** 31), '1.5', '12 13', 'x']) assert.equal(rseqOf(bad), undefined, String(bad));
  });

  it('reads an RAck as RSeq, CSeq number and method', () => {
    assert.deepEqual(parseRAck('776656 1 INVITE'), { rseq: 776656, cseq: 1, method: 'INVITE' });
    assert.deepEqual(parseRAck('  5 314159 invite '), { rseq: 5, cseq: 314159, method: 'INVITE' });
    for (const bad of [undefined, '', '5 1', '0 1 INVITE', '5 x INVITE', '5 1 INVITE extra', '5 99999999999 INVITE']) {
      assert.equal(parseRAck(bad), undefined, String(bad));
    }
  });
});

describe('a reliable 1xx sent by the phone (RFC 3262 3)', () => {
  function setup(retransmit = true): { clock: ManualClock; sent: number[]; gaveUp: number[]; rel: ReliableProvisionals } {
    const clock = new ManualClock();
    const start = clock.now();
    const sent: number[] = [];
    const gaveUp: number[] = [];
    const rel = new ReliableProvisionals(
      { schedule: (ms, fn) => clock.schedule(ms, fn), t1: 500, retransmit },
      () => gaveUp.push(clock.now() - start),
      7,
    );
    rel.send(
      (rseq) => {
        sent.push(clock.now() - start);
        return Buffer.from(`RSeq: ${rseq}`);
      },
      () => sent.push(clock.now() - start),
    );
    return { clock, sent, gaveUp, rel };
  }

  it('is sent again at T1, 2T1, 4T1... until 64 x T1, then given up', () => {
    const { clock, sent, gaveUp } = setup();
    clock.advance(40_000);
    assert.deepEqual(sent, [0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    assert.deepEqual(gaveUp, [32_000]);
  });

  it('stops once a PRACK names its RSeq and the INVITE CSeq; the 2xx waits for it', () => {
    const { clock, sent, gaveUp, rel } = setup();
    const answered: number[] = [];
    rel.whenAcked(() => answered.push(1));
    clock.advance(600);
    assert.equal(rel.prack({ rseq: 8, cseq: 1, method: 'INVITE' }, 1), false, 'another RSeq');
    assert.equal(rel.prack({ rseq: 7, cseq: 2, method: 'INVITE' }, 1), false, 'another CSeq');
    assert.equal(rel.prack(undefined, 1), false);
    assert.deepEqual(answered, []);
    assert.equal(rel.prack({ rseq: 7, cseq: 1, method: 'INVITE' }, 1), true);
    assert.deepEqual(answered, [1]);
    assert.equal(rel.prack({ rseq: 7, cseq: 1, method: 'INVITE' }, 1), false, 'acknowledged already');
    clock.advance(40_000);
    assert.deepEqual(sent, [0, 500]);
    assert.deepEqual(gaveUp, []);
  });

  it('over a stream is sent once, and still given up after 64 x T1 without PRACK', () => {
    const { clock, sent, gaveUp } = setup(false);
    clock.advance(40_000);
    assert.deepEqual(sent, [0]);
    assert.deepEqual(gaveUp, [32_000]);
  });

  it('sends no second reliable 1xx while one waits', () => {
    const { rel } = setup();
    assert.equal(
      rel.send(
        () => Buffer.alloc(0),
        () => undefined,
      ),
      false,
    );
  });
});

describe('a reliable 1xx the phone receives (RFC 3262 4)', () => {
  it('is PRACKed once per RSeq, and only when it requires 100rel', () => {
    const acks = new ProvisionalAcks();
    assert.equal(acks.toAck([], '5'), undefined, 'not reliable');
    assert.equal(acks.toAck(['timer, 100rel'], 'bad'), undefined);
    assert.equal(acks.toAck(['timer, 100REL'], '5'), 5);
    assert.equal(acks.toAck(['100rel'], '5'), undefined, 'a retransmission');
    assert.equal(acks.toAck(['100rel'], '4'), undefined, 'an older one');
    assert.equal(acks.toAck(['100rel'], '6'), 6);
  });
});
