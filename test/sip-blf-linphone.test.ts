/**
 * Busy lamp field (RFC 4235) watching a second real softphone: a polysim phone's BLF key watches Debian's linphone's
 * line through Kamailio's presence server. linphone publishes nothing itself (its account has publish=0): Kamailio's
 * pua_dialoginfo makes the dialog state of the calls that pass through it, presence serves it, and the key's LED in
 * the REST ledStatus goes idle, ringing, busy and idle again as a polysim phone calls linphone, and busy while linphone
 * calls out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertOk, led, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { startLinphone } from './linphone.js';
import type { Linphone } from './linphone.js';
import { needs } from './peers.js';

type Row = Record<string, string>;
const STATUS = '/api/v2/webCallControl/callStatus';

const RINGING = { Color: 'red', State: 'flashing' };
const BUSY = { Color: 'red', State: 'on' };
const OFF = { State: 'off' };

async function ledIs(p: TestPhone, key: number, expected: Row, ms = 8000): Promise<void> {
  let last: Row | undefined;
  try {
    await waitFor(async () => {
      last = await led(p, key);
      return JSON.stringify(last) === JSON.stringify(expected);
    }, ms);
  } catch {
    assert.deepEqual(last, expected, `line key ${key}'s LED`);
  }
}

async function calls(p: TestPhone): Promise<Row[]> {
  return (assertOk(await p.get(STATUS), STATUS)['data'] as Row[]) ?? [];
}

async function callIn(p: TestPhone, state: string, ms = 8000): Promise<Row> {
  let found: Row | undefined;
  await waitFor(async () => {
    found = (await calls(p)).find((c) => c['CallState'] === state);
    return found !== undefined;
  }, ms);
  return found as Row;
}

async function post(p: TestPhone, path: string, data: unknown): Promise<void> {
  assertOk(await p.post(path, { data }), path);
}

describe(
  "BLF keys watching linphone's line through Kamailio's presence server",
  { skip: needs('kamailio', 'kamailio-presence', 'linphonec') },
  () => {
    let kamailio: Kamailio;
    let alice: TestPhone; // 1001: her line key 2 watches linphone (2001)
    let bob: TestPhone; // 1002: calls linphone and is called by it
    let soft: Linphone;
    let at = '';
    before(async () => {
      // linphone's addresses name 127.0.0.1 without a port (test/linphone.ts): Kamailio answers for it at 5060 too
      kamailio = await startKamailio({ algorithm: 'MD5', presence: true, domain: '127.0.0.1:5060' });
      at = `${kamailio.address}:${kamailio.port}`;
      const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
      const common = { sipPort: 0, registrar, sipPassword: 'secret-{number}' };
      [soft, bob] = await Promise.all([
        startLinphone({ user: '2001', registrar: at, password: 'secret-2001' }),
        testPhone({ ...common, number: '1002', set: { 'reg.1.displayName': 'Bob' } }),
      ]);
      // the key subscribes once her line is registered, linphone's line is there to be watched
      alice = await testPhone({
        ...common,
        number: '1001',
        set: { 'reg.1.displayName': 'Alice', 'attendant.resourceList.1.address': '2001', 'attendant.resourceList.1.label': 'Linphone' },
      });
      await waitFor(() => alice.phone.lines.get(1).registered && bob.phone.lines.get(1).registered, 8000);
    });
    after(async () => {
      await soft?.stop();
      await alice?.stop();
      await bob?.stop();
      await kamailio?.stop();
    });

    it("BLF keys watching linphone's line: idle, ringing while it is called, busy once it answers and while it calls out, idle after", async () => {
      // subscribed (the challenge answered), the first NOTIFY says idle: the key is known, its LED off
      await waitFor(() => alice.phone.blf.all()[0]?.state === 'idle', 10_000);
      await ledIs(alice, 2, OFF);
      assert.equal(alice.phone.blf.all()[0]?.label, 'Linphone');
      // Bob calls linphone: ringing, with Bob as the caller
      let from = soft.lines.length;
      await post(bob, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
      await soft.waitLine(/^Receiving new incoming call from "Bob" /, 8000, from);
      await ledIs(alice, 2, RINGING);
      assert.equal(alice.phone.blf.all()[0]?.caller?.number, '1002', 'who calls the watched line');
      soft.command('answer');
      await callIn(bob, 'Connected');
      await ledIs(alice, 2, BUSY);
      soft.command('terminate');
      await soft.waitLine(/^Call \d+ with .* ended/, 8000, from);
      await waitFor(async () => (await calls(bob)).length === 0, 8000);
      await ledIs(alice, 2, OFF);
      // linphone calls Bob: busy while its call rings out and while it is up (a dialog it places), idle after
      from = soft.lines.length;
      soft.command(`call sip:1002@${at}`);
      const ringing = await callIn(bob, 'Offering');
      await ledIs(alice, 2, BUSY);
      await post(bob, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
      await soft.waitLine(/^Media streams established/, 8000, from);
      await ledIs(alice, 2, BUSY);
      await post(bob, '/api/v1/callctrl/endCall', { Ref: ringing['CallHandle'] });
      await soft.waitLine(/^Call \d+ with .* ended/, 8000, from);
      await ledIs(alice, 2, OFF);
      assert.equal(alice.phone.blf.all()[0]?.state, 'idle');
    });
  },
);
