/**
 * HTTP Digest authentication per RFC 7616 (qop=auth; MD5 and SHA-256), server side.
 *
 * Hand-written because no well-kept npm library verifies SHA-256 Digest on the server (the common ones are
 * MD5-only). Kept small: parsing the Authorization header, and stateless nonces that expire (answered with
 * stale=true), with a nonce count that must grow (replays are refused). The response is computed by the one Digest
 * implementation, the SDK's (`@polysim/client/digest`), which the phone's SIP user agent answers registrars with too.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from '../../same-secret.js';

/** The algorithms the phone offers (RFC 7616 computes them in `@polysim/client/digest`, shared with SIP and the SDK). */
export type DigestAlgorithm = 'MD5' | 'SHA-256';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/**
 * The parameters of a `Digest` credentials header: name=value pairs separated by commas, values bare or quoted
 * (with backslash escapes). Undefined when the header is not Digest or is malformed.
 */
export function parseDigest(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+/i.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const s = header.slice(m[0].length);
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === ',' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9*-]+$/.test(name)) return undefined;
    i = eq + 1;
    while (s[i] === ' ') i++;
    let value = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        const ch = s[i] as string;
        if (ch === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
    } else {
      const end = s.indexOf(',', i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    out[name] = value;
  }
  return out;
}

export function challenge(algorithm: DigestAlgorithm, realm: string, nonce: string, opaque: string, stale: boolean): string {
  return (
    `Digest realm="${realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${opaque}"` + (stale ? ', stale=true' : '')
  );
}

/** Two hex strings (Digest responses, user hashes) equal whatever their case, compared in constant time. */
export function safeHexEqual(a: string, b: string): boolean {
  return sameSecret(a.toLowerCase(), b.toLowerCase());
}

export type NonceState = 'fresh' | 'stale' | 'replayed';

/**
 * Nonces that need no table to be issued: each carries its issue time and an HMAC of it under a per-boot secret, so
 * a flood of unauthenticated requests stores nothing. The nonce counts of nonces that authenticated are tracked
 * (at most `maxTracked`, the oldest dropped first); a nonce issued no later than one dropped is stale from then on,
 * so a dropped nonce cannot be replayed.
 */
export class NonceBook {
  private readonly used = new Map<string, { issuedAt: number; nc: number }>();
  /** Nonces issued at or before this time and not tracked are stale. */
  private floor = -Infinity;

  constructor(
    private readonly now: () => number,
    readonly lifetimeMs: number,
    private readonly maxTracked = 1024,
    /** Drawn on the first nonce issued or checked: most phones of a fleet never see a Digest login. */
    private secret?: Buffer,
  ) {}

  private mac(time: string): string {
    this.secret ??= randomBytes(32);
    return createHmac('sha256', this.secret).update(time).digest('base64url').slice(0, 22);
  }

  issue(): string {
    const time = this.now().toString(36);
    return `${time}.${randomBytes(6).toString('base64url')}.${this.mac(time)}`;
  }

  /** When a nonce of ours was issued, or undefined for anything we did not issue. */
  private issuedAt(nonce: string): number | undefined {
    const parts = nonce.split('.');
    if (parts.length !== 3 || !/^[0-9a-z]{1,12}$/.test(parts[0] as string)) return undefined;
    if (!sameSecret(parts[2] as string, this.mac(parts[0] as string))) return undefined;
    return parseInt(parts[0] as string, 36);
  }

  /** Checks, and on success records, a use of `nonce` with count `ncHex`. Nonces we did not issue are stale. */
  use(nonce: string, ncHex: string): NonceState {
    const issuedAt = this.issuedAt(nonce);
    if (issuedAt === undefined || this.now() - issuedAt > this.lifetimeMs) {
      this.used.delete(nonce);
      return 'stale';
    }
    const nc = /^[0-9a-fA-F]{8}$/.test(ncHex) ? parseInt(ncHex, 16) : NaN;
    const entry = this.used.get(nonce);
    if (entry) {
      if (!(nc > entry.nc)) return 'replayed';
      entry.nc = nc;
      return 'fresh';
    }
    if (issuedAt <= this.floor) return 'stale';
    if (!(nc > 0)) return 'replayed';
    if (this.used.size >= this.maxTracked) {
      const [oldest, e] = this.used.entries().next().value as [string, { issuedAt: number }];
      this.used.delete(oldest);
      this.floor = Math.max(this.floor, e.issuedAt);
    }
    this.used.set(nonce, { issuedAt, nc });
    return 'fresh';
  }

  /** How many nonces are tracked (only those that authenticated). */
  get tracked(): number {
    return this.used.size;
  }
}
