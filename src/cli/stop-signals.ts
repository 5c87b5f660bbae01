/**
 * How a long-running command (`polysim start`/`fleet`, `polysim events listen`) stops: on SIGINT or SIGTERM, or
 * in-process when the caller's signal aborts. The handlers go in at once, before the command says it is up, so that
 * a harness signalling as soon as it reads the banner never meets the default action. `stop` runs once, with what
 * stopped it; the promise settles when it has finished.
 */
import type { CliIo } from './io.js';

export type StopCause = 'SIGINT' | 'SIGTERM' | 'abort';

export function untilStopped(io: Pick<CliIo, 'signal'>, stop: (cause: StopCause) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onInt = (): void => end('SIGINT');
    const onTerm = (): void => end('SIGTERM');
    const onAbort = (): void => end('abort');
    function end(cause: StopCause): void {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      io.signal?.removeEventListener('abort', onAbort);
      void stop(cause).then(resolve, resolve);
    }
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (io.signal?.aborted) end('abort');
    else io.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
