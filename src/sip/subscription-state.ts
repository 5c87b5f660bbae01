/**
 * A subscription's state as its subscriber sees it (RFC 6665 4.1): a busy lamp field key watching a line's dialog
 * state (dialog-watch.ts). Made `idle`, started while the key and its line are configured and the line is
 * registered, and stopped for good (through `unsubscribing`, Expires: 0, when the notifier holds it).
 *
 *          start                  accepted (2xx)                 refreshDue
 *   idle ──────────> subscribing ─────────────────> active ──────────────────> refreshing
 *                     ^   │   ^                        ^    accepted (2xx)        │  │
 *                     │   │   │                        └──────────────────────────┘  │
 *                     │   │   └───── gone (481 to a refresh; terminated, to subscribe again at once) ──┤
 *               retry │   │ failed (4xx-6xx, no answer), challenge [not fresh],                        │
 *                     │   v terminated [not at once]                                                   │
 *                   waiting <──────────────────────────────────────────────────────────────────────────┘
 *
 *   subscribing, refreshing ── challenge [fresh] / intervalTooBrief / notified ──> the same state (SUBSCRIBE again
 *                              with credentials, or for the notifier's Min-Expires; a NOTIFY may come before the
 *                              2xx, RFC 6665 4.1.2.4)
 *   active ── notified ──> active;  active ── gone / terminated / failed ──> as from refreshing
 *   active, refreshing ── stop ──> unsubscribing ── unsubscribed (its answer, or none) ──> stopped
 *   idle, subscribing, waiting ── stop ──> stopped
 *
 * What the key shows follows the NOTIFYs while the subscription holds; `unknown` once it fails or ends.
 */
import { StateMachine } from './state-table.js';
import type { RefusalSink, Table } from './state-table.js';

export type SubscriptionState = 'idle' | 'subscribing' | 'active' | 'refreshing' | 'waiting' | 'unsubscribing' | 'stopped';

export type SubscriptionEvent =
  | 'start'
  | 'accepted'
  | 'challenge'
  | 'intervalTooBrief'
  | 'notified'
  | 'refreshDue'
  | 'failed'
  | 'gone'
  | 'terminated'
  | 'retry'
  | 'stop'
  | 'unsubscribed';

/** fresh: the challenge was not answered yet (or its nonce was stale); atOnce: the notifier asks to subscribe again now. */
export type SubscriptionGuard = 'fresh' | 'atOnce';

const ENDS = {
  failed: 'waiting',
  gone: 'subscribing',
  terminated: [{ if: 'atOnce', to: 'subscribing' }, { to: 'waiting' }],
  stop: 'unsubscribing',
} as const;

/** Allowed moves: state -> event -> next state (guards tried in order). Anything else is refused. */
export const SUBSCRIPTION_TRANSITIONS: Table<SubscriptionState, SubscriptionEvent, SubscriptionGuard> = {
  idle: { start: 'subscribing', stop: 'stopped' },
  subscribing: {
    accepted: 'active',
    challenge: [{ if: 'fresh', to: 'subscribing' }, { to: 'waiting' }],
    intervalTooBrief: 'subscribing',
    notified: 'subscribing',
    failed: 'waiting',
    terminated: [{ if: 'atOnce', to: 'subscribing' }, { to: 'waiting' }],
    stop: 'stopped',
  },
  active: { refreshDue: 'refreshing', notified: 'active', ...ENDS },
  refreshing: {
    accepted: 'active',
    challenge: [{ if: 'fresh', to: 'refreshing' }, { to: 'waiting' }],
    intervalTooBrief: 'refreshing',
    notified: 'refreshing',
    ...ENDS,
  },
  waiting: { retry: 'subscribing', stop: 'stopped' },
  unsubscribing: { unsubscribed: 'stopped', notified: 'unsubscribing', stop: 'unsubscribing' },
  stopped: {},
};

/** A SUBSCRIBE of ours (not an unsubscribe) is out and its answer is awaited. */
export const awaitingAnswer = (s: SubscriptionState): boolean => s === 'subscribing' || s === 'refreshing';

/** The notifier holds the subscription (NOTIFYs of it are taken). */
export const holding = (s: SubscriptionState): boolean =>
  s === 'subscribing' || s === 'active' || s === 'refreshing' || s === 'unsubscribing';

export type SubscriptionMachine = StateMachine<SubscriptionState, SubscriptionEvent, SubscriptionGuard>;

export const subscriptionMachine = (refused?: RefusalSink): SubscriptionMachine =>
  new StateMachine('SIP subscription', SUBSCRIPTION_TRANSITIONS, 'idle', refused);
