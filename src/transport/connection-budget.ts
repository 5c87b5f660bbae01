/**
 * Bounds on stream connections (SIP over TCP and TLS) so that no client can exhaust the process's file
 * descriptors, and no phone can take the whole process's share: each phone may hold `perPhone` connections, and the
 * process `total`. A connection over either bound is closed at once.
 */
export interface StreamLimits {
  /** Connections one phone's listener keeps open at once. */
  readonly perPhone: number;
  /** A connection with nothing received for this long is closed. */
  readonly idleMs: number;
  /** A message begun but not finished within this long closes its connection (slow senders). */
  readonly messageMs: number;
  /** Bytes of an unfinished message one connection may hold. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perPhone: 32, idleMs: 120_000, messageMs: 10_000, maxMessageBytes: 64 * 1024 };

export class ConnectionBudget {
  private used = 0;

  constructor(readonly total: number) {}

  /** Takes one connection from the budget; false when it is spent. */
  take(): boolean {
    if (this.used >= this.total) return false;
    this.used++;
    return true;
  }

  give(): void {
    if (this.used > 0) this.used--;
  }

  get inUse(): number {
    return this.used;
  }
}

/** The process's budget for SIP stream connections, shared by every phone of a fleet. */
export const sipConnections = new ConnectionBudget(2048);
