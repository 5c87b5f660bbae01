/**
 * Reliable provisional responses (RFC 3262) both ways, with sipp as the far end. As the callee
 * (docs/sipp/prack-caller.xml): an INVITE with Require: 100rel gets a reliable 180 (Require: 100rel, RSeq), a PRACK
 * naming another RAck gets 481, the right one 200, and the INVITE's 200 comes only after it, though the phone was
 * answered before. As the caller (docs/sipp/prack-callee.xml): the INVITE says Supported: 100rel, and a reliable 180
 * is PRACKed once in its early dialog, with the RAck naming its RSeq and the INVITE's CSeq.
 *
 * The line's server is a relay (test/sipp.ts): it grants REGISTER and passes the rest between the phone and the
 * callee sipp.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callStates, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { header, messages, relayedPhone } from './sipp.js';

describe('reliable provisional responses (RFC 3262), with sipp', { timeout: 60_000, skip: needs('sipp') }, () => {
  const suite = relayedPhone();
  const { relay, logs } = suite;
  let p: TestPhone;
  before(() => {
    p = suite.phone();
  });

  it('as the callee: a reliable 180, 481 for another RAck, 200 for its PRACK, and only then the 200 of the INVITE', async () => {
    const run = logs.run(
      'prack-caller.xml',
      ['-s', '1001', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${relay.phonePort}`],
      'caller',
    );
    const failed = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // answered while sipp holds its PRACK back: the scenario fails on a 200 before it
    const e = await Promise.race([
      waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'), 10_000).then(() => undefined),
      failed,
    ]);
    if (e) throw e;
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    const log = messages(await run, 'received');
    const ringing = log.filter((m) => m.first.startsWith('SIP/2.0 180'));
    assert.ok(ringing.length >= 1);
    assert.deepEqual([...new Set(ringing.map((m) => header(m.text, 'RSeq')))].length, 1, 'a retransmitted 180 keeps its RSeq');
    assert.match(header(ringing[0]?.text ?? '', 'RSeq'), /^[1-9]\d*$/);
    assert.equal(header(ringing[0]?.text ?? '', 'Require'), '100rel');
    const finals = log
      .filter((m) => !/^SIP\/2\.0 1\d\d /.test(m.first))
      .map((m) => `${m.first.split(' ')[1] ?? ''} ${header(m.text, 'CSeq')}`);
    assert.deepEqual(finals, ['481 2 PRACK', '200 3 PRACK', '200 1 INVITE', '200 4 BYE']);
    await waitFor(async () => (await callStates(p)).length === 0);
  });

  it('as the caller: Supported: 100rel, and the reliable 180 PRACKed once in the early dialog', async () => {
    relay.callee = await freePort();
    const run = logs.run('prack-callee.xml', ['-i', '127.0.0.1', '-p', String(relay.callee)], 'callee');
    const failed = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '2002' } })).body['Status'], '2000');
    const e = await Promise.race([
      waitFor(async () => (await callStates(p)).some((s) => s.endsWith(':Connected')), 10_000).then(() => undefined),
      failed,
    ]);
    if (e) throw e;
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    const log = messages(await run, 'received');
    assert.deepEqual(
      log.map((m) => m.first.split(' ')[0]),
      ['INVITE', 'PRACK', 'ACK', 'BYE'],
    );
    const [invite, prack] = log;
    assert.match(header(invite?.text ?? '', 'Supported'), /(^|,)\s*100rel\s*(,|$)/);
    const inviteCseq = header(invite?.text ?? '', 'CSeq').split(' ')[0];
    assert.equal(header(prack?.text ?? '', 'RAck'), `1 ${inviteCseq} INVITE`);
    assert.match(header(prack?.text ?? '', 'To'), /;tag=\S*SIPpTag01/, 'in the early dialog the 180 set up');
    assert.ok(Number(header(prack?.text ?? '', 'CSeq').split(' ')[0]) > Number(inviteCseq));
    relay.callee = 0;
  });
});
