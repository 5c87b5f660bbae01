/**
 * The last resort of `polysim start` and `fleet` on SIGTERM or SIGINT: shutdown closes every connection itself, but
 * should anything still hold the process, it exits anyway once the deadline has passed, and says so.
 */
import type { Logger } from 'pino';
import { ExitCode } from '../errors.js';

/** How long after the signal the process may still be there. */
export const SHUTDOWN_DEADLINE_MS = 5000;

/** Arms the deadline; its timer keeps nothing alive (a process that stopped cleanly has exited before it). */
export function armShutdownDeadline(
  logger: Pick<Logger, 'error'>,
  signal: string,
  ms: number = SHUTDOWN_DEADLINE_MS,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  setTimeout(() => {
    logger.error({ signal, deadlineMs: ms }, `still running ${ms} ms after ${signal}: exiting anyway`);
    exit(ExitCode.FAILURE);
  }, ms).unref();
}
