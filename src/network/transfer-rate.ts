/**
 * A cap on the file transfers of a whole fleet, shared by its phones: at most `perSecond` transfers start in any
 * second (a token bucket holding one second's worth, at least one transfer), the others wait their turn in order. Pointed at a production
 * provisioning server, a fleet then asks it no faster than the user allows, whatever its size or clock speed.
 * Real time, not the fleet clock: the server's load is in real time. Hand-written: the well-kept limiters on npm
 * (p-limit, bottleneck) bound concurrency or bring a scheduler of their own; this is a dozen lines with no timers
 * left behind.
 */
export class TransferRate {
  private tokens: number;
  private readonly capacity: number;
  private last: number;
  private readonly waiting: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly later: (ms: number, run: () => void) => ReturnType<typeof setTimeout> = (ms, run) => setTimeout(run, ms),
  ) {
    if (!(perSecond > 0)) throw new RangeError('a transfer rate is more than 0 a second');
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.last = now();
  }

  /** How many transfers wait for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when this transfer may start. */
  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  private drain(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    while (this.waiting.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      (this.waiting.shift() as () => void)();
    }
    if (this.waiting.length > 0 && this.timer === undefined) {
      const ms = Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
      this.timer = this.later(Math.max(1, ms), () => {
        this.timer = undefined;
        this.drain();
      });
      this.timer.unref?.();
    }
  }
}
