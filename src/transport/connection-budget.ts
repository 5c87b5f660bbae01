/**
 * Bounds on inbound connections so that no client can exhaust the process's file descriptors, and no phone can take
 * the whole process's share: each phone's listeners hold a few connections (connection-guard.ts), and every phone
 * of the process together `phoneConnections`. A connection over either bound is closed at once.
 */
export interface StreamLimits {
  /** Connections one phone's SIP listeners (TCP and TLS together) keep open at once, counted before the TLS handshake. */
  readonly perPhone: number;
  /** A SIP-TLS connection whose handshake is not done within this is closed. */
  readonly handshakeMs: number;
  /** A connection with nothing sent or received for this long is closed. */
  readonly idleMs: number;
  /** A message begun but not finished within this long closes its connection (slow senders). */
  readonly messageMs: number;
  /** Bytes of an unfinished message one connection may hold. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  perPhone: 32,
  handshakeMs: 10_000,
  idleMs: 120_000,
  messageMs: 10_000,
  maxMessageBytes: 64 * 1024,
};

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

/**
 * The process's budget of inbound connections to phones (HTTP, HTTPS, SIP over TCP and TLS), shared by every phone
 * of a fleet. (The control API has its own cap: a flood of the phones' ports does not lock the operator out.)
 */
export const phoneConnections = new ConnectionBudget(4096);
