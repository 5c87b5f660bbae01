/** `polysim compare --real <url> --sim <url>`: the differences in shape, operation by operation. */
import { compare, formatReport } from '../compare/compare.js';
import { ExitCode } from '../errors.js';
import { ctlFailure } from './ctl-errors.js';
import type { CliIo } from './io.js';

export interface CompareOptions {
  real: string;
  sim: string;
  user: string;
  password?: string;
  simPassword?: string;
  insecure?: boolean;
  json?: boolean;
}

/**
 * Exit 0 when the answers have the same shape, 1 when they differ, 2 on bad usage (a --real or --sim that is no URL),
 * 3 when a phone cannot be reached, 4 when it refuses the credentials: the catalogue's codes, as `ctl` exits.
 */
export async function runCompare(o: CompareOptions, io: CliIo): Promise<number> {
  const password = o.password ?? io.env['POLYSIM_PASSWORD'];
  if (!password) {
    io.stderr.write('polysim compare: give --password or set POLYSIM_PASSWORD\n');
    return ExitCode.USAGE;
  }
  const tls = o.insecure ? { insecure: true } : {};
  try {
    const reports = await compare(
      { host: o.real, user: o.user, password, tls },
      { host: o.sim, user: o.user, password: o.simPassword ?? password, tls },
    );
    io.stdout.write(o.json ? `${JSON.stringify(reports, null, 2)}\n` : formatReport(reports));
    return reports.some((r) => r.differences.length > 0) ? 1 : ExitCode.OK;
  } catch (err) {
    const failure = ctlFailure(err);
    io.stderr.write(`polysim compare: ${failure.message}\n`);
    return failure.exitCode;
  }
}
