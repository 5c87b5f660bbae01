/**
 * A line registration's state (RFC 3261 10.2). A registration is made `idle`, goes round while the line is
 * configured, and is stopped back to `idle` (through `unregistering` when it was registered and Expires: 0 goes).
 * Nothing is terminal: a stopped registration may start again.
 *
 *          start                 registered (2xx)               refreshDue
 *   idle ──────────> registering ──────────────────> registered ──────────────> refreshing
 *                     ^  │    ^                          ^     registered (2xx)     │
 *                     │  │    │                          └──────────────────────────┤
 *                     │  │    └───────── unavailable [nextServer] (fail over) ──────┤
 *               retry │  │ rejected (4xx), unavailable [no next server],            │
 *                     │  v challenge [not fresh] (wrong credentials)                │
 *                   backingOff <────────────────────────────────────────────────────┘
 *
 *   registering, refreshing ── challenge [fresh] / intervalTooBrief ──> the same state (the REGISTER goes again)
 *   registered, refreshing ── stop [unregister] ──> unregistering ── unregistered (its answer, or none) ──> idle
 *   every state ── stop ──> idle (unless the line above);  unregistering ── start ──> registering
 *
 * What the line table shows (RegistrationStatus): idle and unregistering are "unregistered", registering is
 * "registering", registered and refreshing are "registered" (the binding holds while it is refreshed), backingOff
 * is "failed" with its reason. Facts beside the state: the server tried (failover position), the failures so far
 * (the back-off doubles), the last challenge (answered again on refreshes), the registrar's Min-Expires.
 */
import { StateMachine } from './state-table.js';
import type { RefusalSink, Table } from './state-table.js';

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'refreshing' | 'backingOff' | 'unregistering';

export type RegistrationEvent =
  'start' | 'registered' | 'challenge' | 'intervalTooBrief' | 'rejected' | 'unavailable' | 'refreshDue' | 'retry' | 'stop' | 'unregistered';

/**
 * fresh: the challenge was not answered yet (or says the nonce was stale); nextServer: another of the line's servers
 * is left to try; unregister: stop was asked to send Expires: 0.
 */
export type RegistrationGuard = 'fresh' | 'nextServer' | 'unregister';

/** What the line table shows. */
export type RegistrationStatus = 'registering' | 'registered' | 'failed' | 'unregistered';

const TRYING = (self: RegistrationState) =>
  ({
    registered: 'registered',
    challenge: [{ if: 'fresh', to: self }, { to: 'backingOff' }],
    intervalTooBrief: self,
    rejected: 'backingOff',
    unavailable: [{ if: 'nextServer', to: 'registering' }, { to: 'backingOff' }],
  }) as const;

const STOP_BOUND = [{ if: 'unregister', to: 'unregistering' }, { to: 'idle' }] as const;

/** Allowed moves: state -> event -> next state (guards tried in order). Anything else is refused. */
export const REGISTRATION_TRANSITIONS: Table<RegistrationState, RegistrationEvent, RegistrationGuard> = {
  idle: { start: 'registering', stop: 'idle' },
  registering: { ...TRYING('registering'), stop: 'idle' },
  registered: { refreshDue: 'refreshing', stop: STOP_BOUND },
  refreshing: { ...TRYING('refreshing'), stop: STOP_BOUND },
  backingOff: { retry: 'registering', stop: 'idle' },
  unregistering: { unregistered: 'idle', start: 'registering', stop: 'idle' },
};

const STATUS: Readonly<Record<RegistrationState, RegistrationStatus>> = {
  idle: 'unregistered',
  registering: 'registering',
  registered: 'registered',
  refreshing: 'registered',
  backingOff: 'failed',
  unregistering: 'unregistered',
};

export const statusOf = (s: RegistrationState): RegistrationStatus => STATUS[s];

/** A REGISTER of ours is out and its answer is awaited. */
export const awaitingAnswer = (s: RegistrationState): boolean => s === 'registering' || s === 'refreshing';

export type RegistrationMachine = StateMachine<RegistrationState, RegistrationEvent, RegistrationGuard>;

export const registrationMachine = (refused?: RefusalSink): RegistrationMachine =>
  new StateMachine('SIP registration', REGISTRATION_TRANSITIONS, 'idle', refused);
