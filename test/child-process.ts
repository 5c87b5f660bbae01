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
