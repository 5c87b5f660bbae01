/**
 * Time as the phone sees it. The phone never calls Date.now() or setTimeout directly, so tests can advance a
 * ManualClock instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs fn after ms milliseconds of this clock's time. */
  schedule(ms: number, fn: () => void): TimerHandle;
  /**
   * The clock of timers that pace a peer on the wire (SIP retransmissions, transaction deadlines): real time when this
   * clock runs faster than real time (movable-clock.ts); absent, this clock itself.
   */
  readonly network?: Clock;
}

/** The clock for timers that pace a peer on the wire. */
export const networkClock = (c: Clock): Clock => c.network ?? c;

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to; due timers fire in order during advance(). */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** It runs only when advanced: no speed of its own. */
  readonly speed = 0;

  setSpeed(_speed: number): boolean {
    return false;
  }

  schedule(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
    };
  }

  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.current = due.at;
      due.fn();
    }
    this.timers = this.timers.filter((t) => t.live);
    this.current = until;
  }
}
