/**
 * polysim's own errors, apart from the manual's Status codes (src/phone/status.ts): one catalogue of what stops a
 * phone or the command line, what `polysim ctl` meets talking to a phone, and what a listener reports when it
 * cannot open. Each entry has a code (shown in logs, in the control API's phone description and in `ctl --json`),
 * the exit code `polysim` ends with, and its meaning; the CLI maps an error to its exit code here and nowhere else,
 * and the README's table of exit codes is this table (a test keeps them equal).
 *
 * The SDK (packages/client) keeps its own public error classes (PolyError, AuthError, TransportError): it depends on
 * nothing of the server, so it cannot import this file; `ctl` maps them onto the entries below (src/cli/ctl-errors.ts).
 */
export const ExitCode = {
  OK: 0,
  /** An unexpected failure (a bug): the message (and, outside `ctl`, the stack) is printed. */
  FAILURE: 1,
  /** Bad usage or configuration: options, model and firmware, data dir, certificate files, ports in use. */
  USAGE: 2,
  /** polysim ctl, compare: the phone could not be reached (connection, TLS, timeout). */
  TRANSPORT: 3,
  /** polysim ctl, compare: the phone refused the credentials. */
  AUTH: 4,
  /** polysim ctl: the phone answered a Status other than 2000. */
  STATUS: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

interface CatalogueEntry {
  readonly exit: ExitCodeValue;
  readonly meaning: string;
}

/** Every kind of polysim error: its exit code and meaning. */
export const ERRORS = {
  internal: { exit: ExitCode.FAILURE, meaning: 'an unexpected failure: a bug in polysim' },
  usage: { exit: ExitCode.USAGE, meaning: 'an option, a combination of options or a command that cannot work' },
  profile: { exit: ExitCode.USAGE, meaning: 'an unknown model, or a firmware the model does not run' },
  'data-dir': { exit: ExitCode.USAGE, meaning: 'a data dir that cannot be made or written' },
  file: { exit: ExitCode.USAGE, meaning: 'a file an option names that cannot be read: missing, not a regular file, or over 4 MB' },
  listen: { exit: ExitCode.USAGE, meaning: 'a port that is taken, or an address this machine does not have' },
  tls: { exit: ExitCode.USAGE, meaning: 'a certificate or key file that cannot be read or does not fit' },
  fleet: { exit: ExitCode.USAGE, meaning: 'a fleet that does not fit its ports or addresses' },
  descriptors: {
    exit: ExitCode.USAGE,
    meaning: 'more open files (sockets) than the process may have: ulimit -n, counted before a fleet starts, or met at a listen',
  },
  'fleet-file': { exit: ExitCode.USAGE, meaning: 'a fleet file that cannot be used' },
  unreachable: {
    exit: ExitCode.TRANSPORT,
    meaning: 'polysim ctl, compare: the phone could not be reached (connection, TLS, timeout) or has no REST API',
  },
  auth: { exit: ExitCode.AUTH, meaning: 'polysim ctl, compare: the phone refused the credentials' },
  status: { exit: ExitCode.STATUS, meaning: 'polysim ctl: the phone answered a Status other than 2000' },
  // Input from the wire, answered on the wire: never the end of the process (one that escapes is a bug).
  'cfg-file': { exit: ExitCode.FAILURE, meaning: 'a provisioned configuration file that cannot be read (the phone answers Status 5000)' },
  'sip-parse': { exit: ExitCode.FAILURE, meaning: 'a SIP message that cannot be parsed (the listener answers 400 or drops it)' },
} as const satisfies Readonly<Record<string, CatalogueEntry>>;

export type ErrorCode = keyof typeof ERRORS;

export class PolysimError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get exitCode(): ExitCodeValue {
    return ERRORS[this.code].exit;
  }
}

/** What is shown of an error where no exit code follows (logs, the control API): its code and message. */
export interface ErrorReport {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Any thrown value as a catalogue entry: a PolysimError keeps its code; anything else is `internal`. */
export function errorReport(err: unknown): ErrorReport {
  if (err instanceof PolysimError) return { code: err.code, message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** A command-line option or combination that cannot work. */
export class CliError extends PolysimError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** An unknown model, or a firmware the model does not run. */
export class ProfileError extends PolysimError {
  constructor(message: string) {
    super('profile', message);
  }
}

/** A data dir that cannot be made or written. */
export class DataDirError extends PolysimError {
  constructor(message: string) {
    super('data-dir', message);
  }
}

/** Why a file an option names could not be read: an errno code (ENOENT, EACCES, ...) or a few words. */
export class SmallFileError extends PolysimError {
  constructor(readonly reason: string) {
    super('file', reason);
  }
}

/** A port that is taken, or an address this machine does not have. */
export class ListenError extends PolysimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('listen', message, options);
  }
}

/** A certificate or key file that cannot be read or does not fit. */
export class TlsError extends PolysimError {
  constructor(message: string) {
    super('tls', message);
  }
}

/** A fleet that does not fit its ports or addresses. */
export class FleetError extends PolysimError {
  constructor(message: string) {
    super('fleet', message);
  }
}

/** More open files (listeners, connections) than the process may have: the limit, and how to raise it. */
export class DescriptorError extends PolysimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('descriptors', message, options);
  }
}

/** A fleet file that cannot be used: every problem, each with the path of its field and why. */
export class FleetFileError extends PolysimError {
  constructor(
    file: string,
    readonly problems: readonly string[],
  ) {
    super('fleet-file', `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
  }
}

/** A provisioned configuration file (.cfg XML) that cannot be read. */
export class CfgError extends PolysimError {
  constructor(message: string) {
    super('cfg-file', message);
  }
}

/** A SIP message that cannot be parsed. */
export class SipParseError extends PolysimError {
  constructor(message: string) {
    super('sip-parse', message);
  }
}
