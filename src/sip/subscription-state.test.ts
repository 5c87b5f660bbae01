/** The subscription table (a busy lamp field key's watch) moves by exactly its listed moves, and reports any other. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awaitingAnswer, holding, SUBSCRIPTION_TRANSITIONS, subscriptionMachine } from './subscription-state.js';
import type { SubscriptionEvent, SubscriptionGuard, SubscriptionState } from './subscription-state.js';
import { targetOf } from './state-table.js';
import type { Facts, Refusal } from './state-table.js';

const STATES = Object.keys(SUBSCRIPTION_TRANSITIONS) as SubscriptionState[];
const EVENTS: SubscriptionEvent[] = [
  'start',
  'accepted',
  'challenge',
  'intervalTooBrief',
  'notified',
  'refreshDue',
  'failed',
  'gone',
  'terminated',
  'retry',
  'stop',
  'unsubscribed',
];
const GUARDS: SubscriptionGuard[] = ['fresh', 'atOnce'];
const ALL_FACTS: Facts<SubscriptionGuard>[] = Array.from(
  { length: 2 ** GUARDS.length },
  (_, n) => Object.fromEntries(GUARDS.map((g, i) => [g, (n & (1 << i)) !== 0])) as Facts<SubscriptionGuard>,
);

type Move = [SubscriptionState, SubscriptionEvent, Facts<SubscriptionGuard>, SubscriptionState];

/** Every allowed move with the fact it depends on (if any), written out so that a change of the table shows here. */
const ALLOWED: Move[] = [
  ['idle', 'start', {}, 'subscribing'],
  ['idle', 'stop', {}, 'stopped'],
  ...(['subscribing', 'refreshing'] as const).flatMap((s): Move[] => [
    [s, 'accepted', {}, 'active'],
    [s, 'challenge', { fresh: true }, s],
    [s, 'challenge', { fresh: false }, 'waiting'],
    [s, 'intervalTooBrief', {}, s],
    [s, 'notified', {}, s],
    [s, 'failed', {}, 'waiting'],
    [s, 'terminated', { atOnce: true }, 'subscribing'],
    [s, 'terminated', { atOnce: false }, 'waiting'],
  ]),
  ['subscribing', 'stop', {}, 'stopped'],
  ['refreshing', 'gone', {}, 'subscribing'],
  ['refreshing', 'stop', {}, 'unsubscribing'],
  ['active', 'refreshDue', {}, 'refreshing'],
  ['active', 'notified', {}, 'active'],
  ['active', 'failed', {}, 'waiting'],
  ['active', 'gone', {}, 'subscribing'],
  ['active', 'terminated', { atOnce: true }, 'subscribing'],
  ['active', 'terminated', { atOnce: false }, 'waiting'],
  ['active', 'stop', {}, 'unsubscribing'],
  ['waiting', 'retry', {}, 'subscribing'],
  ['waiting', 'stop', {}, 'stopped'],
  ['unsubscribing', 'unsubscribed', {}, 'stopped'],
  ['unsubscribing', 'notified', {}, 'unsubscribing'],
  ['unsubscribing', 'stop', {}, 'unsubscribing'],
];

const agrees = (facts: Facts<SubscriptionGuard>, named: Facts<SubscriptionGuard>): boolean =>
  Object.entries(named).every(([g, v]) => (facts[g as SubscriptionGuard] ?? false) === v);

describe('subscription state table', () => {
  it('allows exactly the listed moves, to the listed target under every combination of facts; every other pair is refused', () => {
    for (const [from, event, named, to] of ALLOWED) {
      for (const facts of ALL_FACTS.filter((f) => agrees(f, named)))
        assert.equal(targetOf(SUBSCRIPTION_TRANSITIONS, from, event, facts), to, `${from} --${event}-->`);
    }
    const allowed = new Set(ALLOWED.map(([f, e]) => `${f}:${e}`));
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (allowed.has(`${from}:${event}`)) continue;
        for (const facts of ALL_FACTS)
          assert.equal(targetOf(SUBSCRIPTION_TRANSITIONS, from, event, facts), undefined, `${from} --${event}--> must be refused`);
      }
    }
  });

  it('reports a refused move and stays; says when an answer is awaited and when NOTIFYs are taken', () => {
    const refusals: Refusal[] = [];
    const m = subscriptionMachine((r) => refusals.push(r));
    assert.equal(m.move('accepted'), false);
    assert.deepEqual(refusals, [{ machine: 'SIP subscription', state: 'idle', event: 'accepted' }]);
    assert.equal(m.state, 'idle');
    assert.deepEqual(STATES.filter(awaitingAnswer), ['subscribing', 'refreshing']);
    assert.deepEqual(STATES.filter(holding), ['subscribing', 'active', 'refreshing', 'unsubscribing']);
    assert.deepEqual(SUBSCRIPTION_TRANSITIONS.stopped, {}, 'stopped is final');
  });
});
