/**
 * Stage: who is asking. The methods this model, firmware and configuration enable, in the phone's order: a session
 * cookie, Digest SHA-256 or MD5, Basic; without valid credentials, 401 with one challenge per enabled method
 * (SHA-256 first). Failed logins count towards the login lock (httpd.cfg.lockWebUI.*), during which every login is
 * refused. Requests of an origin whose policy does not authenticate (SIP NOTIFY: its trust is the SIP rules,
 * sipNotify.enabled and bindRequired) carry AuthInfo 'none'.
 */
import { randomBytes } from 'node:crypto';
import type { Account, AuthInfo } from '../../api/operation.js';
import type { Phone } from '../../phone/phone.js';
import { digestHash, digestResponse } from '@polysim/client/digest';
import { sameSecret } from '../../same-secret.js';
import { ADMIN_USER, basicChallenge, checkBasic } from '../auth/basic.js';
import { challenge, NonceBook, parseDigest, safeHexEqual } from '../auth/digest.js';
import type { DigestAlgorithm } from '../auth/digest.js';
import { Lockout } from '../auth/lockout.js';
import type { Context, Next, Result, Stage } from '../stage.js';
import type { PhoneRequest } from '../request.js';
import { basicEnabled, digestAlgorithms, DIGEST_REALM, lockoutRule, NONCE_LIFETIME_MS } from '../rules.js';

const PROVEN_MAX = 8;
const NO_LOGIN: AuthInfo = { method: 'none', user: '' };

interface BootAuth {
  readonly bootedAt: number;
  readonly nonces: NonceBook;
  readonly opaque: string;
  /** Basic headers already proven, bound to the password they were checked against. */
  readonly provenBasic: Map<string, string>;
  readonly lockout: Lockout;
}

/** A phone's login state; a restart or reboot forgets it (nonces, proven headers, the lock). */
export class AuthState {
  private current: BootAuth | undefined;

  constructor(private readonly phone: Phone) {}

  get(): BootAuth {
    const at = this.phone.appStartedAt;
    if (!this.current || this.current.bootedAt !== at) {
      let opaque: string | undefined;
      this.current = {
        bootedAt: at,
        nonces: new NonceBook(() => this.phone.clock.now(), NONCE_LIFETIME_MS),
        // drawn when first sent (a Digest challenge), as the nonce secret: a Basic login needs neither
        get opaque(): string {
          return (opaque ??= randomBytes(16).toString('base64'));
        },
        provenBasic: new Map(),
        lockout: new Lockout(),
      };
    }
    return this.current;
  }
}

function header(req: PhoneRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseSessionCookie(cookie: string): string | undefined {
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'session') return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The last Cookie header read and its session id: a client sends the same header with every request. */
let lastCookie = '';
let lastSession: string | undefined;

function sessionCookie(req: PhoneRequest): string | undefined {
  const cookie = header(req, 'cookie');
  if (!cookie) return undefined;
  if (cookie !== lastCookie) {
    lastSession = parseSessionCookie(cookie);
    lastCookie = cookie;
  }
  return lastSession;
}

/** Basic, remembering headers already proven (see login) so a client repeating its header is not decoded every time. */
function basicUser(state: BootAuth, authorization: string, password: string): string | undefined {
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
  if (!/^https?:\/\//i.test(uri)) return false;
  try {
    const u = new URL(uri);
    return `${u.pathname}${u.search}` === target;
  } catch {
    return false;
  }
}

type DigestResult = { ok: true; algorithm: DigestAlgorithm } | { ok: false; stale: boolean };

/** Whose Digest login is checked: the phone's admin in its realm, or an operation's own account (account.ts). */
interface DigestAccount {
  readonly user: string;
  readonly realm: string;
  readonly password: string;
}

function checkDigest(
  state: BootAuth,
  req: PhoneRequest,
  authorization: string,
  account: DigestAccount,
  enabled: readonly DigestAlgorithm[],
): DigestResult {
  const { password } = account;
  const p = parseDigest(authorization);
  const fail: DigestResult = { ok: false, stale: false };
  if (!p) return fail;
  const algorithm = enabled.find((a) => a.toLowerCase() === (p['algorithm'] ?? 'MD5').toLowerCase());
  const { username, realm, nonce, uri, response, cnonce, nc, qop } = p;
  if (!algorithm || !username || !nonce || !uri || !response || !cnonce || !nc || qop?.toLowerCase() !== 'auth') return fail;
  if (realm !== account.realm || (p['opaque'] !== undefined && p['opaque'] !== state.opaque)) return fail;
  if (!uriMatches(uri, req.target)) return fail;
  const userOk =
    p['userhash'] === 'true'
      ? safeHexEqual(username, digestHash(algorithm, `${account.user}:${account.realm}`))
      : sameSecret(username, account.user);
  const expected = digestResponse({
    algorithm,
    username: p['userhash'] === 'true' ? account.user : username,
    realm,
    password,
    method: req.method,
    uri,
    nonce,
    nc,
    cnonce,
    qop: 'auth',
  });
  if (!(safeHexEqual(response, expected) && userOk)) return fail;
  const use = state.nonces.use(nonce, nc);
  if (use === 'fresh') return { ok: true, algorithm };
  return { ok: false, stale: use === 'stale' };
}

/** What the credentials a request carries: who it is, a failed login, a stale nonce, or none given. */
type Login = { who: AuthInfo } | { failed: true } | { stale: true } | undefined;

const SESSION: Login = { who: { method: 'session', user: ADMIN_USER } };
const BASIC: Login = { who: { method: 'basic', user: ADMIN_USER } };

function login(ctx: Context, state: BootAuth, password: string): Login {
  const { req, phone } = ctx;
  const cookie = phone.profile.sessions ? sessionCookie(req) : undefined;
  if (cookie && phone.sessions.get(cookie)) return SESSION;
  const authorization = header(req, 'authorization');
  if (!authorization) return undefined;
  // A Basic header already proven against this password, keyed by the whole header: a hash lookup, nothing parsed.
  const proven = state.provenBasic.get(authorization) === password;
  if (proven || /^\s*Basic\s/i.test(authorization)) {
    if (!basicEnabled(phone)) return undefined;
    return proven || basicUser(state, authorization, password) !== undefined ? BASIC : { failed: true };
  }
  const digest = digestAlgorithms(phone);
  if (digest.length > 0 && /^\s*Digest\s/i.test(authorization)) {
    const r = checkDigest(state, req, authorization, { user: ADMIN_USER, realm: DIGEST_REALM, password }, digest);
    if (r.ok) return { who: { method: r.algorithm === 'SHA-256' ? 'digest-sha256' : 'digest-md5', user: ADMIN_USER } };
    return r.stale ? { stale: true } : { failed: true };
  }
  return undefined;
}

const ABSENT = { kind: 'absent' } as const;
const ACCOUNT_DIGEST: readonly DigestAlgorithm[] = ['MD5'];

/**
 * An operation with an account of its own (the push and polling handlers): Digest MD5 in the account's realm, as
 * those handlers challenge; no sessions, no Basic, no login lock (it guards the admin's logins).
 */
function accountLogin(ctx: Context, state: BootAuth, account: Account): Login {
  const authorization = header(ctx.req, 'authorization');
  if (!authorization || !/^\s*Digest\s/i.test(authorization)) return authorization ? { failed: true } : undefined;
  const r = checkDigest(state, ctx.req, authorization, account, ACCOUNT_DIGEST);
  if (r.ok) return { who: { method: 'digest-md5', user: account.user } };
  return r.stale ? { stale: true } : { failed: true };
}

function accountStage(ctx: Context, next: Next, state: BootAuth, account: Account): Result {
  const result = accountLogin(ctx, state, account);
  if (result && 'who' in result) {
    ctx.auth = result.who;
    return next(ctx);
  }
  const stale = result !== undefined && 'stale' in result;
  const failed = result !== undefined && 'failed' in result;
  return { kind: 'unauthorized', challenges: [challenge('MD5', account.realm, state.nonces.issue(), state.opaque, stale)], failed };
}

export function authStage(auth: AuthState): Stage {
  return (ctx, next) => {
    if (!ctx.req.origin.authenticates) {
      ctx.auth = NO_LOGIN;
      return next(ctx);
    }
    const { phone } = ctx;
    const state = auth.get();
    if (ctx.op?.account) {
      const account = ctx.op.account(phone);
      return account ? accountStage(ctx, next, state, account) : ABSENT;
    }
    const now = phone.clock.now();
    const locked = state.lockout.remaining(now);
    if (locked > 0) return { kind: 'locked', retryAfterS: Math.ceil(locked / 1000) };
    const password = phone.config.value('device.auth.localAdminPassword');
    const result = login(ctx, state, password);
    if (result && 'who' in result) {
      state.lockout.succeed();
      ctx.auth = result.who;
      return next(ctx);
    }
    if (result && 'failed' in result && state.lockout.fail(now, lockoutRule(phone))) {
      return { kind: 'locked', retryAfterS: Math.ceil(state.lockout.remaining(now) / 1000) };
    }
    const challenges: string[] = [];
    const digest = digestAlgorithms(phone);
    if (digest.length > 0) {
      // One nonce for all Digest challenges, so clients that merge the challenges still sign a valid one.
      const nonce = state.nonces.issue();
      const stale = result !== undefined && 'stale' in result;
      for (const algorithm of digest) challenges.push(challenge(algorithm, DIGEST_REALM, nonce, state.opaque, stale));
    }
    if (basicEnabled(phone)) challenges.push(basicChallenge());
    return { kind: 'unauthorized', challenges };
  };
}
