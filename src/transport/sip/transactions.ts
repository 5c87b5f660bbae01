/**
 * Server transactions of requests that came over UDP: the answer each got, so that a retransmission is answered
 * again without running the command twice. Keyed by sender and Via branch (a hash lookup); entries live for
 * Timer J (64 x T1 = 32 s, RFC 3261 17.2.2) and are kept in arrival order, so expiry looks only at the oldest.
 * Streams need none (RFC 3261: Timer J is 0 over TCP and TLS).
 */
export const TIMER_J_MS = 32_000;

export class TransactionTable<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly at: number }>();

  constructor(
    private readonly ttlMs = TIMER_J_MS,
    private readonly max = 16_384,
  ) {}

  /** The value recorded for `key`, once expired entries are gone. */
  get(key: string, now: number): T | undefined {
    this.expire(now);
    return this.entries.get(key)?.value;
  }

  /** Whether `key` is recorded (its value may be undefined: an ACK gets no answer). Call after get(). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: T, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops entries past their lifetime: the oldest come first, so this stops at the first live one. */
  private expire(now: number): void {
    for (const [key, e] of this.entries) {
      if (now - e.at <= this.ttlMs) return;
      this.entries.delete(key);
    }
  }
}
