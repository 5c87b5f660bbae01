/**
 * polysim's own errors, apart from the manual's Status codes (src/phone/status.ts): what stops a phone or the
 * command line from starting, each kind with the exit code `polysim` ends with. One catalogue, so the CLI maps an
 * error to its exit code in one place and the README's table stays true.
 */
export const ExitCode = {
  OK: 0,
  /** An unexpected failure (a bug): the stack is printed. */
  FAILURE: 1,
  /** Bad usage or configuration: options, model and firmware, data dir, certificate files, ports in use. */
  USAGE: 2,
  /** polysim ctl: the phone could not be reached (connection, TLS, timeout). */
  TRANSPORT: 3,
  /** polysim ctl: the phone refused the credentials. */
  AUTH: 4,
  /** polysim ctl: the phone answered a Status other than 2000. */
  STATUS: 5,
} as const;

export type ErrorKind = 'usage' | 'profile' | 'data-dir' | 'listen' | 'tls' | 'fleet' | 'fleet-file';

const EXIT_OF: Readonly<Record<ErrorKind, number>> = {
  usage: ExitCode.USAGE, profile: ExitCode.USAGE, 'data-dir': ExitCode.USAGE, listen: ExitCode.USAGE, tls: ExitCode.USAGE,
  fleet: ExitCode.USAGE, 'fleet-file': ExitCode.USAGE,
};

export class PolysimError extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
    this.name = new.target.name;
  }

  get exitCode(): number {
    return EXIT_OF[this.kind];
  }
}

/** A command-line option or combination that cannot work. */
export class CliError extends PolysimError {
  constructor(message: string) { super('usage', message); }
}

/** An unknown model, or a firmware the model does not run. */
export class ProfileError extends PolysimError {
  constructor(message: string) { super('profile', message); }
}

/** A data dir that cannot be made or written. */
export class DataDirError extends PolysimError {
  constructor(message: string) { super('data-dir', message); }
}

/** A port that is taken, or an address this machine does not have. */
export class ListenError extends PolysimError {
  constructor(message: string) { super('listen', message); }
}

/** A certificate or key file that cannot be read or does not fit. */
export class TlsError extends PolysimError {
  constructor(message: string) { super('tls', message); }
}

/** Work that was waiting when its fleet failed to start (e.g. a certificate not made): nothing to report. */
export class StartAborted extends Error {}

/** A fleet that does not fit its ports or addresses. */
export class FleetError extends PolysimError {
  constructor(message: string) { super('fleet', message); }
}

/** A fleet file that cannot be used: every problem, each with the path of its field and why. */
export class FleetFileError extends PolysimError {
  constructor(file: string, readonly problems: readonly string[]) {
    super('fleet-file', `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
  }
}
