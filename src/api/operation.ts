/**
 * An operation of the Poly REST API as data: its name, methods and paths, where its input comes from, the schemas
 * of its input and output, when it exists, and its handler on a Phone. One table of these serves every transport.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Phone } from '../phone/phone.js';
import type { StatusCode } from '../phone/status.js';

export type Method = 'GET' | 'POST';

/** How a request proved who sent it (set by the gate; SIP NOTIFY commands carry 'none'). */
export interface AuthInfo {
  readonly method: 'basic' | 'digest-md5' | 'digest-sha256' | 'session' | 'none';
  readonly user: string;
}
export type Transport = 'http' | 'https' | 'sip';

/** What an operation answers besides Status: `data`, and for a few operations keys at the top level. */
export interface Reply {
  readonly data?: unknown;
  readonly top?: Readonly<Record<string, unknown>>;
  /** Extra response headers (Set-Cookie for sessions); transports without headers ignore them. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Runs after the answer has left (e.g. the phone going down for a restart). */
  readonly after?: () => void;
  /**
   * A whole answer of its own instead of the JSON envelope: the web application handlers (state polling, push)
   * answer XML or nothing, with an HTTP status of their own (default 200).
   */
  readonly document?: { readonly contentType: string; readonly body: string; readonly httpStatus?: number };
}

/** Who may call an operation that has its own account (the web application handlers): Digest with these. */
export interface Account {
  readonly user: string;
  readonly password: string;
  readonly realm: string;
}

/** Whether an operation exists on a phone: yes, absent (HTTP 404, as if the path did not exist) or a Status. */
export type Availability = 'yes' | 'absent' | StatusCode;

export interface OperationContext<I> {
  readonly phone: Phone;
  readonly input: I;
  /** The path the operation was reached by (some operations serve several). */
  readonly path: string;
  readonly transport: Transport;
  /** How the request authenticated (HTTP), if it did. */
  readonly auth?: AuthInfo;
}

export interface Operation<S extends TSchema | undefined = TSchema | undefined> {
  readonly name: string;
  readonly methods: readonly Method[];
  readonly paths: readonly string[];
  /** Where input comes from: the JSON body's `data`, the query string, the body as text (TextBody), or nowhere. */
  readonly inputFrom: 'body' | 'query' | 'text' | 'none';
  readonly input?: S;
  /** Input may be absent altogether (hold/resume/answer with no body). */
  readonly inputOptional?: boolean;
  /** Schema of `data` in a successful answer (and of top-level keys, for operations that use them). */
  readonly output?: TSchema;
  readonly outputTop?: TSchema;
  /**
   * Schema of `data` on a phone run with `--dialect manual`, where the manual's pages show another shape than
   * devices answer (absent: `output`). The OpenAPI document and the SDK describe `output`, the default dialect.
   */
  readonly manualOutput?: TSchema;
  readonly transports?: readonly Transport[];
  /** Status codes the manual lists; 4009 among them makes an oversized body answer 4009. */
  readonly returnCodes: readonly number[];
  readonly available?: (phone: Phone) => Availability;
  /**
   * An account of the operation's own (the push and polling handlers' users), checked with Digest MD5 in place of the
   * phone's admin logins. Undefined (no user or password configured): the handler is not served (absent).
   */
  readonly account?: (phone: Phone) => Account | undefined;
  /** Needs the phone's call application: answers 5000 while the phone initialises. */
  readonly needsCallApp?: boolean;
  readonly handler: (ctx: OperationContext<S extends TSchema ? Static<S> : undefined>) => Reply | Promise<Reply>;
}

/** Helper that keeps the input type of each operation's handler tied to its schema. */
export function defineOperation<S extends TSchema | undefined = undefined>(op: Operation<S>): Operation {
  return op as unknown as Operation;
}

export const STANDARD_CODES = [2000, 4400, 4403, 5000, 5500] as const;
