/**
 * Runs one operation on one phone: checks that it exists there, validates its input against its schema, calls the
 * handler, and turns every failure into a Status code. Transports call this and only map the outcome to the wire.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { Phone } from '../phone/phone.js';
import { PhoneError, Status } from '../phone/status.js';
import type { StatusCode } from '../phone/status.js';
import { isTextBody, UNREADABLE } from './body.js';
import type { AuthInfo, Operation, Reply, Transport } from './operation.js';

/** What running an operation came to: its reply, a Status, or no such operation on this phone. */
export type Outcome =
  /** `op`: the operation that answered (its output schema shapes the answer's bytes). */
  | { readonly kind: 'ok'; readonly reply: Reply; readonly op: Operation }
  | { readonly kind: 'status'; readonly code: StatusCode; readonly detail?: string }
  | { readonly kind: 'absent' };

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

/** The input of an operation from a JSON body ({"data": ...}) or the query string. */
export function extractInput(op: Operation, body: unknown, query: Readonly<Record<string, unknown>>): unknown {
  if (op.inputFrom === 'query') return query;
  if (op.inputFrom === 'none') return undefined;
  if (op.inputFrom === 'text') return isTextBody(body) ? body : { text: '', contentType: '' };
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) return UNREADABLE;
  return (body as Record<string, unknown>)['data'];
}

export function availability(op: Operation, phone: Phone, transport: Transport): Outcome | undefined {
  if (op.transports && !op.transports.includes(transport)) return { kind: 'absent' };
  const a = op.available ? op.available(phone) : 'yes';
  if (a === 'yes') return undefined;
  if (a === 'absent') return { kind: 'absent' };
  return { kind: 'status', code: a };
}

function failure(err: unknown): Outcome {
  if (err instanceof PhoneError) return { kind: 'status', code: err.code, detail: err.detail };
  return { kind: 'status', code: Status.INTERNAL_ERROR, detail: err instanceof Error ? err.message : String(err) };
}

/**
 * The path as the operation spells it, for a path reached in another case (operationAt matches paths whatever their
 * case): handlers that serve several paths tell them apart by it, so every case answers as the canonical path.
 */
function spelledAsOperation(op: Operation, path: string): string {
  if (op.paths.includes(path)) return path;
  const lower = path.toLowerCase();
  return op.paths.find((p) => p.toLowerCase() === lower) ?? path;
}

/** Runs the operation; synchronous handlers answer without a trip through the promise queue. */
export function dispatch(
  op: Operation,
  phone: Phone,
  input: unknown,
  path: string,
  transport: Transport,
  auth?: AuthInfo,
): Outcome | Promise<Outcome> {
  const unavailable = availability(op, phone, transport);
  if (unavailable) return unavailable;
  if (input === UNREADABLE) return { kind: 'status', code: Status.BAD_REQUEST, detail: 'body is not a JSON object' };
  if (op.needsCallApp && !phone.isReady) return { kind: 'status', code: Status.FAILED, detail: 'All Phone applications are not ready.' };
  if (op.input) {
    if (input === undefined && !op.inputOptional) {
      return { kind: 'status', code: Status.INVALID_INPUT, detail: 'missing data' };
    }
    if (input !== undefined) {
      const check = checker(op.input);
      if (!check.Check(input)) {
        const first = check.Errors(input).First();
        const detail = first ? `${first.path || 'data'}: ${first.message}` : 'invalid data';
        return { kind: 'status', code: Status.INVALID_INPUT, detail };
      }
    }
  }
  try {
    const reply = op.handler({ phone, input: input as never, path: spelledAsOperation(op, path), transport, auth });
    if (reply instanceof Promise) return reply.then((r): Outcome => ({ kind: 'ok', reply: r, op }), failure);
    return { kind: 'ok', reply, op };
  } catch (err) {
    return failure(err);
  }
}
