/**
 * Busy lamp field from a resource list (attendant.uri, RFC 4662): sipp plays the line's registrar and the resource
 * list server (docs/sipp/rls-notifier.xml): the phone's one SUBSCRIBE says `Supported: eventlist` and accepts RLMI
 * and multipart/related, the list's multipart NOTIFYs (full state, then partial) make the keys, labelled and lit
 * as the list says, and changing attendant.uri unsubscribes. sipp checks the phone's requests; its exit status is
 * the scenario's verdict.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { assertOk, led, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';

const exec = promisify(execFile);

describe('BLF keys from a resource list (attendant.uri): sipp as the list server', { skip: needs('sipp') }, () => {
  let phone: TestPhone;
  let sipp: Promise<unknown>;
  before(async () => {
    const port = await freePort();
    const scenario = new URL('../docs/sipp/rls-notifier.xml', import.meta.url).pathname;
    sipp = exec('sipp', [
      '-sf',
      scenario,
      '-m',
      '2',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-timeout',
      '15',
      '-timeout_error',
      '-nostdin',
    ]);
    sipp.catch(() => undefined); // awaited by the test
    phone = await testPhone({
      number: '1001',
      sipPort: 0,
      registrar: { address: '127.0.0.1', port, transport: 'UDPOnly' },
      sipPassword: 'pw',
      set: { 'attendant.uri': 'blf-list' },
    });
  });
  after(async () => {
    await phone?.stop();
  });

  it("one SUBSCRIBE to the list; its NOTIFYs make the keys in the list's order, named and lit; a new attendant.uri unsubscribes", async () => {
    await waitFor(() => phone.phone.blf.all().length === 2 && phone.phone.blf.all()[0]?.state === 'busy', 8000);
    const keys = phone.phone.blf.all();
    assert.deepEqual(
      keys.map((k) => [k.index, k.address, k.label, k.state]),
      [
        [1, 'sip:2001@rls.test', 'Front desk', 'busy'],
        [2, 'sip:2002@rls.test', 'Sales', 'ringing'],
      ],
    );
    assert.deepEqual(keys[1]?.caller, { uri: 'sip:1002@rls.test', name: 'Bob', number: '1002' });
    assert.match(keys[1]?.pickup ?? '', /^sip:1002@rls\.test\?Replaces=call-c1/);
    assert.deepEqual(await led(phone, 2), { Color: 'red', State: 'on' });
    assert.deepEqual(await led(phone, 3), { Color: 'red', State: 'flashing' });
    // the list goes: the phone unsubscribes (sipp expects Expires: 0 in the dialog) and the keys go
    const CONFIG = '/api/v1/mgmt/config/set';
    assertOk(await phone.post(CONFIG, { data: { 'attendant.uri': '' } }), CONFIG);
    await sipp; // exit 0: every check of the scenario held
    assert.deepEqual(phone.phone.blf.all(), []);
  });
});
