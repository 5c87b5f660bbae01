/**
 * The control API's door. It can read and set the admin password, turn the API off and inject faults, so:
 * - Host check (DNS rebinding), when no token is in force: the Host header must name the address the request came in
 *   on (or `localhost` on a loopback address), with its port, or one of the names allowed with --control-allow-host.
 *   With a token, a rebound page cannot authenticate anyway, and a published port (a container's -p 18790:8790)
 *   or a reverse proxy puts another name and port in Host, so the token alone decides;
 * - CSRF: a request that changes state (anything but GET, HEAD, OPTIONS) must carry `Content-Type:
 *   application/json` or an `X-Polysim` header, which a page of another origin cannot send without a preflight;
 * - a token when the control API listens on anything but loopback (generated and printed, or --control-token), as
 *   `Authorization: Bearer <token>`, or for a browser the login cookie (login.ts: the login page and the one-time
 *   link set it); with --control-token it is required on loopback too. `/login` itself is open, and GET `/ready`.
 */
import type { IncomingMessage } from 'node:http';
import type { ControlLogin } from './login.js';
import { sameSecret } from '../same-secret.js';

export interface GuardOptions {
  /** Required when set (Authorization: Bearer ...). */
  readonly token?: string;
  /** The browser's way in with that token (a cookie); made by the control app when not given. */
  readonly login?: ControlLogin;
  /** More host names the Host header may carry (a DNS name users reach the control API by). */
  readonly allowHosts?: readonly string[];
}

export interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Paths open without the token: the login page and its form, and readiness. */
export const LOGIN_PATH = '/login';
export const READY_PATH = '/ready';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

/** Host header -> [hostname, port]; undefined when malformed. */
function splitHost(host: string): [string, string] | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  return [(m[1] as string).replace(/^\[|\]$/g, '').toLowerCase(), m[2] ?? '80'];
}

export function checkControlRequest(req: IncomingMessage, options: GuardOptions): Refusal | undefined {
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:/i, '');
  const port = String(req.socket.localPort ?? '');
  const host = splitHost(req.headers.host ?? '');
  const loopback = isLoopback(local);
  const names = new Set([
    local.toLowerCase(),
    ...(loopback ? ['localhost', '127.0.0.1', '::1'] : []),
    ...(options.allowHosts ?? []).map((h) => h.toLowerCase()),
  ]);
  if (options.token === undefined && (!host || host[1] !== port || !names.has(host[0]))) {
    return { status: 403, error: `Host ${JSON.stringify(req.headers.host ?? '')} is not this control API's address` };
  }
  const method = req.method ?? 'GET';
  const path = (req.url ?? '').split('?')[0];
  if (options.token !== undefined && path === LOGIN_PATH) return undefined;
  // Readiness says nothing a caller could use, and a cluster's probes carry no token (Kubernetes httpGet probes
  // cannot read a Secret): open to GET.
  if (path === READY_PATH && (method === 'GET' || method === 'HEAD')) return undefined;
  if (!SAFE_METHODS.has(method)) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json' && req.headers['x-polysim'] === undefined) {
      return { status: 403, error: 'a request that changes state needs Content-Type: application/json or an X-Polysim header' };
    }
  }
  if (options.token !== undefined) {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const bearer = m !== null && sameSecret(m[1] as string, options.token);
    if (!bearer && !options.login?.hasSession(req.headers.cookie)) {
      return {
        status: 401,
        error: 'this control API needs its token: Authorization: Bearer <token> (a browser logs in at /login)',
        headers: { 'www-authenticate': 'Bearer realm="polysim control"' },
      };
    }
  }
  return undefined;
}

/**
 * Whether a browser sent the request from another site's page (an `<img src>` or a form on any page): Sec-Fetch-Site
 * other than same-origin or none (typed by the user), else an Origin, else a Referer, naming another host than the
 * request's Host. Requests without these markers (curl, scripts, SDKs) are not a browser's, and pass.
 */
export function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== '') return site !== 'same-origin' && site !== 'none';
  const host = (req.headers.host ?? '').toLowerCase();
  const from = req.headers.origin ?? req.headers.referer;
  if (from === undefined || from === '') return false;
  try {
    const url = new URL(from);
    return url.host.toLowerCase() !== host || !/^https?:$/.test(url.protocol);
  } catch {
    return true; // "null" (a sandboxed or file page) or garbage: not this origin
  }
}
