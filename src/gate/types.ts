/** What the gate sees of a request, and what it decides, independent of the transport that carried it. */
import type { Transport } from '../api/operation.js';
import type { StatusCode } from '../phone/status.js';

export interface GateRequest {
  readonly method: string;
  /** The request target's path, without the query string. */
  readonly path: string;
  /** The request target as sent: path and query (what a Digest `uri` must name). */
  readonly target: string;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly transport: Transport;
}

export interface AuthInfo {
  readonly method: 'basic' | 'digest-md5' | 'digest-sha256' | 'session' | 'none';
  readonly user: string;
}

export type GateVerdict =
  | { readonly kind: 'pass'; readonly auth: AuthInfo }
  /** The REST API is off (or the model has none): the phone's web server answers 404. */
  | { readonly kind: 'not-found' }
  | { readonly kind: 'unauthorized'; readonly challenges: readonly string[] }
  | { readonly kind: 'status'; readonly code: StatusCode };
