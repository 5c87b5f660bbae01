/**
 * What the gate sees of a request, whichever transport carried it, and what the pipeline decides. Transports build a
 * PhoneRequest, run the phone's pipeline, and write the Outcome in their own wire form.
 */
import type { Reply, Transport } from '../api/operation.js';
import type { StatusCode } from '../phone/status.js';

export type { AuthInfo } from '../api/operation.js';

/** Marks a body that arrived over the 20 KB limit (read no further). */
export const TOO_LARGE = Symbol('body too large');

export interface PhoneRequest {
  /** The HTTP method; a SIP NOTIFY command has none of its own and is sent as 'NOTIFY'. */
  readonly method: string;
  /** The request target's path, without the query string. */
  readonly path: string;
  /** The request target as sent: path and query (what a Digest `uri` must name). */
  readonly target: string;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly transport: Transport;
  readonly query: Readonly<Record<string, unknown>>;
  /** The body as read: parsed JSON, undefined (none), UNREADABLE (not JSON) or TOO_LARGE. */
  readonly body: unknown;
  /** The sender's address (no port): the lockout counts failures per phone, the journal shows it. */
  readonly from: string;
}

export type Outcome =
  | { readonly kind: 'ok'; readonly reply: Reply }
  | { readonly kind: 'status'; readonly code: StatusCode; readonly detail?: string; readonly http?: number; readonly allow?: readonly string[] }
  /** No such path (or an operation this phone does not have): the web server's 404. */
  | { readonly kind: 'absent' }
  /** The REST API is off (or the model has none): 404, and the connection is closed. */
  | { readonly kind: 'off' }
  | { readonly kind: 'unauthorized'; readonly challenges: readonly string[] }
  /** Logins are locked after repeated failures (httpd.cfg.lockWebUI.*). */
  | { readonly kind: 'locked'; readonly retryAfterS: number }
  /** A body over 20 KB on an operation without 4009: the web server's 413. */
  | { readonly kind: 'too-large' };

/** HTTP status for each Status code. 2000 is 200; the input and state errors are 400, as real phones answer. */
export const HTTP_STATUS: Readonly<Record<StatusCode, number>> = {
  '2000': 200,
  '4000': 400, '4001': 400, '4002': 400, '4003': 400, '4004': 400, '4005': 400, '4006': 400, '4007': 400,
  '4008': 400, '4009': 413, '4010': 403, '4011': 400,
  '4400': 400, '4403': 403,
  '5000': 500, '5500': 500,
};

/** The HTTP status an outcome is answered with (the journal records it for every transport). */
export function httpStatusOf(o: Outcome): number {
  switch (o.kind) {
    case 'ok': return 200;
    case 'status': return o.http ?? HTTP_STATUS[o.code];
    case 'absent': case 'off': return 404;
    case 'unauthorized': return 401;
    case 'locked': return 403;
    case 'too-large': return 413;
  }
}

/** The Status code an outcome carries, if it carries one. */
export function statusOf(o: Outcome): StatusCode | undefined {
  if (o.kind === 'ok') return '2000';
  if (o.kind === 'status') return o.code;
  if (o.kind === 'locked') return '4403';
  return undefined;
}
