/**
 * Ending the peer programs the tests start (Kamailio, dnsmasq, baresip...): SIGTERM, then SIGKILL after a grace
 * period, and resolved once the process is gone, also when it was already gone (by exit code or by a signal: a
 * process killed by a signal has no exit code, and waiting for its 'exit' again would wait forever).
 *
 * A peer may have processes of its own (Kamailio forks its workers, nginx its workers). Those still running when the
 * peer is gone are killed, and the peer's pipes are closed: a worker left behind holds the pipes open, and a test file
 * holding an open pipe never ends (its tests all pass, then the runner times the file out).
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const gone = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/** A process as /proc/<pid>/stat tells it: its parent, and its start time (which tells it from a later one of the same pid). */
function stat(pid: number): { ppid: number; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so the fields are read after its last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), start: fields[19] ?? '' };
  } catch {
    return undefined; // gone, or no /proc (not Linux): nothing to read
  }
}

/** Every process below pid now (children, theirs, ...), each with its start time. */
export function descendants(pid: number): Map<number, string> {
  const below = new Map<number, number[]>();
  const starts = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return new Map();
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    starts.set(Number(name), s.start);
    below.set(s.ppid, [...(below.get(s.ppid) ?? []), Number(name)]);
  }
  const out = new Map<number, string>();
  const walk = (p: number): void => {
    for (const k of below.get(p) ?? []) {
      if (out.has(k)) continue;
      out.set(k, starts.get(k) ?? '');
      walk(k);
    }
  };
  walk(pid);
  return out;
}

/** SIGKILL to each process still running as it was recorded (same pid, same start time). */
function killLeft(procs: Map<number, string>): void {
  for (const [pid, start] of procs) {
    if (stat(pid)?.start !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export async function stopChild(c: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!c) return;
  const below = c.pid !== undefined && !gone(c) ? descendants(c.pid) : new Map<number, string>();
  if (!gone(c)) {
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!gone(c)) c.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(t);
  }
  killLeft(below);
  for (const s of [c.stdin, c.stdout, c.stderr]) s?.destroy();
}

/**
 * The polysim command as users run it, the built CLI (run-tests.mjs builds it first when a source changed): a test
 * that starts polysim as a process of its own runs `node POLYSIM_BIN ...`, without a TypeScript loader of its own.
 */
export const POLYSIM_BIN = new URL('../bin/polysim.js', import.meta.url).pathname;
