/** What the pipeline decides about a request, in no transport's terms (each origin's adapter maps it to its wire). */
import type { Outcome } from '../api/dispatch.js';
import type { Method } from '../api/operation.js';
import { Status } from '../phone/status.js';
import type { StatusCode } from '../phone/status.js';

/**
 * What the pipeline decided: the operation's Outcome, or a refusal by one of the stages in front of it. Neutral:
 * each origin's adapter maps it to its wire.
 */
export type Decision =
  | Outcome
  /** The operation does not serve this method: Status 4400, with the methods it does serve. */
  | { readonly kind: 'wrong-method'; readonly allow: readonly Method[]; readonly detail: string }
  /** The origin is shut (its policy's switches); `ignore`: take the request and drop it. */
  | { readonly kind: 'closed'; readonly why: string; readonly ignore?: boolean }
  /** No valid login; `failed`: credentials were given and were wrong (an origin may answer that otherwise). */
  | { readonly kind: 'unauthorized'; readonly challenges: readonly string[]; readonly failed?: boolean }
  /** Logins are locked after repeated failures (httpd.cfg.lockWebUI.*): Status 4403. */
  | { readonly kind: 'locked'; readonly retryAfterS: number }
  /** A body over the limit on an operation without 4009, from an origin that refuses such bodies without a Status. */
  | { readonly kind: 'too-large' };

/** The Status code a decision carries, if it carries one. */
export function statusOf(d: Decision): StatusCode | undefined {
  switch (d.kind) {
    case 'ok':
      // A web application handler's document (a poll's XML, a push's bare status) carries no Status.
      return d.reply.document ? undefined : Status.OK;
    case 'status':
      return d.code;
    case 'wrong-method':
      return Status.BAD_REQUEST;
    case 'locked':
      return Status.FORBIDDEN;
    default:
      return undefined;
  }
}
