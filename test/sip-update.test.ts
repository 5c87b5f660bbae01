/**
 * UPDATE (RFC 3311) both ways of a call, with sipp as the far end (docs/sipp/update-*.xml):
 * - in a confirmed call, an UPDATE's offer is answered in its 200 (a=sendonly -> a=recvonly: the call shows Held in
 *   callStatus; a=sendrecv resumes it), its Contact refreshes the target the phone's next request goes to, and while
 *   the phone's own offer (its hold re-INVITE) waits for an answer an UPDATE with an offer gets 491;
 * - in an early dialog, where the INVITE's offer has no answer yet, an UPDATE with an offer gets 500 with a
 *   Retry-After of 0 to 10 s and changes nothing, one without a body (a target refresh) 200;
 * - as the caller, an UPDATE with an offer in the early dialog gets 491 (the phone's INVITE offer has no answer), and
 *   a hold by UPDATE once answered is answered a=recvonly and shown Held.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callStates, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { answers, messages, relayedPhone, udpTaken } from './sipp.js';

/** Waits for a call state in callStatus, unless the sipp run fails first (its error is thrown instead). */
async function until(p: TestPhone, run: Promise<unknown>, state: string): Promise<void> {
  const failed = run.then(
    () => new Promise<never>(() => undefined),
    (e: unknown) => {
      throw e;
    },
  );
  await Promise.race([waitFor(async () => (await callStates(p)).some((s) => s.endsWith(`:${state}`)), 10_000), failed]);
}

describe('UPDATE (RFC 3311), with sipp', { timeout: 60_000, skip: needs('sipp') }, () => {
  const suite = relayedPhone();
  const { relay, logs } = suite;
  let p: TestPhone;
  before(() => {
    p = suite.phone();
  });

  it('in a confirmed call: hold and resume by UPDATE answered in the 200 and shown in callStatus; 491 while the phone offers', async () => {
    const run = logs.run(
      'update-hold.xml',
      ['-s', '1001', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${relay.phonePort}`],
      'hold',
    );
    await until(p, run, 'Offering');
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    await until(p, run, 'Held');
    await until(p, run, 'Connected');
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/holdCall', { data: { Ref: ref } })).body['Status'], '2000');
    const log = await run;
    const got = messages(log, 'received');
    assert.deepEqual(
      answers(got).filter((a) => !a.startsWith('1')),
      ['200 1 INVITE', '200 2 UPDATE', '200 3 UPDATE', '491 4 UPDATE', '200 5 BYE'],
    );
    const update = (cseq: string): string =>
      got.find((m) => m.first.startsWith('SIP/2.0 200') && m.text.includes(`CSeq: ${cseq}`))?.text ?? '';
    assert.match(update('2 UPDATE'), /^Content-Type: application\/sdp/im);
    assert.match(update('2 UPDATE'), /^a=recvonly/m, 'the hold offer is answered recvonly');
    assert.match(update('3 UPDATE'), /^a=sendrecv/m, 'the resume offer is answered sendrecv');
    const reinvite = got.find((m) => m.first.startsWith('INVITE '));
    assert.match(reinvite?.first ?? '', /^INVITE sip:refreshed@/, "the phone's re-INVITE goes to the target the UPDATE gave");
    await waitFor(async () => (await callStates(p)).length === 0);
  });

  it('in an early dialog: 500 with Retry-After to an offer, 200 to a target refresh; the phone rings on', async () => {
    const run = logs.run(
      'update-early.xml',
      ['-s', '1001', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${relay.phonePort}`],
      'early',
    );
    await until(p, run, 'Offering');
    const log = await run;
    const got = answers(messages(log, 'received')).filter((a) => !a.startsWith('1'));
    assert.deepEqual(got, ['500 2 UPDATE', '200 3 UPDATE', '200 1 CANCEL', '487 1 INVITE']);
    const refused = messages(log, 'received').find((m) => m.first.startsWith('SIP/2.0 500'))?.text ?? '';
    assert.match(refused, /^Retry-After: ([0-9]|10)\s*$/m);
    assert.doesNotMatch(refused, /^Content-Type/im, 'no answer to the refused offer');
    await waitFor(async () => (await callStates(p)).length === 0);
    const missed = p.phone.calls.recentlyEnded().at(-1);
    assert.equal(missed?.remote.number, 'sipp');
    assert.equal(missed?.remoteHeld, false, 'the refused hold changed nothing');
  });

  it('as the caller: 491 to an offer in the early dialog; a hold by UPDATE once answered is answered recvonly and shown Held', async () => {
    relay.callee = await freePort();
    const run = logs.run('update-callee.xml', ['-i', '127.0.0.1', '-p', String(relay.callee)], 'callee');
    await waitFor(() => udpTaken(relay.callee));
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '2002' } })).body['Status'], '2000');
    await until(p, run, 'Held');
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    const log = await run;
    const got = messages(log, 'received');
    assert.deepEqual(answers(got), ['491 1 UPDATE', '200 2 UPDATE']);
    assert.deepEqual(
      got.filter((m) => !m.first.startsWith('SIP/2.0')).map((m) => m.first.split(' ')[0]),
      ['INVITE', 'ACK', 'BYE'],
    );
    assert.match(got.find((m) => m.text.includes('CSeq: 2 UPDATE'))?.text ?? '', /^a=recvonly/m);
    relay.callee = 0;
  });
});
