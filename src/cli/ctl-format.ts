/** Human-readable output for `polysim ctl`: tables for lists of records, aligned name/value lines for records. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)\n';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const widths = cols.map((c) => Math.min(48, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]): string => values.map((v, i) => v.slice(0, 48).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n`;
}

export function format(result: unknown): string {
  if (result === undefined || result === null) return 'ok\n';
  if (typeof result === 'string') return result.endsWith('\n') ? result : `${result}\n`;
  if (Array.isArray(result)) {
    if (result.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) return table(result as Record<string, unknown>[]);
    return `${result.map(cell).join('\n')}\n`;
  }
  if (typeof result === 'object') {
    const entries = Object.entries(result as Record<string, unknown>);
    const w = Math.max(0, ...entries.map(([k]) => k.length));
    return `${entries.map(([k, v]) => `${k.padEnd(w)}  ${cell(v)}`).join('\n')}\n`;
  }
  return `${String(result)}\n`;
}
