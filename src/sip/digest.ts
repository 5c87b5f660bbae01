/**
 * Answers to SIP digest challenges (RFC 3261 22, RFC 8760: MD5 and SHA-256). With qop=auth when the server offers
 * it, the RFC 2069 form without qop when it does not (as older registrars expect). The computation is the one the
 * SDK and the HTTP gate use (`@polysim/client/digest`); only the choice of challenge and the header are SIP's.
 */
import { randomBytes } from 'node:crypto';
import { digestAlgorithm, digestResponse, parseChallenges, quoted } from '@polysim/client/digest';
import type { Challenge } from '@polysim/client/digest';

const RANK: Readonly<Record<string, number>> = { 'SHA-256': 2, MD5: 1 };
const rank = (c: Challenge): number | undefined => RANK[(c.params['algorithm'] ?? 'MD5').toUpperCase()];

/** The strongest challenge among WWW-Authenticate or Proxy-Authenticate values that this phone can answer. */
export function pickChallenge(values: readonly string[]): Challenge | undefined {
  return parseChallenges(values)
    .filter((c) => c.scheme === 'Digest' && rank(c) !== undefined)
    .sort((a, b) => (rank(b) ?? 0) - (rank(a) ?? 0))[0];
}

export function authorization(challenge: Challenge, user: string, password: string, method: string, uri: string, nc = 1): string {
  const p = challenge.params;
  const alg = (p['algorithm'] ?? 'MD5').toUpperCase();
  const realm = p['realm'] ?? '';
  const nonce = p['nonce'] ?? '';
  const qops = (p['qop'] ?? '').split(',').map((s) => s.trim().toLowerCase());
  const base = { algorithm: digestAlgorithm(alg) ?? 'MD5', username: user, realm, password, method, uri, nonce } as const;
  let tail: string;
  let response: string;
  if (qops.includes('auth')) {
    const count = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    response = digestResponse({ ...base, qop: 'auth', nc: count, cnonce });
    tail = `, qop=auth, nc=${count}, cnonce=${quoted(cnonce)}`;
  } else {
    response = digestResponse(base);
    tail = '';
  }
  return (
    `Digest username=${quoted(user)}, realm=${quoted(realm)}, nonce=${quoted(nonce)}, uri=${quoted(uri)}, response=${quoted(response)}, ` +
    `algorithm=${alg}${tail}${p['opaque'] !== undefined ? `, opaque=${quoted(p['opaque'])}` : ''}`
  );
}
