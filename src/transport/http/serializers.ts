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

/**
 * Whether two values of a schema are written as the same bytes by its compiled serialiser: every value the schema
 * lists is the same string, boolean or finite number in both (read-cache.ts keeps answers by it). False whenever
 * either has a listed value missing or of another kind (where the serialiser could throw and fall back).
 */
export type DataComparator = (a: unknown, b: unknown) => boolean;

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

/** A leaf both values have, the same, of a kind the serialiser writes from its value alone. */
function leaf(x: unknown, y: unknown): boolean {
  return x === y && (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Compiles the comparator of an exact schema into one function of named property reads (as fast-json-stringify
 * compiles the serialiser): monomorphic loads, no key lists, no recursion into the schema at run time. A generic
 * deep-equal reads every key through a megamorphic keyed load and costs as much as serialising again.
 */
function compileComparator(schema: unknown): DataComparator {
  const parts: string[] = [];
  let n = 0;
  const expr = (s: Json, a: string, b: string): string => {
    switch (s['type']) {
      case 'object': {
        const props = s['properties'] as Json;
        const checks = Object.keys(props).map((k) => expr(props[k] as Json, `${a}[${JSON.stringify(k)}]`, `${b}[${JSON.stringify(k)}]`));
        return `(isObject(${a}) && isObject(${b})${checks.map((c) => ` && ${c}`).join('')})`;
      }
      case 'array': {
        const fn = `item${n++}`;
        parts.push(`function ${fn}(x, y) { return ${expr(s['items'] as Json, 'x', 'y')}; }`);
        return `(Array.isArray(${a}) && Array.isArray(${b}) && ${a}.length === ${b}.length && ${a}.every((x, i) => ${fn}(x, ${b}[i])))`;
      }
      // A leaf of one type is checked inline (a call per leaf cost a poller's device/info more than the rest)
      case 'string':
      case 'boolean':
        return `(${a} === ${b} && typeof ${a} === ${JSON.stringify(s['type'])})`;
      case 'integer':
      case 'number':
        return `(${a} === ${b} && Number.isFinite(${a}))`;
      default:
        return `leaf(${a}, ${b})`;
    }
  };
  const body = expr(schema as Json, 'a', 'b');
  // Code made from the operation's own schema, as fast-json-stringify makes the serialiser.
  return new Function('leaf', 'isObject', `${parts.join('\n')}\nreturn (a, b) => ${body};`)(leaf, isObject) as DataComparator;
}

/** Whether an operation is a read (GET, no body): the answers serializers.test.ts compares, the ones polled often. */
export function isRead(op: Operation): boolean {
  return op.methods.includes('GET') && op.inputFrom !== 'body';
}

interface Compiled {
  readonly write: DataSerializer;
  readonly same: DataComparator;
}

/** Serialisers by schema (null: none can be made): operations and dialects sharing a schema share one. */
const bySchema = new WeakMap<object, Compiled | null>();
/** Each operation's serialisers, in the order of DIALECT_MODES' two modes: device, manual. */
const byOperation = new WeakMap<Operation, { readonly device: Compiled | null; readonly manual: Compiled | null }>();

function compiledOf(schema: TSchema | undefined): Compiled | null {
  if (schema === undefined) return null;
  let s = bySchema.get(schema);
  if (s === undefined) {
    const write = compile(schema);
    s = write ? { write, same: compileComparator(schema) } : null;
    bySchema.set(schema, s);
  }
  return s;
}

/**
 * The compiled serialiser of a read's `data` for this dialect, made on first use; undefined: JSON.stringify writes
 * it (commands, and reads without an exact schema).
 */
export function dataSerializer(op: Operation, mode: DialectMode): DataSerializer | undefined {
  return compiledFor(op, mode)?.write;
}

/** The comparator that goes with the compiled serialiser of a read's `data` (undefined where there is none). */
export function dataComparator(op: Operation, mode: DialectMode): DataComparator | undefined {
  return compiledFor(op, mode)?.same;
}

function compiledFor(op: Operation, mode: DialectMode): Compiled | undefined {
  let entry = byOperation.get(op);
  if (!entry) {
    const read = isRead(op);
    entry = {
      device: read ? compiledOf(outputSchema(op, 'device')) : null,
      manual: read ? compiledOf(outputSchema(op, 'manual')) : null,
    };
    byOperation.set(op, entry);
  }
  return entry[mode] ?? undefined;
}
