/**
 * The phone as transferee (RFC 3515, RFC 5589), with sipp as the transferor (docs/sipp/refer-transferor.xml) and as
 * the transfer target (refer-target.xml answers, refer-target-404.xml does not exist). The transferor calls the
 * phone and REFERs it; the phone answers 202, NOTIFYs 100 Trying, holds the call and calls the target through its
 * line's server; callStatus shows the held call and the new one ringing out; no BYE goes on the held call. The
 * final NOTIFY carries the target's answer: after 200 the transferor leaves and the new call stays; after 404 the
 * held call stays, and resumes.
 *
 * The line's server is a relay (test/sipp.ts): it grants REGISTER and passes the rest between the phone and the
 * target sipp, keeping the target's final answer back until the test has looked at callStatus.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callStates, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { header, messages, relayedPhone } from './sipp.js';

describe('the phone as transferee, with sipp as transferor and target', { timeout: 60_000, skip: needs('sipp') }, () => {
  const suite = relayedPhone();
  const { relay, logs } = suite;
  let p: TestPhone;
  before(() => {
    p = suite.phone();
  });

  /** Starts the target and the transferor; the phone answers the transferor's call. */
  async function transfer(target: string, name: string): Promise<{ target: Promise<string>; transferor: Promise<string> }> {
    relay.callee = await freePort();
    relay.holding = true;
    const targetRun = logs.run(target, ['-i', '127.0.0.1', '-p', String(relay.callee)], `${name}-target`);
    const transferorRun = logs.run(
      'refer-transferor.xml',
      [
        '-s',
        '1001',
        '-key',
        'refer_to',
        'sip:1003@127.0.0.1',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        `127.0.0.1:${p.sip?.port}`,
      ],
      `${name}-transferor`,
    );
    // a scenario that fails early fails the wait at once
    const failed = Promise.race([targetRun, transferorRun]).then(
      () => undefined,
      (e: unknown) => e,
    );
    const check = async (fn: () => Promise<boolean> | boolean): Promise<void> => {
      const e = await Promise.race([waitFor(fn, 10_000).then(() => undefined), failed]);
      if (e) throw e;
    };
    await check(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    // during the transfer: the transferor's call held, the new call ringing out
    let seen: string[] = [];
    await check(async () => JSON.stringify((seen = await callStates(p))) === JSON.stringify(['sipp:Hold', '1003:RingBack'])).catch(() =>
      assert.deepEqual(seen, ['sipp:Hold', '1003:RingBack']),
    );
    relay.release();
    return { target: targetRun, transferor: transferorRun };
  }

  it('the target answers: 202, NOTIFY 100 Trying, hold, no BYE, NOTIFY 200; the transferor leaves, the new call stays', async () => {
    const run = await transfer('refer-target.xml', 'answers');
    const log = messages(await run.transferor, 'received');
    // what the transferor got from the phone, in order (the call's provisional answers aside)
    const fromPhone = log
      .map((m) => (m.first.startsWith('SIP/2.0') ? m.first.split(' ').slice(0, 2).join(' ') : (m.first.split(' ')[0] ?? '')))
      .filter((f) => f !== 'SIP/2.0 100' && f !== 'SIP/2.0 180');
    assert.deepEqual(fromPhone, [
      'SIP/2.0 200', // the call answered
      'SIP/2.0 202', // the REFER accepted
      'NOTIFY', // 100 Trying
      'INVITE', // the call held
      'ACK',
      'NOTIFY', // 200 OK: no BYE before it
      'SIP/2.0 200', // the transferor's BYE
    ]);
    const notifies = log.filter((m) => m.first.startsWith('NOTIFY'));
    assert.deepEqual(
      notifies.map((m) => [header(m.text, 'Event'), header(m.text, 'Subscription-State'), m.text.split(/\r?\n\r?\n/)[1]?.trim()]),
      [
        ['refer', 'active;expires=60', 'SIP/2.0 100 Trying'],
        ['refer', 'terminated;reason=noresource', 'SIP/2.0 200 OK'],
      ],
    );
    await waitFor(async () => JSON.stringify(await callStates(p)) === JSON.stringify(['1003:Connected']));
    assert.equal(p.phone.calls.recentlyEnded().at(-1)?.endReason, 'transferred');
    const ref = p.phone.calls.all()[0]?.handle;
    assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    await run.target;
  });

  it('the target does not exist (404): NOTIFY 404 ends the subscription; the call stays on hold and resumes', async () => {
    const run = await transfer('refer-target-404.xml', 'fails');
    await run.target;
    await waitFor(async () => JSON.stringify(await callStates(p)) === JSON.stringify(['sipp:Hold']));
    assert.equal((await p.post('/api/v1/callctrl/resumeCall', { data: {} })).body['Status'], '2000');
    const log = messages(await run.transferor, 'received');
    const notifies = log.filter((m) => m.first.startsWith('NOTIFY'));
    assert.deepEqual(
      notifies.map((m) => [header(m.text, 'Subscription-State'), m.text.split(/\r?\n\r?\n/)[1]?.trim()]),
      [
        ['active;expires=60', 'SIP/2.0 100 Trying'],
        ['terminated;reason=noresource', 'SIP/2.0 404 Not Found'],
      ],
    );
    const invites = log.filter((m) => m.first.startsWith('INVITE'));
    assert.deepEqual(
      invites.map((m) => /a=(sendrecv|sendonly|recvonly|inactive)/.exec(m.text)?.[1]),
      ['sendonly', 'sendrecv'],
      'held during the transfer, resumed after it failed',
    );
    // the transferor hung up at the end of its scenario
    await waitFor(async () => (await callStates(p)).length === 0);
    const placed = (await p.get('/api/v1/mgmt/callLogs/placed')).body['data'] as { Placed: Record<string, string>[] };
    assert.equal(placed.Placed[0]?.['RemotePartyNumber'], '1003');
  });
});
