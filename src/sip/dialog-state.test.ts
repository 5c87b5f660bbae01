/** The dialog and re-INVITE tables move by exactly their listed moves (real calls on them: sip-dialogs.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALOG_TRANSITIONS, dialogMachine, glareWait, OFFER_TRANSITIONS, offerMachine } from './dialog-state.js';
import type { DialogEvent, DialogGuard, DialogState, OfferEvent, OfferState } from './dialog-state.js';
import { targetOf } from './state-table.js';
import type { Facts, Refusal } from './state-table.js';

const STATES = Object.keys(DIALOG_TRANSITIONS) as DialogState[];
const EVENTS: DialogEvent[] = [
  'trying',
  'progress',
  'answered',
  'rejected',
  'timeout',
  'hangUp',
  'answer',
  'accept',
  'refuse',
  'cancelled',
  'refer',
  'bye',
  'byeReceived',
];

/** Every allowed move with the facts it needs, written out so that a change of the table shows here. */
const ALLOWED: [DialogState, DialogEvent, Facts<DialogGuard>, DialogState][] = [
  ['calling', 'progress', {}, 'early'],
  ['calling', 'answered', {}, 'confirmed'],
  ['calling', 'rejected', {}, 'terminated'],
  ['calling', 'timeout', {}, 'terminated'],
  ['calling', 'byeReceived', {}, 'terminated'],
  ['calling', 'hangUp', { provisional: true, inviteSent: true }, 'cancelling'],
  ['calling', 'hangUp', { inviteSent: true }, 'cancelPending'],
  ['calling', 'hangUp', {}, 'terminated'],
  ['early', 'progress', {}, 'early'],
  ['early', 'answered', {}, 'confirmed'],
  ['early', 'rejected', {}, 'terminated'],
  ['early', 'timeout', {}, 'terminated'],
  ['early', 'byeReceived', {}, 'terminated'],
  ['early', 'hangUp', {}, 'cancelling'],
  ['early', 'answer', {}, 'answering'],
  ['early', 'refuse', {}, 'terminated'],
  ['early', 'cancelled', {}, 'terminated'],
  ['answering', 'accept', {}, 'confirmed'],
  ['answering', 'refuse', {}, 'terminated'],
  ['answering', 'cancelled', {}, 'terminated'],
  ['answering', 'byeReceived', {}, 'terminated'],
  ['cancelPending', 'trying', {}, 'cancelling'],
  ['cancelPending', 'progress', {}, 'cancelling'],
  ['cancelPending', 'answered', {}, 'confirmed'],
  ['cancelPending', 'rejected', {}, 'terminated'],
  ['cancelPending', 'timeout', {}, 'terminated'],
  ['cancelling', 'answered', {}, 'confirmed'],
  ['cancelling', 'rejected', {}, 'terminated'],
  ['cancelling', 'timeout', {}, 'terminated'],
  ['confirmed', 'refer', {}, 'transferring'],
  ['confirmed', 'bye', {}, 'terminated'],
  ['confirmed', 'byeReceived', {}, 'terminated'],
  ['transferring', 'bye', {}, 'terminated'],
  ['transferring', 'byeReceived', {}, 'terminated'],
];

const OFFER_STATES = Object.keys(OFFER_TRANSITIONS) as OfferState[];
const OFFER_EVENTS: OfferEvent[] = ['offer', 'change', 'settled', 'requestPending', 'retry'];
const OFFER_ALLOWED: [OfferState, OfferEvent, OfferState][] = [
  ['stable', 'offer', 'offering'],
  ['offering', 'change', 'queued'],
  ['offering', 'settled', 'stable'],
  ['offering', 'requestPending', 'backingOff'],
  ['queued', 'change', 'queued'],
  ['queued', 'settled', 'stable'],
  ['queued', 'requestPending', 'backingOff'],
  ['backingOff', 'change', 'backingOff'],
  ['backingOff', 'retry', 'offering'],
];

/** Every guard combination, so that a guarded move is checked under each. */
const ALL_FACTS: Facts<DialogGuard>[] = [{}, { inviteSent: true }, { provisional: true, inviteSent: true }, { provisional: true }];

describe('dialog state table', () => {
  it('allows exactly the listed moves, under every guard combination; every other pair is refused and reported', () => {
    for (const [from, event, facts, to] of ALLOWED)
      assert.equal(targetOf(DIALOG_TRANSITIONS, from, event, facts), to, `${from} --${event}-->`);
    const allowed = new Set(ALLOWED.map(([f, e]) => `${f}:${e}`));
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (allowed.has(`${from}:${event}`)) {
          for (const facts of ALL_FACTS)
            assert.ok(targetOf(DIALOG_TRANSITIONS, from, event, facts) !== undefined, `${from} --${event}--> has a target`);
          continue;
        }
        for (const facts of ALL_FACTS)
          assert.equal(targetOf(DIALOG_TRANSITIONS, from, event, facts), undefined, `${from} --${event}--> must be refused`);
        // a machine in `from` refuses it: the state stays, the sink hears of it, nothing throws
        const refusals: Refusal[] = [];
        const m = machineIn(from, refusals);
        assert.equal(m.move(event), false);
        assert.equal(m.state, from);
        assert.deepEqual(refusals, [{ machine: 'SIP dialog', state: from, event }]);
      }
    }
  });

  it('terminated accepts nothing; every other state can reach it', () => {
    assert.deepEqual(DIALOG_TRANSITIONS.terminated, {});
    for (const from of STATES.filter((s) => s !== 'terminated')) {
      assert.ok(
        EVENTS.some((e) => ALL_FACTS.some((f) => targetOf(DIALOG_TRANSITIONS, from, e, f) === 'terminated')),
        from,
      );
    }
  });

  it("re-INVITEs: exactly the listed moves; a 491 wait is in RFC 3261 14.1's ranges, in steps of 10 ms", () => {
    for (const [from, event, to] of OFFER_ALLOWED) assert.equal(targetOf(OFFER_TRANSITIONS, from, event), to, `${from} --${event}-->`);
    const allowed = new Set(OFFER_ALLOWED.map(([f, e]) => `${f}:${e}`));
    for (const from of OFFER_STATES) {
      for (const event of OFFER_EVENTS) {
        if (!allowed.has(`${from}:${event}`))
          assert.equal(targetOf(OFFER_TRANSITIONS, from, event), undefined, `${from} --${event}--> must be refused`);
      }
    }
    const refusals: Refusal[] = [];
    const m = offerMachine((r) => refusals.push(r));
    assert.equal(m.move('retry'), false);
    assert.deepEqual(refusals, [{ machine: 'SIP re-INVITE', state: 'stable', event: 'retry' }]);
    for (const r of [0, 0.5, 0.999999]) {
      const owner = glareWait(true, () => r);
      const other = glareWait(false, () => r);
      assert.ok(owner >= 2100 && owner <= 4000 && owner % 10 === 0, String(owner));
      assert.ok(other >= 0 && other <= 2000 && other % 10 === 0, String(other));
    }
  });
});

/** A machine brought to `state` along allowed moves. */
function machineIn(state: DialogState, refusals: Refusal[]): ReturnType<typeof dialogMachine> {
  const paths: Record<DialogState, ['uac' | 'uas', DialogEvent[]]> = {
    calling: ['uac', []],
    early: ['uas', []],
    answering: ['uas', ['answer']],
    confirmed: ['uas', ['answer', 'accept']],
    transferring: ['uas', ['answer', 'accept', 'refer']],
    terminated: ['uas', ['refuse']],
    cancelling: ['uac', ['progress', 'hangUp']],
    cancelPending: ['uac', []],
  };
  const [role, events] = paths[state];
  const m = dialogMachine(role, (r) => refusals.push(r));
  for (const e of events) assert.ok(m.move(e));
  if (state === 'cancelPending') assert.ok(m.move('hangUp', { inviteSent: true }));
  assert.equal(m.state, state);
  return m;
}
