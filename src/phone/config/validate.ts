/** Checks a value against a parameter's type; answers the canonical string or a reason it is refused. */
import type { ParamType } from './types.js';

export type Checked = { ok: true; value: string } | { ok: false; reason: string };

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)*\.?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+(?:%[\w.]+)?(?:\/\d{1,3})?$/;
const INT_RE = /^-?\d+$/;

/** JSON input may carry a number where the manual shows a string ("Line": 1); anything else is not a value. */
export function toConfigString(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

export function checkValue(type: ParamType, raw: unknown): Checked {
  const text = toConfigString(raw);
  if (text === undefined) return { ok: false, reason: `expected a string, got ${raw === null ? 'null' : typeof raw}` };
  const value = type.kind === 'string' ? text : text.trim();
  switch (type.kind) {
    case 'bool':
      return value === '0' || value === '1' ? { ok: true, value } : { ok: false, reason: 'expected 0 or 1' };
    case 'int': {
      if (!INT_RE.test(value)) return { ok: false, reason: 'expected an integer' };
      const n = Number(value);
      if (n < type.min || n > type.max) return { ok: false, reason: `expected ${type.min} to ${type.max}` };
      return { ok: true, value: String(n) };
    }
    case 'enum': {
      const hit = type.values.find((v) => v.toLowerCase() === value.toLowerCase());
      return hit !== undefined ? { ok: true, value: hit } : { ok: false, reason: `expected one of ${type.values.join('|')}` };
    }
    case 'string':
      if (value.length > type.maxLength) return { ok: false, reason: `longer than ${type.maxLength} characters` };
      if ([...value].some((ch) => ch.charCodeAt(0) < 0x20)) return { ok: false, reason: 'control characters are not allowed' };
      return { ok: true, value };
    case 'host':
      if (value === '' || (value.length <= 253 && (HOST_RE.test(value) || (value.includes(':') && IPV6_RE.test(value))))) {
        return { ok: true, value };
      }
      return { ok: false, reason: 'expected a host name or IP address' };
  }
}
