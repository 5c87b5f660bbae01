import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhoneError } from '../status.js';
import { next, TRANSITIONS } from './call-state.js';
import type { CallEvent, CallState } from './call-state.js';

const STATES = Object.keys(TRANSITIONS) as CallState[];
const EVENTS: CallEvent[] = [
  'dial',
  'farRinging',
  'farAnswered',
  'answer',
  'hold',
  'resume',
  'end',
  'reject',
  'farEnded',
  'farRejected',
  'transferred',
];

/** Every allowed move, written out so that a change of the table shows here. */
const ALLOWED: [CallState, CallEvent, CallState][] = [
  ['Dialtone', 'dial', 'Setup'],
  ['Dialtone', 'end', 'Disconnected'],
  ['Setup', 'farRinging', 'RingBack'],
  ['Setup', 'farAnswered', 'Connected'],
  ['Setup', 'farRejected', 'Disconnected'],
  ['Setup', 'end', 'Disconnected'],
  ['Setup', 'farEnded', 'Disconnected'],
  ['RingBack', 'farAnswered', 'Connected'],
  ['RingBack', 'farRejected', 'Disconnected'],
  ['RingBack', 'end', 'Disconnected'],
  ['RingBack', 'farEnded', 'Disconnected'],
  ['Offering', 'answer', 'Connected'],
  ['Offering', 'reject', 'Disconnected'],
  ['Offering', 'end', 'Disconnected'],
  ['Offering', 'farEnded', 'Disconnected'],
  ['Connected', 'hold', 'Hold'],
  ['Connected', 'end', 'Disconnected'],
  ['Connected', 'farEnded', 'Disconnected'],
  ['Connected', 'transferred', 'Disconnected'],
  ['Hold', 'resume', 'Connected'],
  ['Hold', 'end', 'Disconnected'],
  ['Hold', 'farEnded', 'Disconnected'],
  ['Hold', 'transferred', 'Disconnected'],
];

describe('call state machine', () => {
  it('allows exactly the listed moves', () => {
    for (const [from, event, to] of ALLOWED) assert.equal(next(from, event), to, `${from} --${event}-->`);
    const allowed = new Set(ALLOWED.map(([f, e]) => `${f}:${e}`));
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (allowed.has(`${from}:${event}`)) continue;
        assert.throws(
          () => next(from, event),
          (e: unknown) => e instanceof PhoneError,
          `${from} --${event}--> must be refused`,
        );
      }
    }
  });

  it('refuses with 4003, or 4007 once the call is over', () => {
    assert.throws(
      () => next('Offering', 'hold'),
      (e: unknown) => e instanceof PhoneError && e.code === '4003',
    );
    assert.throws(
      () => next('Connected', 'answer'),
      (e: unknown) => e instanceof PhoneError && e.code === '4003',
    );
    assert.throws(
      () => next('Disconnected', 'end'),
      (e: unknown) => e instanceof PhoneError && e.code === '4007',
    );
  });

  it('ends every state that is not over', () => {
    for (const from of STATES.filter((s) => s !== 'Disconnected')) {
      assert.ok(
        ['end', 'farEnded'].some((e) => TRANSITIONS[from][e as CallEvent] === 'Disconnected'),
        from,
      );
    }
  });
});
