/**
 * An origin's rules as data: what the road asks of the requests that come by it. Every transport (HTTP, HTTPS, SIP
 * NOTIFY, a test harness) gives its policy with each request; the stages read the policy and never ask which
 * transport a request came by. A new origin is a policy and an adapter that maps the pipeline's Decision to its
 * wire, nothing else.
 */
import type { Operation, Transport } from '../api/operation.js';
import type { Phone } from '../phone/phone.js';
import type { Decision } from './decision.js';
import { restApiOn } from './rules.js';

/** Why an origin's door is shut; `ignore` asks the origin to take the request and drop it, as some firmware does. */
export interface Closed {
  readonly why: string;
  readonly ignore?: boolean;
}

export interface OriginPolicy {
  /** The name operations and the journal know the origin by (an operation limited to some origins lists these). */
  readonly transport: Transport;
  /** The operation at a path, from the table the origin serves (the REST API's, or the web application handlers'). */
  readonly route: (path: string) => Operation | undefined;
  /** Whether the origin's requests are let in now: undefined when open, otherwise why not (its own switches). */
  readonly closed: (phone: Phone) => Closed | undefined;
  /** Whether its requests log in (session, Digest, Basic); those of an origin that does not carry AuthInfo 'none'. */
  readonly authenticates: boolean;
  /** Whether the request's method must be one the operation serves (405 with the methods it does). */
  readonly checksMethods: boolean;
  /**
   * How a body over BODY_LIMIT is answered: Status 4009 by every operation ('status'), or by the operations that
   * list 4009 while the others refuse it without a Status ('by-operation': the 'too-large' Decision).
   */
  readonly oversize: 'status' | 'by-operation';
  /** The status number of the origin's answer to a decision, as the journal shows it. */
  readonly answerStatus: (decision: Decision) => number;
}

const REST_OFF: Closed = { why: 'the REST API is off (apps.restapi.enabled=0, or a model without it)' };

/** The REST API's own switch: the model has the API and apps.restapi.enabled is on. */
export function restApiClosed(phone: Phone): Closed | undefined {
  return restApiOn(phone) ? undefined : REST_OFF;
}
