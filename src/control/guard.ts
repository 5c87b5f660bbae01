/**
 * The control API's door. It can read and set the admin password, turn the API off and inject faults, so:
 * - Host check (DNS rebinding), when no token is in force: the Host header must name the address the request came in
 *   on (or `localhost` on a loopback address), with its port, or one of the names allowed with --control-allow-host.
 *   With a token, a rebound page cannot authenticate anyway, and a published port (a container's -p 18790:8790)
 *   or a reverse proxy puts another name and port in Host, so the token alone decides;
 * - CSRF: a request that changes state (anything but GET, HEAD, OPTIONS) must carry `Content-Type:
 *   application/json` or an `X-Polysim` header, which a page of another origin cannot send without a preflight;
 * - a token when the control API listens on anything but loopback (generated and printed, or --control-token), as
 *   `Authorization: Bearer <token>`; with --control-token it is required on loopback too.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface GuardOptions {
  /** Required when set (Authorization: Bearer ...). */
  readonly token?: string;
  /** More host names the Host header may carry (a DNS name users reach the control API by). */
  readonly allowHosts?: readonly string[];
}

export interface Refusal {
  readonly status: number;
  readonly error: string;
}

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

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function checkControlRequest(req: IncomingMessage, options: GuardOptions): Refusal | undefined {
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:/i, '');
  const port = String(req.socket.localPort ?? '');
  const host = splitHost(req.headers.host ?? '');
  const loopback = isLoopback(local);
  const names = new Set([local.toLowerCase(), ...(loopback ? ['localhost', '127.0.0.1', '::1'] : []), ...(options.allowHosts ?? []).map((h) => h.toLowerCase())]);
  if (options.token === undefined && (!host || host[1] !== port || !names.has(host[0]))) {
    return { status: 403, error: `Host ${JSON.stringify(req.headers.host ?? '')} is not this control API's address` };
  }
  const method = req.method ?? 'GET';
  if (!SAFE_METHODS.has(method)) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json' && req.headers['x-polysim'] === undefined) {
      return { status: 403, error: 'a request that changes state needs Content-Type: application/json or an X-Polysim header' };
    }
  }
  if (options.token !== undefined) {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m || !sameSecret(m[1] as string, options.token)) {
      return { status: 401, error: 'this control API needs its token: Authorization: Bearer <token>' };
    }
  }
  return undefined;
}
