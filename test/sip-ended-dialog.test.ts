/**
 * A dialog that really ended answers nothing but 481 (RFC 3261 12.2.2), whatever the method: sipp
 * (docs/sipp/ended-dialog.xml) calls the phone, the call is answered and ended, by the phone or by sipp, and then
 * sipp sends INFO, UPDATE, REFER, SUBSCRIBE, NOTIFY, MESSAGE, OPTIONS, PRACK, a re-INVITE and BYE with that dialog's
 * own Call-ID and tags: each gets 481, and none of them reaches the phone (no call, no message, no dialog).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { callStates, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { answers, messages, relayedPhone } from './sipp.js';

const AFTER = ['INFO', 'UPDATE', 'REFER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'OPTIONS', 'PRACK', 'INVITE', 'BYE'].map(
  (m, i) => `481 ${i + 3} ${m}`,
);

describe('requests of a dialog that ended get 481, with sipp', { timeout: 60_000, skip: needs('sipp') }, () => {
  const suite = relayedPhone();
  const { relay, logs } = suite;
  let p: TestPhone;
  before(() => {
    p = suite.phone();
  });

  /** Runs the scenario with the call ended by `ender`; resolves with the answers sipp got (no 1xx) and its requests. */
  async function ended(ender: 'phone' | 'peer'): Promise<{ answers: string[]; requests: string[] }> {
    const inbox = p.phone.messages.all().length;
    const run = logs.run(
      'ended-dialog.xml',
      ['-s', '1001', '-key', 'ender', ender, '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${relay.phonePort}`],
      `ended-${ender}`,
    );
    const failed = run.then(
      () => new Promise<never>(() => undefined),
      (e: unknown) => {
        throw e;
      },
    );
    const reached = async (state: string): Promise<void> => {
      await Promise.race([waitFor(async () => (await callStates(p)).some((s) => s.endsWith(`:${state}`)), 10_000), failed]);
    };
    await reached('Offering');
    assert.equal((await p.post('/api/v1/callctrl/answerCall', { data: {} })).body['Status'], '2000');
    if (ender === 'phone') {
      // (sipp, ending it, sends its BYE at once)
      await reached('Connected');
      const ref = p.phone.calls.all()[0]?.handle;
      assert.equal((await p.post('/api/v1/callctrl/endCall', { data: { Ref: ref } })).body['Status'], '2000');
    }
    const got = messages(await run, 'received');
    assert.equal(p.phone.calls.all().length, 0, 'no call came of them (the re-INVITE, the REFER)');
    assert.equal(p.phone.messages.all().length, inbox, 'the MESSAGE was not kept');
    assert.deepEqual(p.ua?.dialogs(), [], 'the user agent keeps no dialog');
    return {
      answers: answers(got).filter((a) => !a.startsWith('1')),
      requests: got.filter((m) => !m.first.startsWith('SIP/2.0')).map((m) => m.first.split(' ')[0] ?? ''),
    };
  }

  it('after the phone hangs up: INFO, UPDATE, REFER, SUBSCRIBE, NOTIFY, MESSAGE, OPTIONS, PRACK, INVITE and BYE in its dialog get 481', async () => {
    const got = await ended('phone');
    assert.deepEqual(got.requests, ['BYE'], "the phone's BYE");
    assert.deepEqual(got.answers, ['200 1 INVITE', ...AFTER]);
  });

  it('after the far end hangs up: the same requests in its dialog get 481', async () => {
    const got = await ended('peer');
    assert.deepEqual(got.requests, []);
    assert.deepEqual(got.answers, ['200 1 INVITE', '200 2 BYE', ...AFTER]);
  });
});
