/**
 * Ending the peer programs the tests start (Kamailio, dnsmasq, baresip...): SIGTERM, then SIGKILL after a grace
 * period, and resolved once the process is gone, also when it was already gone (by exit code or by a signal: a
 * process killed by a signal has no exit code, and waiting for its 'exit' again would wait forever).
 */
import type { ChildProcess } from 'node:child_process';

export const gone = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

export async function stopChild(c: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!c || gone(c)) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGTERM');
  const t = setTimeout(() => {
    if (!gone(c)) c.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(t);
}

/**
 * The polysim command as users run it, the built CLI (run-tests.mjs builds it first when a source changed): a test
 * that starts polysim as a process of its own runs `node POLYSIM_BIN ...`, without a TypeScript loader of its own.
 */
export const POLYSIM_BIN = new URL('../bin/polysim.js', import.meta.url).pathname;
