/**
 * HTTP Digest authentication per RFC 7616 (qop=auth; MD5 and SHA-256), server side.
 *
 * Hand-written because no well-kept npm library verifies SHA-256 Digest on the server (the common ones are
 * MD5-only). Kept small: parsing the Authorization header, computing the response, and stateless nonces that
 * expire (answered with stale=true), with a nonce count that must grow (replays are refused).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

const HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export function h(algorithm: DigestAlgorithm, data: string): string {
  return createHash(HASH[algorithm]).update(data, 'utf8').digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  readonly nc: string;
  readonly cnonce: string;
  readonly qop: string;
}

/** response = H(H(username:realm:password) : nonce : nc : cnonce : qop : H(method:uri)) */
export function digestResponse(i: DigestInput): string {
  const ha1 = h(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  const ha2 = h(i.algorithm, `${i.method}:${i.uri}`);
  return h(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
}

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
  return `Digest realm="${realm}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${opaque}"` +
    (stale ? ', stale=true' : '');
}

export function safeHexEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a.toLowerCase(), 'utf8');
  const bb = Buffer.from(b.toLowerCase(), 'utf8');
  if (ba.length !== bb.length) {
    timingSafeEqual(ba, ba);
    return false;
  }
  return timingSafeEqual(ba, bb);
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
    private readonly secret: Buffer = randomBytes(32),
  ) {}

  private mac(time: string): string {
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
    const expected = Buffer.from(this.mac(parts[0] as string));
    const got = Buffer.from(parts[2] as string);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
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
