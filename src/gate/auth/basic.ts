/** HTTP Basic authentication (RFC 7617) against the phone's admin account: user Polycom, case-sensitive. */
import { createHash, timingSafeEqual } from 'node:crypto';

export const ADMIN_USER = 'Polycom';
export const BASIC_REALM = 'API Authentication';

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The user of a valid `Authorization: Basic` header for this password, or undefined. */
export function checkBasic(header: string, password: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const pass = decoded.slice(colon + 1);
  // Evaluate both comparisons so timing does not reveal which part was wrong.
  const userOk = safeEqual(user, ADMIN_USER);
  const passOk = safeEqual(pass, password);
  return userOk && passOk ? user : undefined;
}

export const basicChallenge = (): string => `Basic realm="${BASIC_REALM}"`;
