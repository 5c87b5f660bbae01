/**
 * A fleet's clock that its user can move: it runs at `speed` times real time (1 by default, 0 stops it) and jumps
 * ahead by any amount at once. Every timer of every phone scheduled on it (provisioning polls, registration refresh,
 * session expiry, no-answer and dial-tone timeouts, scenarios) fires in order of its due time, whether time runs or
 * jumps; a timer fired by a jump sees the clock at its own due time, as a ManualClock's do.
 *
 * One real timer is armed at a time, for the earliest due timer (a binary heap holds the rest), so a fleet of ten
 * thousand phones costs one pending setTimeout. Timers that pace a peer on the wire (SIP retransmissions and
 * transaction deadlines) use `network`, which stays in real time: a real registrar answers in real milliseconds
 * whatever speed the phones run at.
 */
import type { Clock, TimerHandle } from './clock.js';
import { systemClock } from './clock.js';

/** Speeds a clock may run at: 0 (stopped) to this many times real time. */
export const MAX_SPEED = 100_000;
/** The furthest one jump may go: 31 days (each timer due on the way fires). */
export const MAX_ADVANCE_MS = 31 * 24 * 3600 * 1000;

export interface ClockReading {
  /** Milliseconds since the Unix epoch, on this clock. */
  readonly now: number;
  readonly speed: number;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  live: boolean;
}

/** A clock whose time its owner can steer: a MovableClock, or a ManualClock that only moves when advanced. */
export interface SteerableClock extends Clock {
  readonly speed: number;
  /** Runs at `speed` times real time from now on; false when this clock has no speed of its own. */
  setSpeed(speed: number): boolean;
  advance(ms: number): void;
}

export function isSteerable(c: Clock): c is SteerableClock {
  const s = c as Partial<SteerableClock>;
  return typeof s.advance === 'function' && typeof s.setSpeed === 'function';
}

export class MovableClock implements SteerableClock {
  /** Real time, for timers that pace the wire. */
  readonly network: Clock;
  private heap: Timer[] = [];
  private seq = 0;
  private dead = 0;
  /** This clock's time at the real instant `realBase`. */
  private base: number;
  private realBase: number;
  private currentSpeed: number;
  /** While a jump fires timers: the due time of the one running. */
  private pinned: number | undefined;
  private armed: TimerHandle | undefined;
  private armedFor = Infinity;

  constructor(
    private readonly real: Clock = systemClock,
    options: { readonly speed?: number; readonly start?: number } = {},
  ) {
    this.network = real;
    this.realBase = real.now();
    this.base = options.start ?? this.realBase;
    this.currentSpeed = checkSpeed(options.speed ?? 1);
  }

  now(): number {
    if (this.pinned !== undefined) return this.pinned;
    return this.base + Math.floor((this.real.now() - this.realBase) * this.currentSpeed);
  }

  get speed(): number {
    return this.currentSpeed;
  }

  reading(): ClockReading {
    return { now: this.now(), speed: this.currentSpeed };
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    const timer: Timer = { at: this.now() + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.push(timer);
    if (this.pinned === undefined) this.arm();
    return {
      cancel: () => {
        if (!timer.live) return;
        timer.live = false;
        this.dead++;
        // a heap mostly of cancelled timers is rebuilt (a call's timers are cancelled far more often than they fire)
        if (this.dead > 1024 && this.dead > this.heap.length / 2) this.compact();
      },
    };
  }

  setSpeed(speed: number): boolean {
    const s = checkSpeed(speed);
    this.rebase(this.now());
    this.currentSpeed = s;
    this.arm(true);
    return true;
  }

  /** Jumps `ms` ahead now, firing every timer due on the way in order of its due time. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_ADVANCE_MS) throw new RangeError(`advance: 0 to ${MAX_ADVANCE_MS} ms`);
    const until = this.now() + Math.floor(ms);
    this.fireUntil(until);
    this.rebase(until);
    this.arm(true);
  }

  /** Timers waiting (cancelled ones aside). */
  get pending(): number {
    return this.heap.length - this.dead;
  }

  private rebase(at: number): void {
    this.base = at;
    this.realBase = this.real.now();
  }

  private fireUntil(until: number): void {
    if (this.pinned !== undefined) return; // a timer's callback asked for a jump: the jump in progress goes on
    try {
      for (let t = this.peekLive(); t && t.at <= until; t = this.peekLive()) {
        this.pop();
        t.live = false;
        this.pinned = Math.max(t.at, this.pinned ?? t.at);
        runTimer(t.fn);
      }
    } finally {
      this.pinned = undefined;
    }
  }

  /** One real timer, for the earliest live timer (none while stopped); `again` after the time or speed changed. */
  private arm(again = false): void {
    const next = this.peekLive();
    const at = next?.at ?? Infinity;
    if (!again && this.armed && at === this.armedFor) return;
    this.armed?.cancel();
    this.armed = undefined;
    this.armedFor = Infinity;
    // stopped, a timer fires only once its time has come (scheduled with 0 ms, or reached by a jump)
    if (!next || (this.currentSpeed === 0 && at > this.now())) return;
    const wait = this.currentSpeed === 0 ? 0 : Math.max(0, Math.ceil((at - this.now()) / this.currentSpeed));
    this.armedFor = at;
    this.armed = this.real.schedule(wait, () => {
      this.armed = undefined;
      this.armedFor = Infinity;
      const now = this.now();
      for (let t = this.peekLive(); t && t.at <= now; t = this.peekLive()) {
        this.pop();
        t.live = false;
        runTimer(t.fn);
      }
      this.arm();
    });
  }

  private peekLive(): Timer | undefined {
    while (this.heap.length > 0 && !(this.heap[0] as Timer).live) {
      this.pop();
      this.dead--;
    }
    return this.heap[0];
  }

  private compact(): void {
    const live = this.heap.filter((t) => t.live);
    this.heap = [];
    this.dead = 0;
    for (const t of live) this.push(t);
  }

  // A binary min-heap by (at, seq): node's own timers are per-duration lists, which a jump cannot walk in order.
  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && before(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 0 || speed > MAX_SPEED) throw new RangeError(`speed: 0 to ${MAX_SPEED}`);
  return speed;
}

/** A timer's callback that throws is reported as an uncaught error would be, and the clock goes on. */
function runTimer(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
