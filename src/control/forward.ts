/**
 * The control port forwards `/phones/{i}/api/...` to phone i unchanged (method, path, query, headers, body), so that
 * a browser page (the API explorer's "Try it out") can reach every phone of the fleet from one origin. A request
 * that brings no credentials is signed with the phone's admin credentials, as the phone asks: Digest (SHA-256 or
 * MD5, answering its challenge) or Basic. The phone's answer comes back unchanged but for hop-by-hop headers.
 * Bounded: a body of at most MAX_BODY bytes (the phone itself refuses more than 20 KB), a deadline per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { boundedRequest } from '../network/http-transfers.js';
import { basicHeader, bestChallenge, DigestSigner, parseChallenges } from '@polysim/client';
import type { RunningPhone } from '../runtime/phone-host.js';
import { ADMIN_USER } from '../gate/auth/basic.js';
import { cookieValue } from './login.js';

export const MAX_BODY = 1024 * 1024;
const DEADLINE_MS = 30_000;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'te',
  'trailer',
]);

export interface Forwarded {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** End-to-end headers; repeated ones (several WWW-Authenticate challenges) stay separate. */
function pass(headers: IncomingHttpHeaders | NodeJS.Dict<string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = Array.isArray(v) && v.length === 1 ? (v[0] as string) : v;
  }
  return out;
}

async function send(target: URL, method: string, headers: Record<string, string | string[]>, body: Buffer | undefined): Promise<Forwarded> {
  const withBody = body && body.length > 0 ? body : undefined;
  const answer = await boundedRequest(
    target,
    method,
    { ...headers, ...(withBody ? { 'content-length': String(withBody.length) } : {}) },
    withBody,
    DEADLINE_MS,
    { maxBytes: MAX_BODY },
  );
  return { status: answer.status || 502, headers: pass(answer.headers), body: answer.body };
}

/** How the forwarder last signed for a phone: reused so that only its first request meets a 401. */
const signers = new WeakMap<RunningPhone, (method: string, uri: string) => string>();

/** The cookie a phone's own session (POST /api/v1/session) sets. */
const PHONE_SESSION_COOKIE = 'session';

/**
 * Forwards a request for `/api/...` (with its query) to the phone; signs it when it brings no credentials of its own
 * (an Authorization or the phone's session cookie: a browser's other cookies for this host are not credentials).
 * The caller has taken the control API's own credentials out of `headers`.
 */
export async function forward(
  phone: RunningPhone,
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  body: Buffer | undefined,
): Promise<Forwarded> {
  const target = new URL(pathAndQuery, phone.httpUrl);
  const out = pass(headers);
  const uri = target.pathname + target.search;
  if (headers.authorization !== undefined || cookieValue(headers.cookie, PHONE_SESSION_COOKIE) !== undefined)
    return send(target, method, out, body);
  const known = signers.get(phone);
  const first = await send(target, method, known ? { ...out, authorization: known(method, uri) } : out, body);
  if (first.status !== 401) return first;
  // First contact, a changed password or a stale nonce: answer the phone's challenge afresh.
  const challenges = first.headers['www-authenticate'];
  const best = bestChallenge(parseChallenges(Array.isArray(challenges) ? challenges : challenges ? [challenges] : []));
  if (!best) return first;
  const password = phone.adminPassword();
  const signer =
    best.scheme === 'Digest'
      ? (
          (d: DigestSigner) => (m: string, u: string) =>
            d.sign(m, u)
        )(new DigestSigner(best, ADMIN_USER, password))
      : () => basicHeader(ADMIN_USER, password);
  signers.set(phone, signer);
  return send(target, method, { ...out, authorization: signer(method, uri) }, body);
}
