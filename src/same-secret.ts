/**
 * Whether two secrets are equal, compared in constant time: both are hashed first, so neither where they differ nor
 * their lengths show in the time taken. The one such comparison of the server (passwords and user names of Basic
 * and Digest, Digest responses, nonce MACs, the control API's token, cookie and login codes).
 */
import { hash, timingSafeEqual } from 'node:crypto';

// One-shot hash(): a Hash object per side (createHash, update, digest) costs twice the time, and a phone's first
// login compares four secrets.
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
