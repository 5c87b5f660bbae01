/**
 * HTTP authentication of the phone's file transfers (RFC 7617 Basic, RFC 7616 Digest), as a phone's provisioning
 * client does it: no credentials until the server asks (a 401 with WWW-Authenticate), then the strongest challenge
 * it can answer (Digest SHA-256, Digest MD5, then Basic), remembered for that server so that the next files go with
 * credentials at once (a Digest nonce is used again with a growing nonce count until the server refuses it).
 * The computation is the project's one (`@polysim/client/digest`); only the choice and the header are here: the
 * SDK's signer always sends qop=auth, which a server that offers no qop (RFC 2069) refuses.
 */
import { randomBytes } from 'node:crypto';
import { basicHeader, digestAlgorithm, digestResponse, parseChallenges, quoted } from '@polysim/client/digest';
import type { Challenge } from '@polysim/client/digest';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

const rank = (c: Challenge): number => {
  if (c.scheme === 'Basic') return 1;
  const alg = digestAlgorithm(c.params['algorithm']);
  return alg?.startsWith('SHA-256') ? 3 : alg ? 2 : 0;
};

/** The strongest challenge of WWW-Authenticate values that this client can answer. */
export function pickHttpChallenge(values: readonly string[]): Challenge | undefined {
  return parseChallenges(values)
    .filter((c) => rank(c) > 0)
    .sort((a, b) => rank(b) - rank(a))[0];
}

/** Signs requests for one server after its challenge: Basic, or Digest with a nonce count that grows. */
export class HttpSigner {
  private nc = 0;

  constructor(
    private readonly challenge: Challenge,
    private readonly credentials: Credentials,
  ) {}

  /** The Authorization header of a request (`uri`: its path and query, as sent on the request line). */
  authorization(method: string, uri: string): string {
    const { user, password } = this.credentials;
    if (this.challenge.scheme === 'Basic') return basicHeader(user, password);
    const p = this.challenge.params;
    const alg = (p['algorithm'] ?? 'MD5').toUpperCase();
    const realm = p['realm'] ?? '';
    const nonce = p['nonce'] ?? '';
    const qops = (p['qop'] ?? '').split(',').map((s) => s.trim().toLowerCase());
    const base = { algorithm: digestAlgorithm(alg) ?? 'MD5', username: user, realm, password, method, uri, nonce } as const;
    let tail = '';
    let response: string;
    const cnonce = randomBytes(12).toString('hex');
    if (qops.includes('auth')) {
      const nc = (++this.nc).toString(16).padStart(8, '0');
      response = digestResponse({ ...base, qop: 'auth', nc, cnonce });
      tail = `, qop=auth, nc=${nc}, cnonce=${quoted(cnonce)}`;
    } else {
      // RFC 2069: no qop, no nonce count; the -sess algorithms still need the client's nonce
      response = digestResponse({ ...base, cnonce });
      if (alg.endsWith('-SESS')) tail = `, cnonce=${quoted(cnonce)}`;
    }
    return (
      `Digest username=${quoted(user)}, realm=${quoted(realm)}, nonce=${quoted(nonce)}, uri=${quoted(uri)}, ` +
      `response=${quoted(response)}, algorithm=${alg}${tail}${p['opaque'] !== undefined ? `, opaque=${quoted(p['opaque'])}` : ''}`
    );
  }
}

/** The most servers whose challenge is remembered (the oldest is forgotten first). */
const MAX_REMEMBERED = 16;

/** The signers of the servers that asked for credentials, by origin. */
export class ChallengeMemory {
  private readonly signers = new Map<string, { signer: HttpSigner; user: string; password: string }>();

  /** The signer for `origin` made with these credentials, if the server asked for them before. */
  get(origin: string, credentials: Credentials): HttpSigner | undefined {
    const kept = this.signers.get(origin);
    return kept && kept.user === credentials.user && kept.password === credentials.password ? kept.signer : undefined;
  }

  /** A signer for the challenge `origin` gave (remembered), or undefined when none can be answered. */
  answer(origin: string, wwwAuthenticate: readonly string[], credentials: Credentials): HttpSigner | undefined {
    const challenge = pickHttpChallenge(wwwAuthenticate);
    this.signers.delete(origin);
    if (!challenge) return undefined;
    const signer = new HttpSigner(challenge, credentials);
    this.signers.set(origin, { signer, ...credentials });
    while (this.signers.size > MAX_REMEMBERED) this.signers.delete(this.signers.keys().next().value as string);
    return signer;
  }
}
