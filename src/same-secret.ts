/**
 * Whether two secrets are equal, compared in constant time: both are hashed first, so neither where they differ nor
 * their lengths show in the time taken. The one such comparison of the server (passwords and user names of Basic
 * and Digest, Digest responses, nonce MACs, the control API's token, cookie and login codes).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}
