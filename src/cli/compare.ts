/** `polysim compare --real <url> --sim <url>`: the differences in shape, operation by operation. */
import { PolyError } from '@polysim/client';
import { compare, CompareStopped, formatReport, httpStatusOf } from '../compare/compare.js';
import type { UnusablePhone } from '../compare/compare.js';
import { CliError, ExitCode, PolysimError } from '../errors.js';
import { ctlFailure, reportFailure } from './ctl-errors.js';
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

/** Why a phone cannot be compared, as a catalogue entry: a 403 refuses the credentials (auth) as a 401 does. */
function unusableFailure(p: UnusablePhone): PolysimError {
  const option = p.side === 'real' ? '--real' : '--sim';
  if (httpStatusOf(p.error) === 403) {
    const status = p.error instanceof PolyError ? `, Status ${p.error.code}` : '';
    return new PolysimError('auth', `${option} ${p.host}: refused (HTTP 403${status}): locked out, or not allowed`, { cause: p.error });
  }
  const failure = ctlFailure(p.error, p.host);
  return new PolysimError(failure.code, `${option} ${p.host}: ${failure.message}`, { cause: p.error });
}

/**
 * Exit 0 when the answers have the same shape, 1 when they differ, 2 on bad usage (a --real or --sim that is no URL),
 * 3 when a phone cannot be reached, 4 when it refuses the credentials (HTTP 401 or 403): the catalogue's codes, as
 * `ctl` exits. A phone that cannot be reached or refuses gives no report: its failures are not answers to compare.
 */
export async function runCompare(o: CompareOptions, io: CliIo): Promise<number> {
  const password = o.password ?? io.env['POLYSIM_PASSWORD'];
  if (!password) return reportFailure(io, 'compare', o.json, new CliError('give --password or set POLYSIM_PASSWORD'));
  const tls = o.insecure ? { insecure: true } : {};
  try {
    const reports = await compare(
      { host: o.real, user: o.user, password, tls },
      { host: o.sim, user: o.user, password: o.simPassword ?? password, tls },
    );
    io.stdout.write(o.json ? `${JSON.stringify(reports, null, 2)}\n` : formatReport(reports));
    return reports.some((r) => r.differences.length > 0) ? 1 : ExitCode.OK;
  } catch (err) {
    if (!(err instanceof CompareStopped)) return reportFailure(io, 'compare', o.json, ctlFailure(err));
    const failures = err.phones.map(unusableFailure);
    // Each phone's failure on a line; the worst decides the exit code (and, with --json, the error's code).
    const worst = failures.reduce((a, b) => (b.exitCode > a.exitCode ? b : a));
    if (o.json)
      return reportFailure(io, 'compare', true, new PolysimError(worst.code, failures.map((f) => f.message).join('; '), { cause: worst }));
    for (const f of failures) reportFailure(io, 'compare', false, f);
    return worst.exitCode;
  }
}
