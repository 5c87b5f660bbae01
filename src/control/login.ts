/**
 * A browser's way through the control API's token: API clients send `Authorization: Bearer <token>`, which a page
 * cannot add to its navigations, its EventSource or its assets. So a browser logs in once, with the token pasted into
 * the login page or with a one-time link the start banner prints (`/?login=<code>`), and gets a cookie:
 * HttpOnly, SameSite=Strict, holding an HMAC of the token under a key made at start (never the token itself; a
 * restart ends every session). Bounded: at most MAX_CODES one-time codes wait at once, each for CODE_TTL_MS.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sameSecret } from '../same-secret.js';

export const COOKIE = 'polysim-control';
export const MAX_CODES = 16;
export const CODE_TTL_MS = 60 * 60 * 1000;

/** The value of cookie `name` in a Cookie header, if there. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface LoginOptions {
  readonly now?: () => number;
  readonly codeTtlMs?: number;
}

export class ControlLogin {
  private readonly session: string;
  /** One-time codes and when each expires, oldest first. */
  private readonly codes = new Map<string, number>();
  private readonly now: () => number;
  private readonly ttl: number;

  constructor(
    readonly token: string,
    options: LoginOptions = {},
  ) {
    this.session = createHmac('sha256', randomBytes(32)).update(token).digest('base64url');
    this.now = options.now ?? Date.now;
    this.ttl = options.codeTtlMs ?? CODE_TTL_MS;
  }

  /** Whether `value` is the control token. */
  isToken(value: string): boolean {
    return sameSecret(value, this.token);
  }

  /** Whether the request's Cookie header holds a session of this login. */
  hasSession(cookie: string | undefined): boolean {
    const value = cookieValue(cookie, COOKIE);
    return value !== undefined && sameSecret(value, this.session);
  }

  /** The Set-Cookie that logs a browser in. */
  get setCookie(): string {
    return `${COOKIE}=${this.session}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** A code that logs a browser in once, within the code lifetime (the oldest goes past MAX_CODES). */
  issueCode(): string {
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, this.now() + this.ttl);
    for (const oldest of this.codes.keys()) {
      if (this.codes.size <= MAX_CODES) break;
      this.codes.delete(oldest);
    }
    return code;
  }

  /** Uses up a one-time code: true when it was issued, unused and not expired. */
  redeem(code: string): boolean {
    let found: string | undefined;
    for (const c of this.codes.keys()) if (sameSecret(c, code)) found = c;
    if (found === undefined) return false;
    const expires = this.codes.get(found) ?? 0;
    this.codes.delete(found);
    return this.now() < expires;
  }

  /** Headers without the control credentials: the login cookie, and an Authorization carrying the token. */
  withoutCredentials(headers: IncomingHttpHeaders): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = { ...headers };
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    if (bearer && this.isToken(bearer[1] as string)) delete out.authorization;
    if (headers.cookie !== undefined) {
      const rest = headers.cookie
        .split(';')
        .filter((part) => part.split('=')[0]?.trim() !== COOKIE)
        .join(';')
        .trim();
      if (rest === '') delete out.cookie;
      else out.cookie = rest;
    }
    return out;
  }
}

/** A path to go back to after logging in: a local path only (no `//host`), else `/`. */
export function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && next.length <= 2048 ? next : '/';
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The login page: one field for the token, posted as a form (no script needed). */
export function loginPage(next: string, message?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>polysim: log in</title>
  <style>
    body { font: 15px system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; color: #1d2330; }
    form { background: #fff; padding: 24px 28px; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: min(420px, 90vw); }
    h1 { font-size: 20px; margin: 0 0 12px; }
    label { display: block; margin: 12px 0 4px; }
    input[type=password] { width: 100%; box-sizing: border-box; padding: 8px; font: inherit; }
    button { margin-top: 14px; padding: 8px 16px; font: inherit; }
    .error { color: #a4161a; }
    p { margin: 6px 0; }
  </style>
</head>
<body>
  <form method="post" action="/login">
    <h1>polysim control</h1>
    <p>This control API wants its token: polysim printed it at start (<code>token …</code>), with a one-time dashboard link.</p>
    ${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
    <label for="token">token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${escapeHtml(next)}">
    <button type="submit">Log in</button>
  </form>
</body>
</html>
`;
}
