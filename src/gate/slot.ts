/**
 * One request at a time: a phone processes a single REST request; another arriving meanwhile is refused
 * (HTTP 403 on real phones) or, when the phone is set to queue, waits its turn.
 */
export type SlotMode = 'reject' | 'queue';

export class RequestSlot {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(public mode: SlotMode = 'reject') {}

  get inUse(): boolean {
    return this.busy;
  }

  /** Takes the slot: true at once, false when busy in reject mode, or a promise that resolves when it is ours. */
  acquire(): true | false | Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return true;
    }
    if (this.mode === 'reject') return false;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  /** Drops queued requests' claims (the phone went away); they are released with the slot free. */
  reset(): void {
    this.busy = false;
    for (const w of this.waiting.splice(0)) w();
  }
}
