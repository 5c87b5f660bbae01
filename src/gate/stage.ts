/** What a stage of the pipeline sees and returns (the pipeline itself is in pipeline.ts). */
import type { AuthInfo, Operation } from '../api/operation.js';
import type { Phone } from '../phone/phone.js';
import type { Decision, PhoneRequest } from './request.js';

export interface Context {
  readonly req: PhoneRequest;
  readonly phone: Phone;
  /** Set by the route stage. */
  op?: Operation;
  /** Set by the auth stage. */
  auth?: AuthInfo;
}

export type Result = Decision | Promise<Decision>;
export type Next = (ctx: Context) => Result;
export type Stage = (ctx: Context, next: Next) => Result;
