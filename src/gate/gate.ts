/**
 * The gate between a transport and an operation, in the order a phone applies its rules:
 *   1. a model without the REST API, or apps.restapi.enabled=0: the web server answers 404;
 *   2. authentication by the methods this model, firmware and configuration enable (a session cookie, Digest
 *      SHA-256 or MD5, Basic): else 401 with a challenge per enabled method, SHA-256 first;
 *   3. the default admin password (456): Status 4010 for every request.
 * The single request slot (one request at a time) is taken by the transport after the gate passes.
 */
import { randomBytes } from 'node:crypto';
import type { Phone } from '../phone/phone.js';
import { Status } from '../phone/status.js';
import { ADMIN_USER, basicChallenge, checkBasic, safeEqual } from './auth/basic.js';
import { challenge, digestResponse, h, NonceBook, parseDigest, safeHexEqual } from './auth/digest.js';
import type { DigestAlgorithm } from './auth/digest.js';
import type { AuthInfo, GateRequest, GateVerdict } from './types.js';

export const DEFAULT_ADMIN_PASSWORD = '456';
export const DIGEST_REALM = 'API Authentication';
/** How long a Digest nonce stays valid on the phone's clock; older ones are answered with stale=true. */
export const NONCE_LIFETIME_MS = 300_000;

export function restApiOn(phone: Phone): boolean {
  return phone.profile.model.restApi && phone.config.bool('apps.restapi.enabled');
}

/** Basic is the only method before Digest exists; from then on it is switched by httpd.rest.auth.basic.enabled. */
export function basicEnabled(phone: Phone): boolean {
  return !phone.profile.digestAuth || phone.config.bool('httpd.rest.auth.basic.enabled');
}

/** The Digest algorithms this phone accepts now, SHA-256 first. */
export function digestAlgorithms(phone: Phone): DigestAlgorithm[] {
  if (!phone.profile.digestAuth) return [];
  const out: DigestAlgorithm[] = [];
  if (phone.config.bool('httpd.rest.auth.digest.sha256.enabled')) out.push('SHA-256');
  if (phone.config.bool('httpd.rest.auth.digest.md5.enabled')) out.push('MD5');
  return out;
}

interface AuthState {
  readonly nonces: NonceBook;
  readonly opaque: string;
  /** Basic headers already proven, bound to the password they were checked against. */
  readonly provenBasic: Map<string, string>;
}

/** Per-boot authentication state: a reboot forgets nonces. */
function authState(phone: Phone): AuthState {
  let s = phone.runtime.get('auth') as AuthState | undefined;
  if (!s) {
    s = { nonces: new NonceBook(() => phone.clock.now(), NONCE_LIFETIME_MS), opaque: randomBytes(16).toString('base64'), provenBasic: new Map() };
    phone.runtime.set('auth', s);
  }
  return s;
}

function header(req: GateRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sessionCookie(req: GateRequest): string | undefined {
  const cookie = header(req, 'cookie');
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'session') return part.slice(eq + 1).trim();
  }
  return undefined;
}

const PROVEN_MAX = 8;

/** Basic, remembering headers already proven so a client repeating its header is not hashed every time. */
function basicUser(state: AuthState, authorization: string, password: string): string | undefined {
  // Keyed by the whole header: a hash lookup, not a prefix comparison.
  if (state.provenBasic.get(authorization) === password) return ADMIN_USER;
  const user = checkBasic(authorization, password);
  if (user !== undefined) {
    if (state.provenBasic.size >= PROVEN_MAX) state.provenBasic.clear();
    state.provenBasic.set(authorization, password);
  }
  return user;
}

/** The request target a Digest `uri` must name: the path with its query, or an absolute URL of it. */
function uriMatches(uri: string, target: string): boolean {
  if (uri === target) return true;
  try {
    const u = new URL(uri);
    return `${u.pathname}${u.search}` === target;
  } catch {
    return false;
  }
}

type DigestResult = { ok: true; algorithm: DigestAlgorithm } | { ok: false; stale: boolean };

function checkDigest(phone: Phone, state: AuthState, req: GateRequest, authorization: string, password: string,
  enabled: readonly DigestAlgorithm[]): DigestResult {
  const p = parseDigest(authorization);
  const fail: DigestResult = { ok: false, stale: false };
  if (!p) return fail;
  const algorithm = enabled.find((a) => a.toLowerCase() === (p['algorithm'] ?? 'MD5').toLowerCase());
  const { username, realm, nonce, uri, response, cnonce, nc, qop } = p;
  if (!algorithm || !username || !nonce || !uri || !response || !cnonce || !nc || qop?.toLowerCase() !== 'auth') return fail;
  if (realm !== DIGEST_REALM || (p['opaque'] !== undefined && p['opaque'] !== state.opaque)) return fail;
  if (!uriMatches(uri, req.target)) return fail;
  const userOk = p['userhash'] === 'true'
    ? safeHexEqual(username, h(algorithm, `${ADMIN_USER}:${DIGEST_REALM}`))
    : safeEqual(username, ADMIN_USER);
  const expected = digestResponse({
    algorithm, username: p['userhash'] === 'true' ? ADMIN_USER : username, realm, password, method: req.method, uri,
    nonce, nc, cnonce, qop: 'auth',
  });
  if (!(safeHexEqual(response, expected) && userOk)) return fail;
  const use = state.nonces.use(nonce, nc);
  if (use === 'fresh') return { ok: true, algorithm };
  return { ok: false, stale: use === 'stale' };
}

export function checkGate(phone: Phone, req: GateRequest): GateVerdict {
  if (!restApiOn(phone)) return { kind: 'not-found' };
  const password = phone.config.value('device.auth.localAdminPassword');
  const state = authState(phone);
  let auth: AuthInfo | undefined;
  let stale = false;

  const cookie = phone.profile.sessions ? sessionCookie(req) : undefined;
  if (cookie && phone.sessions.get(cookie)) auth = { method: 'session', user: ADMIN_USER };

  const digest = digestAlgorithms(phone);
  const basic = basicEnabled(phone);
  const authorization = auth ? undefined : header(req, 'authorization');
  if (authorization) {
    if (/^\s*Basic\s/i.test(authorization)) {
      const user = basic ? basicUser(state, authorization, password) : undefined;
      if (user !== undefined) auth = { method: 'basic', user };
    } else if (digest.length > 0 && /^\s*Digest\s/i.test(authorization)) {
      const r = checkDigest(phone, state, req, authorization, password, digest);
      if (r.ok) auth = { method: r.algorithm === 'SHA-256' ? 'digest-sha256' : 'digest-md5', user: ADMIN_USER };
      else stale = r.stale;
    }
  }
  if (!auth) {
    const challenges: string[] = [];
    if (digest.length > 0) {
      // One nonce for all Digest challenges, so clients that merge the challenges still sign a valid one.
      const nonce = state.nonces.issue();
      for (const algorithm of digest) challenges.push(challenge(algorithm, DIGEST_REALM, nonce, state.opaque, stale));
    }
    if (basic) challenges.push(basicChallenge());
    return { kind: 'unauthorized', challenges };
  }
  if (password === DEFAULT_ADMIN_PASSWORD) return { kind: 'status', code: Status.DEFAULT_PASSWORD };
  return { kind: 'pass', auth };
}
