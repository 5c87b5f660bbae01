/** The registration table moves by exactly its listed moves; a real registration goes through RFC 3261 10.2's paths. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import { parseSip, responseTo } from './codec/message.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { ClientTransactions } from './client-transactions.js';
import { LineRegistration } from './registration.js';
import { testRegistrationPlan } from './test-registration.js';
import { REGISTRATION_TRANSITIONS, registrationMachine, statusOf } from './registration-state.js';
import type { RegistrationEvent, RegistrationGuard, RegistrationState } from './registration-state.js';
import { targetOf } from './state-table.js';
import type { Facts, Refusal } from './state-table.js';
import type { Destination, SipWire } from './wire.js';

const STATES = Object.keys(REGISTRATION_TRANSITIONS) as RegistrationState[];
const EVENTS: RegistrationEvent[] = [
  'start',
  'registered',
  'challenge',
  'intervalTooBrief',
  'rejected',
  'unavailable',
  'refreshDue',
  'retry',
  'stop',
  'unregistered',
];
const GUARDS: RegistrationGuard[] = ['fresh', 'nextServer', 'unregister'];
/** Every combination of the guards' facts. */
const ALL_FACTS: Facts<RegistrationGuard>[] = Array.from(
  { length: 2 ** GUARDS.length },
  (_, n) => Object.fromEntries(GUARDS.map((g, i) => [g, (n & (1 << i)) !== 0])) as Facts<RegistrationGuard>,
);

/** Every allowed move with the fact it depends on (if any), written out so that a change of the table shows here. */
const ALLOWED: [RegistrationState, RegistrationEvent, Facts<RegistrationGuard>, RegistrationState][] = [
  ['idle', 'start', {}, 'registering'],
  ['idle', 'stop', {}, 'idle'],
  ...(['registering', 'refreshing'] as const).flatMap(
    (s): [RegistrationState, RegistrationEvent, Facts<RegistrationGuard>, RegistrationState][] => [
      [s, 'registered', {}, 'registered'],
      [s, 'challenge', { fresh: true }, s],
      [s, 'challenge', { fresh: false }, 'backingOff'],
      [s, 'intervalTooBrief', {}, s],
      [s, 'rejected', {}, 'backingOff'],
      [s, 'unavailable', { nextServer: true }, 'registering'],
      [s, 'unavailable', { nextServer: false }, 'backingOff'],
    ],
  ),
  ['registering', 'stop', {}, 'idle'],
  ['registered', 'refreshDue', {}, 'refreshing'],
  ['registered', 'stop', { unregister: true }, 'unregistering'],
  ['registered', 'stop', { unregister: false }, 'idle'],
  ['refreshing', 'stop', { unregister: true }, 'unregistering'],
  ['refreshing', 'stop', { unregister: false }, 'idle'],
  ['backingOff', 'retry', {}, 'registering'],
  ['backingOff', 'stop', {}, 'idle'],
  ['unregistering', 'unregistered', {}, 'idle'],
  ['unregistering', 'start', {}, 'registering'],
  ['unregistering', 'stop', {}, 'idle'],
];

/** Whether `facts` agrees with the facts a listed move names. */
const agrees = (facts: Facts<RegistrationGuard>, named: Facts<RegistrationGuard>): boolean =>
  Object.entries(named).every(([g, v]) => (facts[g as RegistrationGuard] ?? false) === v);

describe('registration state table', () => {
  it('allows exactly the listed moves, to the listed target under every combination of facts; every other pair is refused', () => {
    for (const [from, event, named, to] of ALLOWED) {
      for (const facts of ALL_FACTS.filter((f) => agrees(f, named)))
        assert.equal(targetOf(REGISTRATION_TRANSITIONS, from, event, facts), to, `${from} --${event}-->`);
    }
    const allowed = new Set(ALLOWED.map(([f, e]) => `${f}:${e}`));
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (allowed.has(`${from}:${event}`)) continue;
        for (const facts of ALL_FACTS)
          assert.equal(targetOf(REGISTRATION_TRANSITIONS, from, event, facts), undefined, `${from} --${event}--> must be refused`);
      }
    }
  });

  it('a refused move changes nothing and is reported, never thrown', () => {
    const refusals: Refusal[] = [];
    const m = registrationMachine((r) => refusals.push(r));
    assert.equal(m.move('registered'), false);
    assert.equal(m.move('retry'), false);
    assert.equal(m.state, 'idle');
    assert.deepEqual(refusals, [
      { machine: 'SIP registration', state: 'idle', event: 'registered' },
      { machine: 'SIP registration', state: 'idle', event: 'retry' },
    ]);
  });

  it('no state is a dead end: every state can be stopped, and what the line shows follows the state', () => {
    for (const s of STATES) assert.ok(targetOf(REGISTRATION_TRANSITIONS, s, 'stop') !== undefined, s);
    assert.deepEqual(
      STATES.map((s) => [s, statusOf(s)]),
      [
        ['idle', 'unregistered'],
        ['registering', 'registering'],
        ['registered', 'registered'],
        ['refreshing', 'registered'],
        ['backingOff', 'failed'],
        ['unregistering', 'unregistered'],
      ],
    );
  });
});

// ---- a real registration, on the manual clock ----

function setup(servers: number): {
  clock: ManualClock;
  reg: LineRegistration;
  sent: { dest: Destination; req: SipRequest }[];
  path: RegistrationState[];
  refusals: Refusal[];
  reply: (status: number, reason: string, headers?: [string, string][]) => void;
  changes: () => number;
} {
  const clock = new ManualClock();
  const sent: { dest: Destination; req: SipRequest }[] = [];
  const wire: SipWire = {
    send: (dest, message) => {
      sent.push({ dest, req: parseSip(message, true) as SipRequest });
    },
    local: () => ({ host: '127.0.0.1', port: 5080 }),
    listensOn: () => false,
  };
  const transactions = new ClientTransactions(wire, clock);
  const plan = testRegistrationPlan(servers);
  const refusals: Refusal[] = [];
  let changed = 0;
  const reg = new LineRegistration(
    plan,
    wire,
    transactions,
    clock,
    () => {
      changed++;
    },
    (r) => refusals.push(r),
  );
  const path: RegistrationState[] = [];
  reg.state.onMove((_from, _event, to) => path.push(to));
  const reply = (status: number, reason: string, headers: [string, string][] = []): void => {
    const last = sent[sent.length - 1]?.req as SipRequest;
    assert.ok(transactions.onResponse(parseSip(responseTo(last, status, reason, 'srv', headers), true) as SipResponse));
  };
  return { clock, reg, sent, path, refusals, reply, changes: () => changed };
}

const CHALLENGE: [string, string][] = [['WWW-Authenticate', 'Digest realm="pbx.test", nonce="abc", qop="auth", algorithm=SHA-256']];

describe('a registration on the wire (RFC 3261 10.2)', () => {
  it('401 challenge -> registered -> refresh -> no answer (fail over, then back off) -> registered again -> unregister', () => {
    const { clock, reg, sent, path, refusals, reply, changes } = setup(2);
    const last = (): { dest: Destination; req: SipRequest } => sent[sent.length - 1] as { dest: Destination; req: SipRequest };
    reg.start();
    reply(401, 'Unauthorized', CHALLENGE);
    assert.match(last().req.headers.get('authorization') ?? '', /nc=00000001/);
    reply(200, 'OK', [['Contact', '<sip:1001@127.0.0.1:5080>;expires=120']]);
    assert.equal(reg.view().status, 'registered');
    const told = changes();
    clock.advance(90_000); // expires 120 - overlap 30
    assert.equal(reg.state.state, 'refreshing');
    assert.equal(reg.view().status, 'registered', 'the binding holds while it is refreshed');
    assert.equal(changes(), told, 'a refresh going out is no change for the line table');
    clock.advance(200); // no answer from the first server: the second
    assert.equal(last().dest.host, '192.0.2.2');
    clock.advance(200); // nor from the second: back off
    assert.deepEqual([reg.view().status, reg.view().reason], ['failed', 'no answer']);
    clock.advance(10_000);
    assert.equal(last().dest.host, '192.0.2.1', 'registers again from the first server');
    reply(200, 'OK', [['Expires', '120']]);
    assert.equal(reg.view().status, 'registered');
    reg.stop(true);
    assert.equal(last().req.headers.get('expires'), '0');
    assert.equal(reg.state.state, 'unregistering');
    assert.equal(reg.view().status, 'unregistered');
    reply(200, 'OK');
    assert.deepEqual(path, [
      'registering',
      'registering',
      'registered',
      'refreshing',
      'registering',
      'backingOff',
      'registering',
      'registered',
      'unregistering',
      'idle',
    ]);
    assert.deepEqual(refusals, []);
  });

  it('a second challenge after credentials backs off as a wrong password; a stale one is answered again', () => {
    const { reg, path, refusals, reply, sent } = setup(1);
    reg.start();
    reply(401, 'Unauthorized', CHALLENGE);
    reply(401, 'Unauthorized', [['WWW-Authenticate', 'Digest realm="pbx.test", nonce="def", stale=true, algorithm=MD5']]);
    assert.equal(reg.state.state, 'registering', 'stale: answered again');
    const before = sent.length;
    reply(401, 'Unauthorized', CHALLENGE);
    assert.equal(sent.length, before, 'no third try');
    assert.deepEqual([reg.view().status, reg.view().reason], ['failed', '401 Unauthorized (wrong credentials)']);
    assert.deepEqual(path, ['registering', 'registering', 'registering', 'backingOff']);
    reg.stop(true);
    assert.equal(reg.state.state, 'idle', 'not registered: nothing to unregister');
    assert.equal(sent.length, before);
    assert.deepEqual(refusals, []);
  });

  it('an unregister that gets no answer ends too; a registration stopped and started again registers', () => {
    const { clock, reg, sent, refusals, reply } = setup(1);
    reg.start();
    reply(200, 'OK');
    reg.stop(true);
    assert.equal(reg.state.state, 'unregistering');
    clock.advance(200); // retryTimeOut 100 x (1 + 1)
    assert.equal(reg.state.state, 'idle');
    reg.start();
    assert.equal(reg.state.state, 'registering');
    assert.equal(sent[sent.length - 1]?.req.headers.get('expires'), '120');
    reg.stop(false);
    assert.equal(reg.state.state, 'idle');
    clock.advance(60_000);
    assert.equal(reg.state.state, 'idle', 'a stopped registration sends nothing');
    assert.deepEqual(refusals, []);
  });
});
