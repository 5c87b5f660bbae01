/**
 * What happens on a phone that applications are told of (the telephony notification events of Poly's web
 * application interface): a call comes in or goes out, its state changes, the phone goes off or on hook, a line
 * registers or unregisters, the phone is locked or unlocked, a user logs in or out, the UI comes up. Derived here
 * from the phone's own state, the same calls, lines and locks the REST API shows, by comparing what the phone shows
 * after each change with what it showed before; documents and delivery are someone else's (webapps/, network/).
 */
import type { CallState } from './calls/call-state.js';
import type { Call, Direction } from './calls/call.js';
import type { Party } from './calls/signal.js';

/** A call as it stood when an event was raised (the call object moves on before the event is delivered). */
export interface CallSnapshot {
  readonly handle: string;
  readonly line: number;
  /** The call's appearance on its line, 1-based (UIAppearanceIndex). */
  readonly appearance: number;
  readonly state: CallState;
  readonly direction: Direction;
  readonly remote: Party;
  /** Whether the far end holds the call. */
  readonly remoteHeld: boolean;
  /** The call in focus (the phone's active call: its appearance shows an asterisk). */
  readonly active: boolean;
  readonly inConference: boolean;
  readonly ringing: boolean;
  readonly durationSeconds: number;
  readonly connectedAt: number | undefined;
}

export type TelephonyEvent =
  | { readonly kind: 'incoming'; readonly call: CallSnapshot }
  | { readonly kind: 'outgoing'; readonly call: CallSnapshot }
  | { readonly kind: 'callState'; readonly call: CallSnapshot; readonly calls: readonly CallSnapshot[] }
  | { readonly kind: 'offHook' }
  | { readonly kind: 'onHook' }
  | { readonly kind: 'lineRegistration'; readonly line: number }
  | { readonly kind: 'lineUnregistration'; readonly line: number }
  | { readonly kind: 'phoneLock' }
  | { readonly kind: 'phoneUnlock' }
  | { readonly kind: 'userLogin'; readonly user: string }
  | { readonly kind: 'userLogout'; readonly user: string }
  | { readonly kind: 'uiInitialization' };

export type TelephonyKind = TelephonyEvent['kind'];

/** What the watcher reads of a phone. */
export interface TelephonySource {
  readonly calls: { all(): readonly Call[]; active(): Call | undefined };
  now(): number;
  registered(): ReadonlyMap<number, boolean>;
}

export function snapshotOf(call: Call, appearance: number, now: number, active: boolean): CallSnapshot {
  return {
    active,
    inConference: call.conference !== undefined,
    ringing: call.ringing,
    handle: call.handle,
    line: call.line,
    appearance,
    state: call.state,
    direction: call.direction,
    remote: call.remote,
    remoteHeld: call.remoteHeld,
    durationSeconds: call.durationSeconds(now),
    connectedAt: call.connectedAt,
  };
}

/** Every live call's snapshot, with its appearance index on its line (order of appearance). */
export function snapshotsOf(calls: { all(): readonly Call[]; active(): Call | undefined }, now: number): CallSnapshot[] {
  const perLine = new Map<number, number>();
  const active = calls.active();
  return calls.all().map((c) => {
    const n = (perLine.get(c.line) ?? 0) + 1;
    perLine.set(c.line, n);
    return snapshotOf(c, n, now, c === active);
  });
}

/**
 * Compares what the phone shows with what it showed at the last look, and says what happened in between, in the
 * order a phone raises them: off hook before the outgoing call, the call's new state, the line's registration.
 * Bounded by the phone: it keeps one entry per live call and per line.
 */
export class TelephonyWatcher {
  private calls = new Map<string, CallSnapshot>();
  private offHook = false;
  private lines = new Map<number, boolean>();

  constructor(private readonly source: TelephonySource) {}

  /**
   * The phone shuts down gracefully (a restart or reboot): its registered lines unregister ("the event only occurs
   * if the phone is gracefully shutdown or restarted"), and what was seen is forgotten.
   */
  goingDown(): TelephonyEvent[] {
    const events: TelephonyEvent[] = [];
    for (const [line, registered] of this.lines) if (registered) events.push({ kind: 'lineUnregistration', line });
    this.reset();
    return events;
  }

  /** Forgets what was seen (a reboot): the next look starts from an idle phone with nothing registered. */
  reset(): void {
    this.calls.clear();
    this.offHook = false;
    this.lines = new Map();
  }

  /** Calls changed: the events of the difference. */
  callsChanged(): TelephonyEvent[] {
    const events: TelephonyEvent[] = [];
    const now = this.source.now();
    const current = snapshotsOf(this.source.calls, now);
    // Off hook while any call is past alerting (dial tone, dialling, talking, holding): the handset, the speaker or
    // the headset is in use. A phone only ringing is still on hook.
    const offHook = current.some((c) => c.state !== 'Offering');
    if (offHook && !this.offHook) events.push({ kind: 'offHook' });
    const seen = new Set<string>();
    for (const call of current) {
      seen.add(call.handle);
      const before = this.calls.get(call.handle);
      if (!before) {
        if (call.direction === 'Incoming') events.push({ kind: 'incoming', call });
        else if (call.state !== 'Dialtone') events.push({ kind: 'outgoing', call });
      } else if (before.direction === 'Outgoing' && before.state === 'Dialtone' && call.state !== 'Dialtone') {
        // Dialled from the dial tone: the call now goes out.
        events.push({ kind: 'outgoing', call });
      }
      if (!before || before.state !== call.state || before.remoteHeld !== call.remoteHeld || before.inConference !== call.inConference) {
        events.push({ kind: 'callState', call, calls: current.filter((c) => c.line === call.line) });
      }
    }
    for (const [handle, before] of this.calls) {
      if (seen.has(handle)) continue;
      const durationSeconds = before.connectedAt === undefined ? 0 : Math.floor((now - before.connectedAt) / 1000);
      const ended: CallSnapshot = { ...before, state: 'Disconnected', durationSeconds, active: false, ringing: false };
      events.push({ kind: 'callState', call: ended, calls: [...current.filter((c) => c.line === before.line), ended] });
    }
    if (!offHook && this.offHook) events.push({ kind: 'onHook' });
    this.offHook = offHook;
    this.calls = new Map(current.map((c) => [c.handle, c]));
    return events;
  }

  /** Registrations changed: a registration or unregistration event per line that moved. */
  registrationsChanged(): TelephonyEvent[] {
    const events: TelephonyEvent[] = [];
    const now = this.source.registered();
    for (const [line, registered] of now) {
      const before = this.lines.get(line) ?? false;
      if (registered && !before) events.push({ kind: 'lineRegistration', line });
      if (!registered && before) events.push({ kind: 'lineUnregistration', line });
    }
    for (const [line, before] of this.lines) if (before && !now.has(line)) events.push({ kind: 'lineUnregistration', line });
    this.lines = new Map(now);
    return events;
  }
}
