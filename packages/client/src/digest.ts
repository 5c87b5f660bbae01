/**
 * Digest authentication (RFC 7616 for HTTP, RFC 3261 and RFC 8760 for SIP), the one implementation: the response
 * computation, used by this client to sign, by polysim's HTTP gate to check credentials and by its SIP user agent
 * to answer registrars (`@polysim/client/digest`); reading challenges; and the client's signer (Digest SHA-256,
 * then MD5, then Basic; qop=auth, a nonce count that grows with every request).
 *
 * It lives here, in the package without dependencies, because the server already depends on this package and the
 * package can depend on nothing: the server imports it; nothing is copied.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The algorithms of RFC 7616 this computes (SHA-512-256 is left out: no Poly phone offers it). */
export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess';

/** The algorithm a challenge or credentials name (MD5 when they name none), or undefined for one not computed here. */
export function digestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  const n = (name ?? 'MD5').toUpperCase();
  return n === 'MD5'
    ? 'MD5'
    : n === 'SHA-256'
      ? 'SHA-256'
      : n === 'MD5-SESS'
        ? 'MD5-sess'
        : n === 'SHA-256-SESS'
          ? 'SHA-256-sess'
          : undefined;
}

/** H(data): the algorithm's hash of the UTF-8 bytes, in lower-case hex. */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(data, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** `auth` with its nonce count (8 hex digits) and cnonce; absent for the RFC 2069 form older registrars expect. */
  readonly qop?: string;
  readonly nc?: string;
  /** The client's nonce: with qop, and in HA1 for the -sess algorithms. */
  readonly cnonce?: string;
}

/**
 * The `response` of RFC 7616 section 3.4.1:
 *   HA1 = H(username:realm:password), for -sess H(H(username:realm:password):nonce:cnonce)
 *   HA2 = H(method:uri)
 *   response = H(HA1:nonce:nc:cnonce:qop:HA2), without qop H(HA1:nonce:HA2)
 */
export function digestResponse(i: DigestInput): string {
  const a = i.algorithm;
  const secret = digestHash(a, `${i.username}:${i.realm}:${i.password}`);
  const ha1 = a.endsWith('-sess') ? digestHash(a, `${secret}:${i.nonce}:${i.cnonce ?? ''}`) : secret;
  const ha2 = digestHash(a, `${i.method}:${i.uri}`);
  return i.qop
    ? digestHash(a, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`)
    : digestHash(a, `${ha1}:${i.nonce}:${ha2}`);
}

/** A quoted-string of an auth header (RFC 7230 3.2.6): quotes and backslashes escaped. */
export const quoted = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;

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

  constructor(
    private readonly challenge: Challenge,
    private readonly user: string,
    private readonly password: string,
  ) {}

  get algorithm(): string {
    return (this.challenge.params['algorithm'] ?? 'MD5').toUpperCase();
  }

  sign(method: string, uri: string): string {
    const p = this.challenge.params;
    const alg = this.algorithm;
    const nc = (++this.nc).toString(16).padStart(8, '0');
    const cnonce = randomBytes(12).toString('hex');
    const realm = p['realm'] ?? '';
    const response = digestResponse({
      algorithm: digestAlgorithm(alg) ?? 'MD5',
      username: this.user,
      realm,
      password: this.password,
      method,
      uri,
      nonce: p['nonce'] ?? '',
      qop: 'auth',
      nc,
      cnonce,
    });
    return (
      `Digest username=${quoted(this.user)}, realm=${quoted(realm)}, nonce=${quoted(p['nonce'] ?? '')}, uri=${quoted(uri)}, ` +
      `algorithm=${alg}, qop=auth, nc=${nc}, cnonce=${quoted(cnonce)}, response=${quoted(response)}` +
      (p['opaque'] !== undefined ? `, opaque=${quoted(p['opaque'])}` : '')
    );
  }
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
