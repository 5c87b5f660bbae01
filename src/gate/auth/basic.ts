/** HTTP Basic authentication (RFC 7617) against the phone's admin account: user Polycom, case-sensitive. */
import { sameSecret } from '../../same-secret.js';

export const ADMIN_USER = 'Polycom';
export const BASIC_REALM = 'API Authentication';

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
  const userOk = sameSecret(user, ADMIN_USER);
  const passOk = sameSecret(pass, password);
  return userOk && passOk ? user : undefined;
}

export const basicChallenge = (): string => `Basic realm="${BASIC_REALM}"`;
