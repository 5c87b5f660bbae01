/**
 * What the gate sees of a request, whichever origin it came by, and what the pipeline decides. Transports build a
 * PhoneRequest with their origin's policy, run the phone's pipeline, and write the Decision in their own wire form
 * (the HTTP statuses, pages and headers live in transport/http; the SIP answers and reports in transport/sip).
 */
import type { OriginPolicy } from './origin.js';

export type { AuthInfo } from '../api/operation.js';
export type { Outcome } from '../api/dispatch.js';
export type { Decision } from './decision.js';
export { statusOf } from './decision.js';

export interface PhoneRequest {
  /** The origin's rules (origin.ts); its `transport` names the origin to operations and the journal. */
  readonly origin: OriginPolicy;
  /** The request's method; an origin without methods of its own sends its name (SIP: 'NOTIFY'). */
  readonly method: string;
  /** The request target's path, without the query string. */
  readonly path: string;
  /** The request target as sent: path and query (what a Digest `uri` must name). */
  readonly target: string;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: Readonly<Record<string, unknown>>;
  /** The body as read: parsed JSON, undefined (none), UNREADABLE (not JSON) or TOO_LARGE (api/body.ts). */
  readonly body: unknown;
  /** The sender's address (no port): the lockout counts failures per phone, the journal shows it. */
  readonly from: string;
  /**
   * For origins that acknowledge a command before it runs (SIP NOTIFY answers 200, then reports a failure): called
   * once the request is taken (its origin is open and the operation exists); the rest of the road then runs on a
   * later microtask, after the caller has sent its acknowledgement.
   */
  readonly accepted?: () => void;
}
