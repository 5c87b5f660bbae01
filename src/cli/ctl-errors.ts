/**
 * What `polysim ctl` and `polysim compare` can meet, as entries of the error catalogue (src/errors.ts): its own usage errors, the SDK's
 * typed errors (which stay the SDK's public classes, since the SDK depends on nothing), and anything else, which is
 * a bug: `internal`, exit 1, with its message.
 */
import { AuthError, PolyError, TransportError } from '@polysim/client';
import { CliError, PolysimError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { CliIo } from './io.js';

/**
 * OpenSSL's words when a TLS handshake meets a port that answers in plain text (an HTTP server's "HTTP/1.1 400 ..."
 * read as a TLS record): "wrong version number" (OpenSSL 1.1 and 3), "unknown protocol" (older), in an EPROTO error.
 */
const PLAIN_TEXT_PORT = /wrong version number|unknown protocol/i;

/** The URL the SDK makes of a host without a scheme (HTTPS), as http:// instead. */
const asHttp = (host: string): string => `http://${host.replace(/^https:\/\//i, '')}`;

/**
 * The catalogue entry of what talking to `host` threw. `host` (as the user gave it) lets the message say what to do
 * where the error alone cannot: a TLS handshake with a plain-HTTP port says "use http://".
 */
export function ctlFailure(err: unknown, host?: string): PolysimError {
  if (err instanceof PolysimError) return err;
  // The SDK builds a phone's URL at once: a host that makes none is the user's mistake, not the phone's.
  if (err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_INVALID_URL')
    return new CliError(`${(err as { input?: unknown }).input ?? ''}: not a host[:port] or URL`);
  if (err instanceof AuthError) return new PolysimError('auth', err.message, { cause: err });
  if (err instanceof PolyError) return new PolysimError('status', `Status ${err.code} (${err.meaning})`, { cause: err });
  if (err instanceof TransportError) {
    if (host !== undefined && !/^http:/i.test(host) && PLAIN_TEXT_PORT.test(err.message))
      return new PolysimError('unreachable', `this port speaks plain HTTP, not HTTPS: use ${asHttp(host)}`, { cause: err });
    return new PolysimError('unreachable', err.message, { cause: err });
  }
  return new PolysimError('internal', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** An error as `--json` prints it: the catalogue's code, the exit code and the message (and the phone's Status). */
export interface JsonFailure {
  readonly host?: string;
  readonly ok: false;
  /** The exit code. */
  readonly code: number;
  readonly errorCode: ErrorCode;
  readonly error: string;
  /** The phone's Status code, for a `status` error. */
  readonly status?: string;
}

export function jsonFailure(failure: PolysimError, host?: string): JsonFailure {
  const status = failure.cause instanceof PolyError ? failure.cause.code : undefined;
  return {
    ...(host === undefined ? {} : { host }),
    ok: false,
    code: failure.exitCode,
    errorCode: failure.code,
    error: failure.message,
    ...(status === undefined ? {} : { status }),
  };
}

/**
 * Reports a failure the way the command was asked to: one line on stderr (`polysim ctl: <host>: <message>`), or with
 * --json one JSON object on stdout; returns the exit code.
 */
export function reportFailure(io: CliIo, command: string, json: boolean | undefined, failure: PolysimError, host?: string): number {
  if (json) io.stdout.write(`${JSON.stringify(jsonFailure(failure, host), null, 2)}\n`);
  else io.stderr.write(`polysim ${command}: ${host === undefined ? '' : `${host}: `}${failure.message}\n`);
  return failure.exitCode;
}
