/**
 * Busy lamp field (RFC 4235 dialog event package) against real peers: a polysim phone's BLF key watches Debian's
 * baresip's line through Kamailio's presence server (presence, presence_dialoginfo, pua_dialoginfo: Kamailio
 * publishes the dialog state of the calls through it), and the key's LED in the REST ledStatus goes idle, ringing,
 * busy, idle as calls happen; the key picks the ringing call up (an INVITE with Replaces). Through a plain
 * Kamailio proxy, a polysim phone serves its own line's dialog state: another polysim phone's key watches it, and
 * sipp subscribes to it (docs/sipp/dialog-subscriber.xml).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startBaresip } from './baresip.js';
import type { Baresip } from './baresip.js';
import { assertOk, led, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort, startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { lacks, needs } from './peers.js';
import { parseSip, responseTo, writeSip } from '../src/sip/codec/message.js';
import type { SipRequest } from '../src/sip/codec/message.js';

/** The peers of each suite (test/peers.ts): skipped, saying which is missing, without them. */
const presencePeers = { skip: needs('kamailio', 'kamailio-presence', 'baresip') };
const proxyPeers = { skip: needs('kamailio') };

const exec = promisify(execFile);
type Row = Record<string, string>;

const STATUS = '/api/v2/webCallControl/callStatus';

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

const RINGING = { Color: 'red', State: 'flashing' };
const BUSY = { Color: 'red', State: 'on' };
const OFF = { State: 'off' };

describe("BLF keys watching the softphone's line (baresip) through Kamailio's presence server", presencePeers, () => {
  let kamailio: Kamailio;
  let alice: TestPhone; // 1001: her line key 2 watches baresip (2001)
  let bob: TestPhone; // 1002: calls baresip
  let soft: Baresip;
  before(async () => {
    kamailio = await startKamailio({ algorithm: 'MD5', presence: true });
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    const common = { sipPort: 0, registrar, sipPassword: 'secret-{number}' };
    soft = await startBaresip({ user: '2001', registrar: `${kamailio.address}:${kamailio.port}`, password: 'secret-2001' });
    [alice, bob] = await Promise.all([
      testPhone({
        ...common,
        number: '1001',
        set: { 'reg.1.displayName': 'Alice', 'attendant.resourceList.1.address': '2001', 'attendant.resourceList.1.label': 'Soft' },
      }),
      testPhone({ ...common, number: '1002', set: { 'reg.1.displayName': 'Bob' } }),
    ]);
    await waitFor(() => alice.phone.lines.get(1).registered && bob.phone.lines.get(1).registered, 8000);
  });
  after(async () => {
    await soft?.stop();
    await alice?.stop();
    await bob?.stop();
    await kamailio?.stop();
  });

  it("BLF keys watching the softphone's line: idle, ringing while it is called, busy once it answers, idle when it hangs up", async () => {
    // subscribed (the challenge answered), the first NOTIFY says idle: the key is known, its LED off
    await waitFor(() => alice.phone.blf.all()[0]?.state === 'idle', 10_000);
    await ledIs(alice, 2, OFF);
    assert.deepEqual((await led(alice, 1))?.['State'], 'off', 'her own line is line key 1');
    const from = soft.events.length;
    await post(bob, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await soft.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await ledIs(alice, 2, RINGING);
    const key = alice.phone.blf.all()[0];
    assert.equal(key?.caller?.number, '1002', 'who calls the watched line');
    assert.equal(key?.label, 'Soft');
    await soft.command('accept');
    await callIn(bob, 'Connected');
    await ledIs(alice, 2, BUSY);
    await soft.command('hangup');
    await waitFor(async () => (await calls(bob)).length === 0, 8000);
    await ledIs(alice, 2, OFF);
    assert.equal(alice.phone.blf.all()[0]?.state, 'idle');
  });

  it('the key picks the ringing call up: an INVITE replacing the early call (RFC 3891), the softphone stops ringing', async () => {
    await waitFor(() => alice.phone.blf.all()[0]?.state === 'idle', 10_000);
    alice.phone.config.set('LOCAL', { 'feature.directedCallPickup.enabled': '1', 'call.directedCallPickupMethod': 'native' });
    const from = soft.events.length;
    await post(bob, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await soft.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await ledIs(alice, 2, RINGING);
    assert.ok(alice.phone.blf.all()[0]?.pickup, 'the NOTIFY told how to pick it up');
    await post(alice, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Line2' });
    // Bob now talks to Alice; baresip's call is cancelled
    const withAlice = await callIn(alice, 'Connected');
    assert.equal(withAlice['RemotePartyNumber'], '1002');
    await soft.waitEvent('CALL_CLOSED', undefined, 8000, from);
    await waitFor(async () => {
      const b = await calls(bob);
      return b.length === 1 && b[0]?.['CallState'] === 'Connected' && b[0]?.['RemotePartyNumber'] === '1001';
    }, 8000);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: withAlice['CallHandle'] });
    await waitFor(async () => (await calls(bob)).length === 0, 8000);
    await ledIs(alice, 2, OFF);
  });
});

describe("a phone's own line's dialog state, through a Kamailio proxy: watched by a polysim key and by sipp", proxyPeers, () => {
  let kamailio: Kamailio;
  let carol: TestPhone; // 1003: her key watches dave's line
  let dave: TestPhone; // 1004: serves his line's dialog state
  let erin: TestPhone; // 1005: calls dave
  before(async () => {
    // One UDP worker: sipp's watcher reads dave's 200 and the NOTIFY right behind it in the order dave sent them.
    kamailio = await startKamailio({ algorithm: 'MD5', udpWorkers: 1 });
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    const common = { sipPort: 0, registrar, sipPassword: 'secret-{number}' };
    [carol, dave, erin] = await Promise.all([
      testPhone({ ...common, number: '1003' }),
      testPhone({ ...common, number: '1004', set: { 'reg.1.displayName': 'Dave' } }),
      testPhone({ ...common, number: '1005', set: { 'reg.1.displayName': 'Erin' } }),
    ]);
  });
  after(async () => {
    for (const p of [carol, dave, erin]) await p?.stop();
    await kamailio?.stop();
  });

  it('a polysim key watches another polysim phone through the proxy: ringing with the caller, busy, idle', async () => {
    // the key is set once the watched line is registered (else the proxy answers 404 and the key waits its back-off)
    await waitFor(() => dave.phone.lines.get(1).registered && carol.phone.lines.get(1).registered, 8000);
    await post(carol, '/api/v1/mgmt/config/set', { 'attendant.resourceList.1.address': '1004' });
    await waitFor(() => carol.phone.blf.all()[0]?.state === 'idle', 10_000);
    await ledIs(carol, 2, OFF);
    await post(erin, '/api/v1/callctrl/dial', { Dest: '1004', Line: 1 });
    const ringing = await callIn(dave, 'Offering');
    await ledIs(carol, 2, RINGING);
    assert.deepEqual(carol.phone.blf.all()[0]?.caller, {
      uri: `sip:1005@${kamailio.address}:${kamailio.port}`,
      name: 'Erin',
      number: '1005',
    });
    await post(dave, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await ledIs(carol, 2, BUSY);
    await post(dave, '/api/v1/callctrl/endCall', { Ref: ringing['CallHandle'] });
    await ledIs(carol, 2, OFF);
  });

  it("sipp subscribes to a phone's line through the proxy: 200, the full state at once, and its end on unsubscribe", async (t) => {
    if (lacks(t, 'sipp')) return;
    await exec('sipp', [
      '-sf',
      new URL('../docs/sipp/dialog-subscriber.xml', import.meta.url).pathname,
      '-s',
      '1004',
      '-m',
      '1',
      '-timeout',
      '10',
      '-timeout_error',
      '-nostdin',
      '-p',
      String(await freePort()),
      `${kamailio.address}:${kamailio.port}`,
    ]); // exit 0: every check of the scenario held
  });
});

describe('a BLF key as the phone runs it: its line registers, the key subscribes; reconfigured or stopped, it unsubscribes', () => {
  // the line's registrar, played here: it grants REGISTER and keeps each SUBSCRIBE (with where it came from)
  const socket = createSocket('udp4');
  const subscribes: { req: SipRequest; from: RemoteInfo }[] = [];
  let phone: TestPhone;
  before(async () => {
    socket.on('message', (m, from) => {
      const msg = parseSip(m, true);
      if (msg.kind !== 'request') return;
      if (msg.method === 'REGISTER')
        socket.send(
          responseTo(msg, 200, 'OK', 'reg', [['Contact', `${msg.headers.get('contact') ?? ''};expires=3600`]]),
          from.port,
          from.address,
        );
      if (msg.method === 'SUBSCRIBE') subscribes.push({ req: msg, from });
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    phone = await testPhone({
      number: '1001',
      sipPort: 0,
      registrar: { address: '127.0.0.1', port: socket.address().port, transport: 'UDPOnly' },
      sipPassword: 'pw',
      set: { 'attendant.resourceList.1.address': '1002' },
    });
  });
  after(async () => {
    await phone?.stop();
    socket.close();
  });

  /** The registrar answers the last SUBSCRIBE and NOTIFYs the phone as the subscription's notifier. */
  function accept(state: string, body: string): void {
    const { req, from } = subscribes.at(-1) as { req: SipRequest; from: RemoteInfo };
    socket.send(
      responseTo(req, 200, 'OK', 'NOTIFIER', [
        ['Expires', '600'],
        ['Contact', `<sip:ps@127.0.0.1:${socket.address().port}>`],
      ]),
      from.port,
      from.address,
    );
    const notify = writeSip(
      `NOTIFY sip:1001@127.0.0.1:${from.port} SIP/2.0`,
      [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=z9hG4bK${Math.random().toString(16).slice(2)}`],
        ['From', `<sip:1002@127.0.0.1>;tag=NOTIFIER`],
        ['To', req.headers.get('from') ?? ''],
        ['Call-ID', req.headers.get('call-id') ?? ''],
        ['CSeq', `${subscribes.length} NOTIFY`],
        ['Contact', `<sip:ps@127.0.0.1:${socket.address().port}>`],
        ['Event', 'dialog'],
        ['Subscription-State', state],
        ['Content-Type', 'application/dialog-info+xml'],
      ],
      Buffer.from(body),
    );
    socket.send(notify, from.port, from.address);
  }

  it('subscribes once registered, lights from the NOTIFY, and unsubscribes when the key is removed', async () => {
    await waitFor(() => subscribes.length === 1, 5000);
    const first = subscribes[0]?.req as SipRequest;
    assert.equal(first.headers.get('event'), 'dialog');
    assert.match(first.uri, /^sip:1002@127\.0\.0\.1:\d+$/);
    accept(
      'active;expires=600',
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:1002@127.0.0.1">' +
        '<dialog id="a" direction="recipient"><state>confirmed</state></dialog></dialog-info>',
    );
    await ledIs(phone, 2, BUSY, 3000);
    assert.equal(phone.phone.blf.all()[0]?.state, 'busy');
    await post(phone, '/api/v1/mgmt/config/set', { 'attendant.resourceList.1.address': '' });
    await waitFor(() => subscribes.length === 2, 3000);
    const bye = subscribes[1]?.req as SipRequest;
    assert.equal(bye.headers.get('expires'), '0');
    assert.equal(bye.headers.get('call-id'), first.headers.get('call-id'), 'in the subscription');
    assert.equal(await led(phone, 2), undefined, 'no key any more');
    // set again: a new subscription; the phone restarts: it ends it before it goes
    await post(phone, '/api/v1/mgmt/config/set', { 'attendant.resourceList.1.address': '1002' });
    await waitFor(() => subscribes.length === 3, 3000);
    const again = subscribes[2]?.req as SipRequest;
    assert.notEqual(again.headers.get('call-id'), first.headers.get('call-id'));
    accept('active;expires=600', '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="x"/>');
    await ledIs(phone, 2, OFF, 3000);
    await waitFor(() => phone.phone.blf.all()[0]?.state === 'idle', 3000);
    assert.equal((await phone.post('/api/v1/mgmt/safeRestart')).body['Status'], '2000');
    await waitFor(() => subscribes.length === 4, 3000);
    assert.equal(subscribes[3]?.req.headers.get('expires'), '0');
    assert.equal(subscribes[3]?.req.headers.get('call-id'), again.headers.get('call-id'));
  });
});
