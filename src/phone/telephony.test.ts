import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TelephonyEvent } from './telephony.js';
import { unitPhone } from './test-phone.js';

/** A ready phone with line 1 registered (a call server, no network: numbers are unreachable) and what it raises. */
function watched(): {
  phone: ReturnType<typeof unitPhone>['phone'];
  clock: ReturnType<typeof unitPhone>['clock'];
  kinds: () => string[];
  events: TelephonyEvent[];
} {
  const { phone, clock } = unitPhone('VVX 450', {
    bootConfig: { 'reg.1.address': '1001', 'voIpProt.server.1.address': '127.0.0.1' },
  });
  const events: TelephonyEvent[] = [];
  phone.on('telephony', (e) => events.push(e));
  phone.start();
  clock.advance(1000);
  return {
    phone,
    clock,
    events,
    kinds: () => events.splice(0).map((e) => (e.kind === 'callState' ? `callState:${e.call.state}` : e.kind)),
  };
}

describe('what a phone tells applications, from its own state', () => {
  it('boot: the UI comes up, then its registered lines; nothing while it initialises', () => {
    const { kinds } = watched();
    assert.deepEqual(kinds(), ['uiInitialization', 'lineRegistration']);
  });

  it('an incoming call rings (no off hook), is answered (off hook), ends (on hook)', () => {
    const { phone, kinds, events } = watched();
    kinds();
    const inbox = { receive: () => undefined };
    phone.calls.incoming(1, { caller: inbox, from: { number: '2002', name: 'Bea', address: '127.0.0.2' }, callId: 'c1' });
    assert.deepEqual(kinds(), ['incoming', 'callState:Offering']);
    phone.calls.answer();
    phone.calls.hold();
    phone.calls.resume();
    phone.calls.end();
    const raised = events.slice();
    assert.deepEqual(kinds(), [
      'offHook',
      'callState:Connected',
      'callState:Hold',
      'callState:Connected',
      'callState:Disconnected',
      'onHook',
    ]);
    const ended = raised.find((e) => e.kind === 'callState' && e.call.state === 'Disconnected');
    assert.ok(ended?.kind === 'callState');
    assert.equal(ended.calls.length, 1, 'the ended call is in its line block');
  });

  it('registration lost and back; a restart unregisters its lines, then comes up again', () => {
    const { phone, clock, kinds } = watched();
    kinds();
    phone.lines.loseRegistration(1);
    phone.lines.restoreRegistration(1);
    assert.deepEqual(kinds(), ['lineUnregistration', 'lineRegistration']);
    phone.goDown('restart');
    assert.deepEqual(kinds(), ['lineUnregistration']);
    clock.advance(5000 + 1000);
    assert.deepEqual(kinds(), ['uiInitialization', 'lineRegistration']);
  });

  it('lock and login raise once per change', () => {
    const { phone, kinds } = watched();
    kinds();
    phone.setLocked(true);
    phone.setLocked(true);
    phone.setLocked(false);
    phone.logIn('ann');
    phone.logIn('bob');
    phone.logOut();
    phone.logOut();
    assert.deepEqual(kinds(), ['phoneLock', 'phoneUnlock', 'userLogin', 'userLogout', 'userLogin', 'userLogout']);
  });
});
