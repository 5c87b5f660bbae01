/**
 * The last answer of each read a phone served, kept as the bytes on the wire: while what the operation's handler
 * builds is the same as last time, the same body and header list are written again, with no serialising, string
 * building or UTF-8 encoding. A poller asking device/info many times a second gets the same bytes until a value in
 * it changes (the uptime's second, a configuration value, the state).
 *
 * Only answers a compiled serialiser writes are kept (serializers.ts: reads whose schema is exact), compared by the
 * comparator compiled from the same schema: the same strings, booleans and finite numbers wherever the schema lists
 * one, which the serialiser writes as the same bytes. Nothing is taken on trust: the handler runs every time, and
 * what is kept to compare with is a copy. An operation whose answer changes on every request (live statistics) stops
 * being compared after a few misses in a row, for a while.
 *
 * Hand-written: a memoiser keyed by identity cannot see that two freshly built objects are equal, and answers are
 * compared on the schema's paths only (what the bytes depend on), which no general cache knows.
 */
import type { Operation } from '../../api/operation.js';
import type { Phone } from '../../phone/phone.js';
import type { DataComparator } from './serializers.js';

/**
 * A copy of an answer's data to compare later answers with (a handler may hand out objects it later changes): the
 * data read back from the bytes just written. The comparator reads only what the schema lists, which the bytes hold
 * as the same strings, booleans and finite numbers (anything else reads back as something the comparator never
 * finds the same); a third of the cost of structuredClone, which a phone's first answer of each read pays.
 */
function copyOf(body: Buffer): unknown {
  return (JSON.parse(body.toString()) as { data?: unknown }).data;
}

/**
 * Answers kept at most this long (bytes): a poller's reads (device/info is 900 bytes) are, long lists (call logs,
 * a big line table) are written anew each time, so that a fleet of phones keeps no more than a few KB each.
 */
export const KEPT_BODY_MAX = 4096;

/** Misses in a row after which an operation's answers are not compared, and for how many requests. */
const MISSES_TO_REST = 4;
const REST_REQUESTS = 256;

interface Entry extends KeptAnswer {
  readonly data: unknown;
  /** What chose the writer of `data` (the dialect mode): another key, another answer. */
  readonly key: string;
  misses: number;
  resting: number;
}

export interface KeptAnswer {
  readonly body: Buffer;
  /** Per header set (0 HTTP, 1 HTTPS), the header list with this body's length, made when first written. */
  readonly heads: [readonly string[] | undefined, readonly string[] | undefined];
}

/** The header list of an answer: the phone's `base` for its scheme, then Content-Length (made once per body). */
export function headOf(k: KeptAnswer, scheme: 0 | 1, base: readonly string[]): readonly string[] {
  return (k.heads[scheme] ??= [...base, 'content-length', String(k.body.length)]);
}

/** Each phone's last answer per operation: at most one per operation a phone serves. */
export class ReadCache {
  private readonly phones = new WeakMap<Phone, Map<Operation, Entry>>();

  /**
   * The bytes of `data` as `write` writes it (the envelope {"data": ..., "Status": ...}), from the last answer when
   * `data` equals that answer's (and `key`, the writer's choice, is the same); else written now, and kept.
   */
  answer(phone: Phone, op: Operation, key: string, data: unknown, same: DataComparator, write: () => string): KeptAnswer {
    let ops = this.phones.get(phone);
    if (!ops) {
      ops = new Map();
      this.phones.set(phone, ops);
    }
    const e = ops.get(op);
    if (e) {
      if (e.resting > 0) {
        e.resting--;
        return fresh(write());
      }
      if (e.key === key && same(e.data, data)) {
        e.misses = 0;
        return e;
      }
      if (++e.misses >= MISSES_TO_REST) {
        e.misses = 0;
        e.resting = REST_REQUESTS;
      }
    }
    const body = Buffer.from(write());
    if (body.length > KEPT_BODY_MAX) {
      ops.delete(op);
      return fresh(body);
    }
    const entry: Entry = { data: copyOf(body), key, body, heads: [undefined, undefined], misses: e?.misses ?? 0, resting: e?.resting ?? 0 };
    ops.set(op, entry);
    return entry;
  }
}

function fresh(body: string | Buffer): KeptAnswer {
  return { body: typeof body === 'string' ? Buffer.from(body) : body, heads: [undefined, undefined] };
}
