/**
 * What `polysim ctl` and `polysim compare` can meet, as entries of the error catalogue (src/errors.ts): its own usage errors, the SDK's
 * typed errors (which stay the SDK's public classes, since the SDK depends on nothing), and anything else, which is
 * a bug: `internal`, exit 1, with its message.
 */
import { AuthError, PolyError, TransportError } from '@polysim/client';
import { CliError, PolysimError } from '../errors.js';

export function ctlFailure(err: unknown): PolysimError {
  if (err instanceof PolysimError) return err;
  // The SDK builds a phone's URL at once: a host that makes none is the user's mistake, not the phone's.
  if (err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_INVALID_URL')
    return new CliError(`${(err as { input?: unknown }).input ?? ''}: not a host[:port] or URL`);
  if (err instanceof AuthError) return new PolysimError('auth', err.message, { cause: err });
  if (err instanceof PolyError) return new PolysimError('status', `Status ${err.code} (${err.meaning})`, { cause: err });
  if (err instanceof TransportError) return new PolysimError('unreachable', err.message, { cause: err });
  return new PolysimError('internal', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
