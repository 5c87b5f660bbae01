/** Where a CLI command writes and what it reads of its surroundings: the process's, or a test's. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** In-process runs (tests): a started phone or fleet stops when this aborts, as on SIGTERM. */
  readonly signal?: AbortSignal;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
