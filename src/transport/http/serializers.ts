/**
 * Compiled serialisers for the `data` of answers (fast-json-stringify, as Fastify uses), made once per operation and
 * dialect from the operation's output schema. A compiled serialiser writes the keys its schema lists, in the
 * schema's order, and drops any other: so one is made only where the schema is exact, made of the plain shapes
 * below (objects whose listed keys are all required, arrays, strings, numbers, booleans). Unions, records, free-form values, formats
 * and constants stay with JSON.stringify, and so do commands: only reads (GET, no body) are compiled. serializers.test.ts compares the bytes of every compiled serialiser with
 * JSON.stringify's on the sample answers of every model and dialect; a value a serialiser cannot write (a required
 * key missing, a number that is not one) falls back to JSON.stringify, so the answer is never lost.
 */
import type { TSchema } from '@sinclair/typebox';
import fastJson from 'fast-json-stringify';
import type { Schema } from 'fast-json-stringify';
import type { Operation } from '../../api/operation.js';
import type { DialectMode } from '../../phone/dialect/dialect.js';

export type DataSerializer = (data: unknown) => string;

type Json = Readonly<Record<string, unknown>>;

/** Whether a compiled serialiser writes exactly what JSON.stringify writes for every value the schema admits. */
export function isExact(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as Json;
  if ('const' in s || 'format' in s || 'anyOf' in s || 'oneOf' in s || 'allOf' in s || '$ref' in s || 'not' in s) return false;
  switch (s['type']) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return true;
    case 'array':
      return !Array.isArray(s['items']) && isExact(s['items']) && !('prefixItems' in s);
    case 'object': {
      if ('patternProperties' in s || (s['additionalProperties'] !== undefined && s['additionalProperties'] !== false)) return false;
      const props = s['properties'];
      if (typeof props !== 'object' || props === null) return false;
      // Every key always there: where keys come and go, handlers add them in orders of their own.
      const required = Array.isArray(s['required']) ? s['required'] : [];
      const keys = Object.keys(props);
      return keys.length === required.length && keys.every((k) => required.includes(k) && isExact((props as Json)[k]));
    }
    default:
      return false;
  }
}

/** The schema of an operation's `data` on a phone of this dialect. */
export function outputSchema(op: Operation, mode: DialectMode): TSchema | undefined {
  return mode === 'manual' ? (op.manualOutput ?? op.output) : op.output;
}

function compile(schema: unknown): DataSerializer | undefined {
  if (!isExact(schema)) return undefined;
  const compiled = fastJson(schema as Schema);
  return (data) => {
    try {
      return compiled(data);
    } catch {
      // Not what the schema says (a required key missing, NaN): written as it is.
      return JSON.stringify(data);
    }
  };
}

/** Whether an operation is a read (GET, no body): the answers serializers.test.ts compares, the ones polled often. */
export function isRead(op: Operation): boolean {
  return op.methods.includes('GET') && op.inputFrom !== 'body';
}

/** Serialisers by schema (null: none can be made): operations and dialects sharing a schema share one. */
const bySchema = new WeakMap<object, DataSerializer | null>();
/** Each operation's serialisers, in the order of DIALECT_MODES' two modes: device, manual. */
const byOperation = new WeakMap<Operation, { readonly device: DataSerializer | null; readonly manual: DataSerializer | null }>();

function serializerOf(schema: TSchema | undefined): DataSerializer | null {
  if (schema === undefined) return null;
  let s = bySchema.get(schema);
  if (s === undefined) {
    s = compile(schema) ?? null;
    bySchema.set(schema, s);
  }
  return s;
}

/**
 * The compiled serialiser of a read's `data` for this dialect, made on first use; undefined: JSON.stringify writes
 * it (commands, and reads without an exact schema).
 */
export function dataSerializer(op: Operation, mode: DialectMode): DataSerializer | undefined {
  let entry = byOperation.get(op);
  if (!entry) {
    const read = isRead(op);
    entry = {
      device: read ? serializerOf(outputSchema(op, 'device')) : null,
      manual: read ? serializerOf(outputSchema(op, 'manual')) : null,
    };
    byOperation.set(op, entry);
  }
  return entry[mode] ?? undefined;
}
