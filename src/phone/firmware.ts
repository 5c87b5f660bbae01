/** Firmware versions such as "6.4.3", "9.5.0" or "8.6.0.1234": compared numerically, part by part. */
export type Version = readonly number[];

const VERSION_RE = /^\d+(\.\d+){1,3}$/;

export function parseVersion(text: string): Version | undefined {
  const trimmed = text.trim();
  if (!VERSION_RE.test(trimmed)) return undefined;
  return trimmed.split('.').map(Number);
}

export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `version` is at least `min` (both as text). */
export function atLeast(version: string, min: string): boolean {
  const v = parseVersion(version);
  const m = parseVersion(min);
  if (!v || !m) return false;
  return compareVersions(v, m) >= 0;
}
