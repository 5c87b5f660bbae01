/**
 * Differences in shape between two answers to the same request: keys missing or extra, keys that differ only in
 * case, value types, and value formats (numbers or strings, date and uptime forms, enum case, MAC forms). Values
 * themselves are not compared: two phones never hold the same data, but they must hold it the same way.
 */
export type DifferenceKind = 'status' | 'missing key' | 'extra key' | 'key case' | 'type' | 'format';

export interface Difference {
  /** Where in the answer: `data.MACAddress`, `data[0].LineType`. */
  readonly at: string;
  readonly kind: DifferenceKind;
  /** What the real phone has there, and what the simulated one has. */
  readonly real: string;
  readonly sim: string;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The format a string value is written in. */
export function formatOf(s: string): string {
  if (s === '') return 'empty';
  // Whole and decimal numbers are one format: "0" and "0.3" are the same field on two phones.
  if (/^-?\d+(\.\d+)?$/.test(s)) return 'number as text';
  if (/^[0-9a-f]{12}$/i.test(s)) return 'MAC, 12 hex digits';
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s)) return 'MAC with colons';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return 'IPv4 address';
  if (/^[0-9a-f:]*:[0-9a-f:]*$/i.test(s) && s.includes(':')) return 'IPv6 address';
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/.test(s)) return 'date-time with offset';
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(s)) return 'local date-time';
  if (/^\d+ [Dd]ays? \d+:\d\d:\d\d$/.test(s)) return `uptime "${s.replace(/\d+/g, 'N')}"`;
  if (/^\d+ days?, \d+ hours?, \d+ minutes?, \d+ seconds?$/.test(s)) return 'uptime in words';
  if (/^(\d+ (hours|mins|secs) ?)+$/.test(s)) return 'duration in words';
  if (/^\d+:[\w.-]+$/.test(s)) return 'number:name';
  if (/^(True|False)$/.test(s)) return 'True/False';
  if (/^(true|false)$/.test(s)) return 'true/false';
  if (/^[a-z][a-z0-9]*$/.test(s)) return 'lower-case word';
  if (/^[A-Z][a-z0-9]+$/.test(s)) return 'capitalised word';
  if (/^[A-Z0-9_]+$/.test(s) && /[A-Z]/.test(s)) return 'upper-case word';
  return 'text';
}

export function compareShapes(real: unknown, sim: unknown, at = ''): Difference[] {
  const out: Difference[] = [];
  const rt = typeOf(real);
  const st = typeOf(sim);
  if (rt !== st) {
    out.push({ at: at || '(answer)', kind: 'type', real: rt, sim: st });
    return out;
  }
  if (rt === 'string') {
    const rf = formatOf(real as string);
    const sf = formatOf(sim as string);
    // An empty value says nothing of its format: only a present value on both sides is compared.
    if (rf !== sf && rf !== 'empty' && sf !== 'empty') out.push({ at, kind: 'format', real: rf, sim: sf });
    return out;
  }
  if (rt === 'array') {
    const [r0] = real as unknown[];
    const [s0] = sim as unknown[];
    if (r0 !== undefined && s0 !== undefined) out.push(...compareShapes(r0, s0, `${at}[0]`));
    return out;
  }
  if (rt === 'object') {
    const r = real as Record<string, unknown>;
    const s = sim as Record<string, unknown>;
    const simByLower = new Map(Object.keys(s).map((k) => [k.toLowerCase(), k]));
    const realByLower = new Map(Object.keys(r).map((k) => [k.toLowerCase(), k]));
    const child = (k: string): string => (at ? `${at}.${k}` : k);
    for (const k of Object.keys(r)) {
      if (k in s) {
        out.push(...compareShapes(r[k], s[k], child(k)));
        continue;
      }
      const other = simByLower.get(k.toLowerCase());
      if (other !== undefined) {
        out.push({ at: child(k), kind: 'key case', real: k, sim: other });
        out.push(...compareShapes(r[k], s[other], child(k)));
      } else {
        out.push({ at: child(k), kind: 'missing key', real: typeOf(r[k]), sim: '(absent)' });
      }
    }
    for (const k of Object.keys(s)) {
      if (!(k in r) && !realByLower.has(k.toLowerCase()))
        out.push({ at: child(k), kind: 'extra key', real: '(absent)', sim: typeOf(s[k]) });
    }
  }
  return out;
}
