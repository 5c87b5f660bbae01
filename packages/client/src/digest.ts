/**
 * Client side of HTTP authentication: reading a phone's challenges, choosing the best (Digest SHA-256, then MD5,
 * then Basic), and signing each request (RFC 7616, qop=auth, a nonce count that grows with every request).
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  readonly scheme: 'Digest' | 'Basic';
  readonly params: Readonly<Record<string, string>>;
}

/** The challenges of WWW-Authenticate headers (one per header, as phones send them). */
export function parseChallenges(headers: readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const header of headers) {
    const m = /^\s*(Digest|Basic)\b\s*(.*)$/i.exec(header);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/([A-Za-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) {
      params[(p[1] as string).toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    out.push({ scheme: /^digest$/i.test(m[1] as string) ? 'Digest' : 'Basic', params });
  }
  return out;
}

const RANK = (c: Challenge): number => {
  if (c.scheme === 'Basic') return 1;
  const alg = (c.params['algorithm'] ?? 'MD5').toUpperCase();
  return alg === 'SHA-256' ? 3 : alg === 'MD5' ? 2 : 0;
};

export function bestChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return [...challenges].filter((c) => RANK(c) > 0).sort((a, b) => RANK(b) - RANK(a))[0];
}

/** A Digest challenge being used: its nonce count grows with every signed request. */
export class DigestSigner {
  private nc = 0;

  constructor(private readonly challenge: Challenge, private readonly user: string, private readonly password: string) {}

  get algorithm(): string {
    return (this.challenge.params['algorithm'] ?? 'MD5').toUpperCase();
  }

  sign(method: string, uri: string): string {
    const p = this.challenge.params;
    const alg = this.algorithm;
    const h = (s: string): string => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
    const nc = (++this.nc).toString(16).padStart(8, '0');
    const cnonce = randomBytes(12).toString('hex');
    const realm = p['realm'] ?? '';
    const response = h(`${h(`${this.user}:${realm}:${this.password}`)}:${p['nonce']}:${nc}:${cnonce}:auth:${h(`${method}:${uri}`)}`);
    const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
    return `Digest username=${q(this.user)}, realm=${q(realm)}, nonce=${q(p['nonce'] ?? '')}, uri=${q(uri)}, ` +
      `algorithm=${alg}, qop=auth, nc=${nc}, cnonce=${q(cnonce)}, response=${q(response)}` +
      (p['opaque'] !== undefined ? `, opaque=${q(p['opaque'])}` : '');
  }
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
