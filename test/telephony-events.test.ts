// Telephony event notification: phones post their events to real HTTP(S) receivers started here, each event
// switched by its parameter, the documents as phones send them, delivery that never holds the phone up.
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { selfSignedCertificate } from '../src/transport/certificate.js';
import { ALL_TELEPHONY_EVENTS, assertOk, callStates, recordingServer, testPhone, waitFor } from './helpers.js';
import type { Received, TestPhone } from './helpers.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
type Doc = Record<string, Record<string, unknown>>;
/** The event element of a posted document: [its name, its content]. */
function eventOf(r: Received): [string, Record<string, unknown>] {
  const doc = parser.parse(r.body.toString('utf8')) as { PolycomIPPhone: Doc };
  const [name, body] = Object.entries(doc.PolycomIPPhone)[0] ?? [];
  assert.ok(name && body !== undefined, `not a PolycomIPPhone document: ${r.body.toString()}`);
  return [name, body];
}
const names = (received: Received[]): string[] => received.map((r) => eventOf(r)[0]);

async function ok(p: TestPhone, path: string, data?: unknown): Promise<void> {
  assertOk(await p.post(path, data === undefined ? undefined : { data }), path);
}

describe('telephony events to a real receiver', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  let a: TestPhone;
  let b: TestPhone;
  before(async () => {
    receiver = await recordingServer(() => ({ status: 200 }));
    a = await testPhone({ switchboard: sb, clock, number: '1001', set: { 'reg.1.displayName': 'Alice' } });
    b = await testPhone({
      switchboard: sb,
      clock,
      number: '1002',
      set: {
        'reg.1.displayName': 'Bob',
        'device.sntp.gmtOffset': '-18000',
        'apps.telNotification.URL': `${receiver.url}/events?mac=1`,
        ...ALL_TELEPHONY_EVENTS,
      },
    });
    await b.posts.settled();
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await receiver.close();
  });

  it('boot: UIInitializationEvent, then the line registers (LineRegistrationEvent)', () => {
    assert.deepEqual(names(receiver.received), ['UIInitializationEvent', 'LineRegistrationEvent']);
    const [, reg] = eventOf(receiver.received[1]!);
    assert.equal(reg['LineNumber'], '1');
    assert.equal(reg['MACAddress'], b.phone.identity.mac.toLowerCase());
    assert.equal(reg['PhoneIP'], '127.0.0.1');
    const r = receiver.received[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/events?mac=1');
    assert.match(String(r.headers['user-agent']), /^PolycomVVX-VVX_450-UA\//);
    assert.match(r.body.toString(), /^<PolycomIPPhone>\n<UIInitializationEvent>\n<PhoneIP>127\.0\.0\.1<\/PhoneIP>/);
  });

  it('a call in, answered, hung up by the far end: the events in order, from the same call reference as callStatus', async () => {
    receiver.received.length = 0;
    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    await b.posts.settled();
    assert.deepEqual(names(receiver.received), ['IncomingCallEvent', 'CallStateChangeEvent']);
    const [, incoming] = eventOf(receiver.received[0]!);
    assert.deepEqual(Object.keys(incoming), [
      'PhoneIP',
      'MACAddress',
      'CallingPartyName',
      'CallingPartyNumber',
      'CalledPartyName',
      'CalledPartyNumber',
      'TimeStamp',
    ]);
    assert.equal(incoming['CallingPartyName'], 'Alice');
    assert.equal(incoming['CallingPartyNumber'], 'sip:1001@127.0.0.1');
    assert.equal(incoming['CalledPartyName'], 'Bob');
    // Local time with the offset of device.sntp.gmtOffset (-5 h).
    assert.equal(incoming['TimeStamp'], '2026-11-25T04:00:00-05:00');

    const status = (await b.get('/api/v2/webCallControl/callStatus')).body['data'] as Record<string, string>[];
    const handle = status[0]?.['CallHandle'];
    const [, offering] = eventOf(receiver.received[1]!);
    assert.equal(offering['@_CallReference'], handle);
    assert.equal(offering['@_CallState'], 'Offering');
    const info = (offering['CallLineInfo'] as Record<string, unknown>)['CallInfo'] as Record<string, string>;
    assert.equal(info['CallReference'], handle);
    assert.equal(info['CallType'], 'Incoming');
    assert.equal(info['UIAppearanceIndex'], '1*');
    assert.equal(info['Ringing'], '1');

    receiver.received.length = 0;
    await ok(b, '/api/v1/callctrl/answerCall', { Ref: handle });
    clock.advance(3000);
    const [aCall] =
      (assertOk(await a.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
        string,
        string
      >[]) ?? [];
    await ok(a, '/api/v1/callctrl/endCall', { Ref: aCall?.['CallHandle'] });
    await b.posts.settled();
    assert.deepEqual(names(receiver.received), ['OffHookEvent', 'CallStateChangeEvent', 'CallStateChangeEvent', 'OnHookEvent']);
    const states = receiver.received.slice(1, 3).map((r) => eventOf(r)[1]['@_CallState']);
    assert.deepEqual(states, ['Connected', 'Disconnected']);
    const [, ended] = eventOf(receiver.received[2]!);
    const line = ended['CallLineInfo'] as Record<string, unknown>;
    assert.equal(line['LineState'], 'Inactive');
    assert.equal((line['CallInfo'] as Record<string, string>)['CallDuration'], '3');
  });

  it('an outgoing call: OffHook, OutgoingCallEvent, then its states; hold shows CallHold', async () => {
    receiver.received.length = 0;
    await ok(b, '/api/v1/callctrl/dial', { Dest: '1001', Line: 1 });
    await b.posts.settled();
    // Dialling takes the phone off hook into dial tone, then the call goes out (a VVX 410 posts Dialtone too).
    assert.deepEqual(names(receiver.received).slice(0, 3), ['OffHookEvent', 'CallStateChangeEvent', 'OutgoingCallEvent']);
    assert.equal(eventOf(receiver.received[1]!)[1]['@_CallState'], 'Dialtone');
    const [, outgoing] = eventOf(receiver.received[2]!);
    assert.equal(outgoing['CalledPartyNumber'], 'sip:1001@127.0.0.1');
    assert.equal(outgoing['CallingPartyName'], 'Bob');
    const [ring] =
      (assertOk(await a.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
        string,
        string
      >[]) ?? [];
    await ok(a, '/api/v1/callctrl/answerCall', { Ref: ring?.['CallHandle'] });
    const [bCall] =
      (assertOk(await b.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
        string,
        string
      >[]) ?? [];
    await ok(b, '/api/v1/callctrl/holdCall', { Ref: bCall?.['CallHandle'] });
    await ok(b, '/api/v1/callctrl/endCall', { Ref: bCall?.['CallHandle'] });
    await b.posts.settled();
    const states = receiver.received.filter((r) => eventOf(r)[0] === 'CallStateChangeEvent').map((r) => eventOf(r)[1]['@_CallState']);
    assert.deepEqual(
      states,
      ['Dialtone', 'Setup', 'RingBack', 'Connected', 'CallHold', 'Disconnected'].filter((s) => states.includes(s)),
    );
    assert.ok(states.includes('CallHold') && states.includes('Connected') && states.at(-1) === 'Disconnected', states.join());
    assert.equal(names(receiver.received).at(-1), 'OnHookEvent');
  });

  it('each event follows its switch: off, nothing is posted', async () => {
    b.phone.config.set('LOCAL', { 'apps.telNotification.incomingEvent': '0', 'apps.telNotification.callStateChangeEvent': '0' });
    receiver.received.length = 0;
    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    const [out] =
      (assertOk(await a.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
        string,
        string
      >[]) ?? [];
    await ok(a, '/api/v1/callctrl/endCall', { Ref: out?.['CallHandle'] });
    await b.posts.settled();
    assert.deepEqual(names(receiver.received), []);
    b.phone.config.set('LOCAL', { 'apps.telNotification.incomingEvent': '1', 'apps.telNotification.callStateChangeEvent': '1' });
  });

  it('registration lost and back, lock and unlock, a user in and out', async () => {
    receiver.received.length = 0;
    b.phone.lines.loseRegistration(1);
    b.phone.lines.restoreRegistration(1);
    b.phone.setLocked(true);
    b.phone.setLocked(false);
    b.phone.logIn('alice');
    b.phone.logOut();
    await b.posts.settled();
    assert.deepEqual(names(receiver.received), [
      'LineUnregistrationEvent',
      'LineRegistrationEvent',
      'PhoneLockedEvent',
      'PhoneUnlockedEvent',
      'UserLoginOutEvent',
      'UserLoginOutEvent',
    ]);
    const [, login] = eventOf(receiver.received[4]!);
    assert.equal(login['UserLoggedIn'], 'alice');
    assert.deepEqual(login['CallLineInfo'], { LineKeyNum: '1', LineDirNum: '1002' });
    const [, logout] = eventOf(receiver.received[5]!);
    assert.equal(logout['UserLoggedOut'], '');
    assert.ok(!('UserLoggedIn' in logout));
  });

  it('a restart: its line unregisters before it goes, then the UI comes up and the line registers again', async () => {
    receiver.received.length = 0;
    assertOk(await b.post('/api/v1/mgmt/safeRestart'), '/api/v1/mgmt/safeRestart');
    const { waitFor } = await import('./helpers.js');
    await waitFor(() => !b.phone.isUp);
    clock.advance(1000);
    await waitFor(() => b.phone.isReady);
    await b.posts.settled();
    assert.deepEqual(names(receiver.received), ['LineUnregistrationEvent', 'UIInitializationEvent', 'LineRegistrationEvent']);
  });

  it('every configured URL gets every event, each once', async () => {
    const second = await recordingServer(() => ({ status: 204 }));
    try {
      b.phone.config.set('LOCAL', {
        'apps.telNotification.1.URL': second.url,
        'apps.telNotification.2.URL': `${receiver.url}/events?mac=1`,
      });
      receiver.received.length = 0;
      b.phone.setLocked(true);
      b.phone.setLocked(false);
      await b.posts.settled();
      assert.deepEqual(names(receiver.received), ['PhoneLockedEvent', 'PhoneUnlockedEvent']);
      assert.deepEqual(names(second.received), ['PhoneLockedEvent', 'PhoneUnlockedEvent']);
    } finally {
      b.phone.config.set('LOCAL', { 'apps.telNotification.1.URL': '', 'apps.telNotification.2.URL': '' });
      await second.close();
    }
  });
});

describe('delivery never holds the phone up', () => {
  it('a receiver that never answers: each post ends at its deadline, the oldest waiting are dropped, REST answers meanwhile', async () => {
    const hanging = await recordingServer(() => ({ status: 200 }));
    hanging.server.removeAllListeners('request');
    hanging.server.on('request', () => undefined); // takes the request, never answers
    const p = await testPhone({
      posts: { deadlineMs: 150, max: 2 },
      set: { 'apps.telNotification.URL': hanging.url, 'apps.telNotification.userLogInOutEvent': '1' },
    });
    try {
      for (let i = 0; i < 4; i++) p.phone.setLocked(i % 2 === 0);
      // The REST API is not held up by deliveries in flight.
      assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
      await p.posts.settled();
      assert.equal(p.posts.counts.dropped, 1, 'four events, one in flight, two waiting: one dropped');
      assert.equal(p.posts.counts.failed, 3);
      const out = p.journal.last().filter((e) => e.direction === 'out');
      assert.equal(out.length, 4);
      assert.match(out[0]?.detail ?? '', /PhoneUnlockedEvent: dropped \(queue full\)/);
      assert.match(out[1]?.detail ?? '', /PhoneLockedEvent: not done within 150 ms/);
      assert.equal(out[1]?.httpStatus, 0);
    } finally {
      await p.stop();
      await hanging.close();
    }
  });

  it('a receiver that answers 500, and one that is down: failed, counted, in the journal', async () => {
    const failing = await recordingServer(() => ({ status: 500 }));
    const down = await recordingServer();
    const downUrl = down.url;
    await down.close();
    const p = await testPhone({
      set: {
        'apps.telNotification.URL': failing.url,
        'apps.telNotification.1.URL': downUrl,
        'apps.telNotification.userLogInOutEvent': '1',
      },
    });
    try {
      p.phone.setLocked(true);
      await p.posts.settled();
      assert.equal(failing.received.length, 1);
      assert.deepEqual(p.posts.counts, { delivered: 0, failed: 2, dropped: 0 });
      const out = p.journal.last().filter((e) => e.direction === 'out');
      assert.deepEqual(
        out.map((e) => [e.url, e.httpStatus]),
        [
          [failing.url, 500],
          [downUrl, 0],
        ],
      );
      assert.match(out[1]?.detail ?? '', /ECONNREFUSED/);
    } finally {
      await p.stop();
      await failing.close();
    }
  });

  /** The first call's handle, as callStatus gives it. */
  const firstHandle = async (p: TestPhone): Promise<string> => {
    const rows = assertOk(await p.get('/api/v2/webCallControl/callStatus'), '/api/v2/webCallControl/callStatus')['data'] as Record<
      string,
      string
    >[];
    return rows[0]?.['CallHandle'] ?? '';
  };

  /** Phone a calls phone b, b answers, both show the call connected, b answers REST; then a hangs up. All by REST. */
  async function callAndHangUp(a: TestPhone, b: TestPhone): Promise<void> {
    await ok(a, '/api/v1/callctrl/dial', { Dest: '2002', Line: 1 });
    await ok(b, '/api/v1/callctrl/answerCall', { Ref: await firstHandle(b) });
    assert.deepEqual(await callStates(a), ['2002:Connected']);
    assert.deepEqual(await callStates(b), ['2001:Connected']);
    assertOk(await b.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    assertOk(await b.get('/api/v1/mgmt/lineInfo'), '/api/v1/mgmt/lineInfo');
    await ok(a, '/api/v1/callctrl/endCall', { Ref: await firstHandle(a) });
    assert.deepEqual(await callStates(b), []);
  }

  it('a receiver that never answers: a call is placed, answered and ended and REST answers while the first post still hangs; the rest fail or are dropped', async () => {
    const hanging = await recordingServer(() => new Promise<never>(() => undefined));
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    const sb = new Switchboard(clock, randomIds);
    const a = await testPhone({ switchboard: sb, clock, number: '2001' });
    // The default deadline (5 s) outlasts the whole call: nothing the call does may wait for it.
    const b = await testPhone({
      switchboard: sb,
      clock,
      number: '2002',
      posts: { max: 2 },
      set: { 'apps.telNotification.URL': `${hanging.url}/tel`, ...ALL_TELEPHONY_EVENTS },
    });
    try {
      await waitFor(() => hanging.received.length === 1);
      await callAndHangUp(a, b);
      assert.equal(hanging.received.length, 1, 'still the boot event in flight: nothing has ended');
      assert.deepEqual({ ...b.posts.counts }, { delivered: 0, failed: 0, dropped: b.posts.counts.dropped });
      assert.ok(b.posts.counts.dropped >= 5, `the call's events overflowed the queue: ${b.posts.counts.dropped} dropped`);
      assert.equal(b.posts.length, 3, 'one in flight, two waiting');
      // The receiver goes away: what was in flight and what waited fail; nothing is left.
      await hanging.close();
      await b.posts.settled();
      assert.equal(b.posts.counts.delivered, 0);
      assert.equal(b.posts.counts.failed, 3);
      const out = b.journal.last(200).filter((e) => e.direction === 'out');
      assert.equal(out.length, b.posts.counts.failed + b.posts.counts.dropped, 'each one in the journal');
      assert.ok(
        out.some((e) => /^OnHookEvent: /.test(e.detail ?? '')),
        'the last event, hanging up, was raised and is accounted for',
      );
    } finally {
      await a.stop();
      await b.stop();
      await hanging.close();
    }
  });

  it('a receiver that answers 500 and one that is down: the call and REST are unaffected; every event failed at both, none dropped', async () => {
    const failing = await recordingServer(() => ({ status: 500 }));
    const down = await recordingServer();
    const downUrl = `${down.url}/tel`;
    await down.close();
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    const sb = new Switchboard(clock, randomIds);
    const a = await testPhone({ switchboard: sb, clock, number: '2001' });
    const b = await testPhone({
      switchboard: sb,
      clock,
      number: '2002',
      set: { 'apps.telNotification.URL': `${failing.url}/tel`, 'apps.telNotification.1.URL': downUrl, ...ALL_TELEPHONY_EVENTS },
    });
    try {
      await b.posts.settled();
      failing.received.length = 0;
      const before = { ...b.posts.counts };
      await callAndHangUp(a, b);
      await b.posts.settled();
      const raised = failing.received.length;
      assert.ok(raised >= 6, `the call's events reached the 500 receiver: ${raised}`);
      assert.deepEqual(
        { delivered: b.posts.counts.delivered, failed: b.posts.counts.failed - before.failed, dropped: b.posts.counts.dropped },
        { delivered: 0, failed: 2 * raised, dropped: 0 },
      );
      assert.ok(
        ['IncomingCallEvent', 'OffHookEvent', 'OnHookEvent'].every((name) =>
          failing.received.some((r) => r.body.toString().includes(`<${name}>`)),
        ),
      );
    } finally {
      await a.stop();
      await b.stop();
      await failing.close();
    }
  });

  it('a receiver that answers, slowly (300 ms each): the call is unaffected, every event arrives in the order raised, none dropped', async () => {
    const slow = await recordingServer(() => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 300)));
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    const sb = new Switchboard(clock, randomIds);
    const a = await testPhone({ switchboard: sb, clock, number: '2001' });
    const b = await testPhone({
      switchboard: sb,
      clock,
      number: '2002',
      set: {
        'apps.telNotification.URL': `${slow.url}/tel`,
        'apps.telNotification.incomingEvent': '1',
        'apps.telNotification.callStateChangeEvent': '1',
        'apps.telNotification.onhookEvent': '1',
      },
    });
    try {
      await callAndHangUp(a, b);
      assert.ok(b.posts.length >= 3, `the call went on while its events waited: ${b.posts.length} waiting`);
      await b.posts.settled();
      assert.deepEqual({ ...b.posts.counts }, { delivered: 5, failed: 0, dropped: 0 });
      assert.deepEqual(
        slow.received.map((r) => {
          const [name, body] = eventOf(r);
          return name === 'CallStateChangeEvent' ? `${name}:${String(body['@_CallState'])}` : name;
        }),
        [
          'IncomingCallEvent',
          'CallStateChangeEvent:Offering',
          'CallStateChangeEvent:Connected',
          'CallStateChangeEvent:Disconnected',
          'OnHookEvent',
        ],
      );
      const out = b.journal.last(50).filter((e) => e.direction === 'out');
      assert.ok(
        out.every((e) => e.httpStatus === 200 && e.ms >= 290),
        out.map((e) => `${e.httpStatus} ${e.ms}`).join(),
      );
    } finally {
      await a.stop();
      await b.stop();
      await slow.close();
    }
  });

  it('over HTTPS to a receiver with a self-signed certificate', async () => {
    const material = selfSignedCertificate({
      commonName: 'receiver',
      organization: 'test',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const bodies: string[] = [];
    const server = createHttpsServer({ cert: material.cert, key: material.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/tel`;
    const p = await testPhone({ set: { 'apps.telNotification.URL': url, 'apps.telNotification.userLogInOutEvent': '1' } });
    try {
      p.phone.logIn('carol');
      await p.posts.settled();
      assert.equal(p.posts.counts.delivered, 1);
      assert.match(bodies[0] ?? '', /<UserLoggedIn>carol<\/UserLoggedIn>/);
    } finally {
      await p.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
