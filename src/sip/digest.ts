/**
 * Answers to SIP digest challenges (RFC 3261 22, RFC 8760: MD5 and SHA-256). With qop=auth when the server offers
 * it, the RFC 2617 form without qop when it does not (as older registrars expect).
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseChallenges } from '@polysim/client';
import type { Challenge } from '@polysim/client';

const RANK: Readonly<Record<string, number>> = { 'SHA-256': 2, MD5: 1 };

/** The strongest challenge among WWW-Authenticate or Proxy-Authenticate values that this phone can answer. */
export function pickChallenge(values: readonly string[]): Challenge | undefined {
  return parseChallenges(values)
    .filter((c) => c.scheme === 'Digest' && RANK[(c.params['algorithm'] ?? 'MD5').toUpperCase()] !== undefined)
    .sort((a, b) => (RANK[(b.params['algorithm'] ?? 'MD5').toUpperCase()] ?? 0) - (RANK[(a.params['algorithm'] ?? 'MD5').toUpperCase()] ?? 0))[0];
}

export function authorization(challenge: Challenge, user: string, password: string, method: string, uri: string, nc = 1): string {
  const p = challenge.params;
  const alg = (p['algorithm'] ?? 'MD5').toUpperCase();
  const h = (s: string): string => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const realm = p['realm'] ?? '';
  const nonce = p['nonce'] ?? '';
  const ha1 = h(`${user}:${realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const qops = (p['qop'] ?? '').split(',').map((s) => s.trim().toLowerCase());
  let tail: string;
  let response: string;
  if (qops.includes('auth')) {
    const count = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    response = h(`${ha1}:${nonce}:${count}:${cnonce}:auth:${ha2}`);
    tail = `, qop=auth, nc=${count}, cnonce=${q(cnonce)}`;
  } else {
    response = h(`${ha1}:${nonce}:${ha2}`);
    tail = '';
  }
  return `Digest username=${q(user)}, realm=${q(realm)}, nonce=${q(nonce)}, uri=${q(uri)}, response=${q(response)}, ` +
    `algorithm=${alg}${tail}${p['opaque'] !== undefined ? `, opaque=${q(p['opaque'])}` : ''}`;
}
