/**
 * `polysim ctl --where field=value`: which phones of the shards a command is for. Every condition must hold; a value
 * may list alternatives with commas, use `*` and `?` wildcards, or (for numbers) a range `a-b`; `!=` negates. Case
 * and spaces are ignored (`model=vvx450` is "VVX 450"); booleans match true/false and yes/no.
 */
import { CliError } from '../errors.js';

/** A phone of a shard as ctl lists it and filters it. */
export interface ShardPhone {
  readonly shard: string;
  readonly index: number;
  readonly model: string;
  readonly family: string;
  readonly firmware: string;
  readonly dialect: string;
  readonly number: string;
  readonly state: string;
  readonly registered: boolean;
  /** How many calls the phone has. */
  readonly calls: number;
  readonly mac: string;
  readonly serial: string;
  readonly locked: boolean;
  readonly user: string;
}

export const FIELDS = [
  'shard',
  'index',
  'model',
  'family',
  'firmware',
  'dialect',
  'number',
  'state',
  'registered',
  'calls',
  'mac',
  'serial',
  'locked',
  'user',
] as const satisfies readonly (keyof ShardPhone)[];
export type Field = (typeof FIELDS)[number];

/** `phone` is another name for `index`. */
export function fieldOf(name: string, option: string): Field {
  const f = name.trim().toLowerCase() === 'phone' ? 'index' : (name.trim() as Field);
  if (!(FIELDS as readonly string[]).includes(f)) throw new CliError(`${option} ${name}: no such field; fields: ${FIELDS.join(', ')}`);
  return f;
}

export interface Condition {
  readonly field: Field;
  readonly negate: boolean;
  readonly test: (value: string) => boolean;
}

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, '');
const BOOLEAN: Readonly<Record<string, string>> = { yes: 'true', no: 'false', true: 'true', false: 'false' };

function alternative(pattern: string): (value: string) => boolean {
  const p = norm(pattern);
  const range = /^(\d+)-(\d+)$/.exec(p);
  if (range) {
    const [lo, hi] = [Number(range[1]), Number(range[2])];
    return (v) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
  }
  if (BOOLEAN[p] !== undefined) return (v) => v === BOOLEAN[p];
  if (!/[*?]/.test(p)) return (v) => v === p;
  const re = new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return (v) => re.test(v);
}

/** One `--where` value: `field=value[,value...]` or `field!=...`. */
export function parseCondition(text: string): Condition {
  const m = /^([A-Za-z]+)\s*(!?=)(.*)$/.exec(text);
  if (!m) throw new CliError(`--where ${text}: expected field=value or field!=value, e.g. model=VVX*`);
  const field = fieldOf(m[1] as string, '--where');
  const alternatives = (m[3] as string).split(',').map(alternative);
  return { field, negate: m[2] === '!=', test: (v) => alternatives.some((a) => a(norm(v))) };
}

export function valueOf(phone: ShardPhone, field: Field): string {
  return String(phone[field]);
}

export function matchesAll(phone: ShardPhone, conditions: readonly Condition[]): boolean {
  return conditions.every((c) => c.test(valueOf(phone, c.field)) !== c.negate);
}
