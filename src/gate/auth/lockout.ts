/**
 * The login lock of the phone's web server (UC Software 5.5.0 on, httpd.cfg.lockWebUI.*): after
 * `noOfInvalidAttempts` failed logins within `noOfInvalidAttemptsDuration` seconds, every login is refused for
 * `lockOutDuration` seconds, right credentials included. A failed login is a request whose credentials do not
 * verify; a request without credentials (the first leg of a Digest handshake) or with a stale nonce is not one.
 */
export interface LockoutRule {
  readonly enabled: boolean;
  readonly attempts: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export class Lockout {
  /** Times of recent failures, oldest first; never more than the rule's attempts. */
  private failures: number[] = [];
  private lockedUntil = 0;

  /** Milliseconds the lock still holds, 0 when logins are open. */
  remaining(now: number): number {
    return Math.max(0, this.lockedUntil - now);
  }

  /** Counts a failed login; true when it locks. */
  fail(now: number, rule: LockoutRule): boolean {
    if (!rule.enabled) return false;
    this.failures = this.failures.filter((t) => now - t < rule.windowMs);
    this.failures.push(now);
    if (this.failures.length > rule.attempts) this.failures.shift();
    if (this.failures.length >= rule.attempts) {
      this.lockedUntil = now + rule.lockMs;
      this.failures = [];
      return true;
    }
    return false;
  }

  /** A successful login clears the failures counted so far. */
  succeed(): void {
    if (this.failures.length > 0) this.failures = [];
  }
}
