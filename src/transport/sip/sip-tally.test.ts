import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Arrival, SipReceiver } from './receiver.js';
import { SipTally, sipSummary } from './sip-tally.js';

const msg = (text: string): Buffer => Buffer.from(text.replaceAll('\n', '\r\n'));
const INVITE = msg('INVITE sip:1002@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060\nCSeq: 1 INVITE\nContent-Length: 0\n\n');
const OK = msg('SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1:5060\ncseq:  7 invite\nContent-Length: 0\n\n');

function counts(tally: SipTally): string[] {
  const out: string[] = [];
  tally.forEach((direction, method, code, n) => out.push(`${direction} ${method}${code === undefined ? '' : ` ${code}`}: ${n}`));
  return out.sort();
}

describe('the SIP tally', () => {
  it("tells a message's method, and a response's status code and the method its CSeq names", () => {
    assert.deepEqual(sipSummary(INVITE), { method: 'INVITE', code: undefined });
    assert.deepEqual(sipSummary(OK), { method: 'INVITE', code: 200 });
    assert.deepEqual(sipSummary(msg('SIP/2.0 486 Busy Here\nCSeq: 2 BYE\n\n')), { method: 'BYE', code: 486 });
    // what a peer makes up counts as other, and a keep-alive as nothing
    assert.deepEqual(sipSummary(msg('FROBNICATE sip:a@b SIP/2.0\nCSeq: 1 FROBNICATE\n\n')), { method: 'other', code: undefined });
    assert.deepEqual(sipSummary(msg('SIP/2.0 200 OK\nCSeq: 1 FROBNICATE\n\n')), { method: 'other', code: 200 });
    assert.deepEqual(sipSummary(msg('SIP/2.0 200 OK\n\n')), { method: 'other', code: 200 });
    assert.deepEqual(sipSummary(Buffer.from('not sip at all')), { method: 'other', code: undefined });
    assert.equal(sipSummary(Buffer.from('\r\n\r\n')), undefined);
    // a CSeq in the body is not the message's
    assert.deepEqual(sipSummary(msg('SIP/2.0 180 Ringing\nContent-Length: 14\n\nCSeq: 1 INVITE')), { method: 'other', code: 180 });
  });

  it('counts what arrives and what is answered on its way', () => {
    const tally = new SipTally();
    const inner: SipReceiver = {
      receive: (_raw: Buffer, arrival: Arrival) => arrival.sender.send(OK),
      opened: () => undefined,
      failed: () => undefined,
    };
    const sent: Buffer[] = [];
    const receiver = tally.receiver(inner);
    receiver.receive(INVITE, { datagram: true, address: '127.0.0.1', port: 5070, sender: { transport: 'UDP', send: (b) => sent.push(b) } });
    receiver.receive(INVITE, { datagram: true, address: '127.0.0.1', port: 5070, sender: { transport: 'UDP', send: (b) => sent.push(b) } });
    assert.equal(sent.length, 2, 'answers still go out');
    tally.note('out', INVITE);
    assert.deepEqual(counts(tally), ['in INVITE: 2', 'out INVITE 200: 2', 'out INVITE: 1']);
  });
});
