/**
 * How many files (sockets included) the process may open, how many it has open, and the one way polysim tells a user
 * how to raise the limit. Node raises its soft limit to the hard one at start, so what the process may open is the
 * hard limit of the shell, the systemd unit or the container that started it; node cannot raise it further
 * (there is no setrlimit in node), so polysim says how.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface FileLimit {
  /** What the process may open now (RLIMIT_NOFILE, soft). */
  readonly soft: number;
  /** What it could be raised to without privilege. */
  readonly hard: number;
}

/** The process's open-file limit, from /proc (Linux); undefined where it cannot be read. */
export function openFileLimit(): FileLimit | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line ? /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(line) : null;
    if (!m) return undefined;
    const n = (s: string): number => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    return { soft: n(m[1] as string), hard: n(m[2] as string) };
  } catch {
    return undefined;
  }
}

/** Descriptors the process holds now (Linux: /proc/self/fd, else /dev/fd); undefined where neither can be listed. */
export function openDescriptors(): number | undefined {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      // the listing itself holds one descriptor while it reads
      return readdirSync(dir).length - 1;
    } catch {
      // not on this system
    }
  }
  return undefined;
}

/** How to raise the limit to `n`, in one clause: the shell, a systemd unit, a container. */
export function raiseLimitHint(n?: number): string {
  const v = n === undefined ? 'N' : String(n);
  return `ulimit -n ${v} in the shell that starts polysim, LimitNOFILE=${v} in a systemd unit, --ulimit nofile=${v} for a container`;
}

/** The errno codes of a process (EMFILE) or a system (ENFILE) out of descriptors. */
export function isOutOfFiles(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}
