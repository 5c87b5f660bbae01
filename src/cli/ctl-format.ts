/**
 * Human-readable output for `polysim ctl`: tables for lists of records, aligned name/value lines for records.
 * Nested values are flattened to `a.b` (and `a.0.b` in lists); everything fits in WIDTH columns, long cells cut
 * with "…" (the whole answer is there with --json).
 */
export const WIDTH = 100;
const GAP = 2;

/** A record's leaves under dotted names: {a: {b: 1}, c: [{d: 2}]} → {"a.b": 1, "c.0.d": 2}. */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return Array.isArray(v) ? '[]' : '{}';
  return String(v).replace(/\s+/g, ' ');
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Column widths that fit `total`: the widest columns give up space first, none below its header or 6. */
function fit(widths: number[], minimums: number[], total: number): number[] {
  const out = [...widths];
  const sum = (): number => out.reduce((a, b) => a + b, 0) + GAP * (out.length - 1);
  while (sum() > total) {
    let widest = -1;
    for (let i = 0; i < out.length; i++) {
      if ((out[i] as number) > (minimums[i] as number) && (widest < 0 || (out[i] as number) > (out[widest] as number))) widest = i;
    }
    if (widest < 0) break; // every column at its minimum: the line runs long rather than lose its headers
    out[widest] = (out[widest] as number) - 1;
  }
  return out;
}

/** Aligned name/value lines of a flattened record. */
function record(flat: Record<string, unknown>): string {
  const entries = Object.entries(flat);
  const w = Math.min(48, Math.max(...entries.map(([k]) => k.length)));
  return `${entries.map(([k, v]) => `${cut(k, w).padEnd(w)}${' '.repeat(GAP)}${cut(cell(v), WIDTH - w - GAP)}`.trimEnd()).join('\n')}\n`;
}

export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)\n';
  const flat = rows.map((r) => flatten(r));
  const cols = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  const natural = cols.map((c) => Math.max(c.length, ...flat.map((r) => cell(r[c]).length)));
  const minimums = cols.map((c, i) => Math.min(natural[i] as number, Math.max(6, Math.min(c.length, 16))));
  // Too many columns to fit even cut down: each row as a record of its own, numbered.
  if (minimums.reduce((a, b) => a + b, 0) + GAP * (cols.length - 1) > WIDTH) {
    return flat.map((r, i) => `[${i + 1}]\n${record(r)}`).join('\n');
  }
  const widths = fit(natural, minimums, WIDTH);
  const line = (values: string[]): string =>
    values
      .map((v, i) => cut(v, widths[i] as number).padEnd(widths[i] as number))
      .join(' '.repeat(GAP))
      .trimEnd();
  return `${[line(cols), line(widths.map((w) => '-'.repeat(w))), ...flat.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n`;
}

export function format(result: unknown): string {
  if (result === undefined || result === null) return 'ok\n';
  if (typeof result === 'string') return result.endsWith('\n') ? result : `${result}\n`;
  if (Array.isArray(result)) {
    if (result.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) return table(result as Record<string, unknown>[]);
    return `${result.map((r) => cut(cell(r), WIDTH)).join('\n')}\n`;
  }
  if (typeof result === 'object') {
    const flat = flatten(result);
    return Object.keys(flat).length === 0 ? 'ok\n' : record(flat);
  }
  return `${String(result)}\n`;
}

/** One phone's result in a table cell: the answer's values, compact (the table cuts it to fit). */
export function summary(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result !== 'object') return String(result);
  return Object.entries(flatten(result))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
