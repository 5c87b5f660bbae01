/**
 * Redaction of credentials in what polysim shows of a request or an answer: the event stream's request details, the
 * journal's URLs, the control API's answers that echo configuration. One module, so that every place masks alike:
 * - JSON: every value under a secret-looking key (password, LockCode, token, ...), however deep, also inside arrays
 *   and objects under that key;
 * - headers: an Authorization's scheme stays and the rest is masked (any whitespace after the scheme; a value with
 *   no scheme is masked whole), cookie values are masked, a header whose name looks secret is masked;
 * - URLs: the values of query parameters whose name looks secret.
 */
import { MASK } from '../api/config.js';

/** Names whose values are secrets: passwords, PINs, lock codes, tokens, keys of credentials. */
const SECRET_NAME = /pass(word|wd|code|phrase)?|secret|pin|token|credential|lock[-_]?code|api[-_]?key|private[-_]?key|session/i;
/** Header names that carry credentials whatever they are called. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** An auth scheme (RFC 9110 token) followed by whitespace and a credential. */
const SCHEME = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s+\S/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A configuration parameter's value as answers show it: masked (unless empty) when the catalogue marks it secret
 * or its name looks secret. */
export function redactParam(name: string, value: string, secret = false): string {
  return (secret || isSecretName(name)) && value !== '' ? MASK : value;
}

/** Every primitive of `value` replaced by the mask (null and booleans stay: they tell nothing). */
function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? MASK : value;
}

/** A copy of a JSON value with every value under a secret-looking key masked (an empty string stays empty). */
export function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) && v !== '' ? maskAll(v) : redactValue(v);
  return out;
}

/** JSON text of a value, redacted. */
export function redactedJson(value: unknown): string {
  return JSON.stringify(redactValue(value)) ?? '';
}

/** An Authorization (or Proxy-Authorization) value: its scheme and the mask, or the mask alone. */
export function redactAuthorization(value: string): string {
  const m = SCHEME.exec(value);
  return m ? `${m[1] as string} ${MASK}` : value === '' ? '' : MASK;
}

/** A Cookie or Set-Cookie value with every value masked (names and attributes stay). */
function redactCookie(value: string): string {
  return value.replace(/=([^;,]*)/g, `=${MASK}`);
}

/** One header's value as shown: credentials masked, the rest cut to `max` characters. */
export function redactHeader(name: string, value: string, max = 512): string {
  const n = name.toLowerCase();
  if (n === 'authorization' || n === 'proxy-authorization') return redactAuthorization(value);
  if (CREDENTIAL_HEADERS.has(n)) return redactCookie(value);
  if (isSecretName(n)) return value === '' ? '' : MASK;
  return value.length > max ? value.slice(0, max) : value;
}

/** Headers as sent, with credentials masked (repeated headers joined with ", "). */
export function redactHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  max = 512,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = redactHeader(k, typeof v === 'string' ? v : v.join(', '), max);
  }
  return out;
}

/** A request target (path and query, or a whole URL) with the values of secret-named query parameters masked. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  // A request target has no fragment: a '#' is part of the query here (so a secret holding one stays masked whole).
  const masked = url
    .slice(q + 1)
    .split(/([&;])/)
    .map((part) => {
      if (part === '&' || part === ';') return part;
      const eq = part.indexOf('=');
      const rawName = eq < 0 ? part : part.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judged as written
      }
      return eq >= 0 && isSecretName(name) && eq < part.length - 1 ? `${rawName}=${MASK}` : part;
    })
    .join('');
  return `${url.slice(0, q + 1)}${masked}`;
}
