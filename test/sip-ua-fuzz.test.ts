/**
 * The user agent of a registered line under generated dialog traffic (test/fuzz/dialog.ts): INVITEs with bent SDP
 * whose media flows, re-INVITEs, BYE, CANCEL, ACK, REFER (with odd Refer-To), INFO and NOTIFY into calls that exist
 * and calls that do not. Nothing is answered 500 (a handler that threw), nothing crashes, media ran, and the phone
 * still places and ends a call afterwards.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DialogFuzzer, dialogMessage, grantingRegistrar } from './fuzz/dialog.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const SEED = 20261126;

describe('the SIP user agent under generated dialog traffic', () => {
  let p: TestPhone;
  let registrar: Socket;
  let fuzzer: DialogFuzzer;

  before(async () => {
    registrar = await grantingRegistrar();
    p = await testPhone({
      sipPort: 0,
      set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(registrar.address().port), 'call.callsPerLineKey': '24' },
    });
    await waitFor(() => p.phone.lines.get(1).registered);
    fuzzer = new DialogFuzzer(p);
    await fuzzer.start();
  });
  after(async () => {
    await p.stop();
    registrar.close();
    fuzzer.close();
  });

  it('answers every generated message without a 500, and keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(dialogMessage, (m) => fuzzer.send(m)),
      { numRuns: Number(process.env.UA_FUZZ_RUNS ?? 1500), seed: Number(process.env.UA_FUZZ_SEED ?? SEED) },
    );
    await new Promise((r) => setTimeout(r, 200));
    const { answers } = fuzzer;
    assert.deepEqual(fuzzer.thrown(), []);
    assert.ok(
      answers.some((a) => / 200 OK/.test(a)),
      'some requests were taken',
    );
    assert.ok(
      answers.some((a) => / 481 /.test(a)),
      'requests for dialogs that do not exist get 481',
    );
    // media flowed: RTP went out to what was accepted (and every 20 ms tick ran with it without throwing)
    assert.ok(fuzzer.rtpSent() > 0, 'calls were answered with media flowing');
    assert.ok(
      answers.some((a) => /^SIP\/2\.0 488 /.test(a) && /^Warning: 3\d\d /m.test(a)),
      'offers that cannot be carried get 488 and a Warning',
    );
    // still a working phone: its HTTP API answers and a call goes out and ends
    fuzzer.endCalls();
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } })).body['Status'], '2000');
  });
});
