/**
 * `polysim ctl`: the PolyPhone client on the command line, for one phone (--host) or many (--hosts FILE) with
 * bounded concurrency. Exit codes, from the error catalogue (src/errors.ts): 0 done, 1 an unexpected (internal)
 * error, 2 usage, 3 the phone could not be reached (or has no such API), 4 authentication failed, 5 the phone
 * answered a Status error.
 */
import { CliError, ExitCode as EXIT } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { AuthError, PolyError, PolyPhone, TransportError } from '@polysim/client';
import type { TlsTrust } from '@polysim/client';
import { COMMANDS } from './ctl-commands.js';
import { ctlFailure } from './ctl-errors.js';
import { flatten, format } from './ctl-format.js';
import type { CliIo } from './io.js';
import { readSmallFile } from '../small-file.js';

export interface CtlOptions {
  host?: string;
  hosts?: string;
  user: string;
  password?: string;
  auth: 'auto' | 'basic' | 'digest' | 'session';
  json?: boolean;
  ca?: string;
  pin?: string;
  mac?: string;
  insecureHttp?: boolean;
  concurrency: number;
  insecure?: boolean;
  wait?: boolean;
  waitTimeout: number;
}

/** Commands after which the phone goes away (reboots, restarts, or may restart to apply a configuration). */
const GOES_AWAY: Readonly<Record<string, readonly string[]>> = { device: ['reboot', 'restart', 'factory-reset', 'provision'] };

/**
 * --wait: after a command that takes the phone away, wait until it has gone (or, for a provisioning that
 * changed nothing needing a restart, until a short grace has passed) and then until it answers again, initialised
 * (callStatus no longer answers 5000, as phones answer while they start).
 */
async function waitBack(phone: PolyPhone, awayGraceMs: number, timeoutMs: number): Promise<{ back: true; awayMs: number }> {
  const start = Date.now();
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const answers = async (): Promise<'down' | 'starting' | 'up'> => {
    try {
      await phone.callctrl.callStatus();
      return 'up';
    } catch (err) {
      if (err instanceof PolyError) return err.code === '5000' ? 'starting' : 'up';
      if (err instanceof AuthError) return 'up';
      return 'down';
    }
  };
  let wentAway = 0;
  while (Date.now() - start < awayGraceMs) {
    if ((await answers()) !== 'up') {
      wentAway = Date.now();
      break;
    }
    await pause(250);
  }
  if (!wentAway) return { back: true, awayMs: 0 };
  while (Date.now() - start < timeoutMs) {
    if ((await answers()) === 'up') return { back: true, awayMs: Date.now() - wentAway };
    await pause(250);
  }
  throw new TransportError(`did not come back within ${Math.round(timeoutMs / 1000)} s`);
}

export { EXIT };

/** One phone's result in a table cell: the answer's values, compact (the table cuts it to fit). */
function summary(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result !== 'object') return String(result);
  return Object.entries(flatten(result))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

async function runOne(
  host: string,
  o: CtlOptions,
  ca: string | undefined,
  group: string,
  command: string,
  args: string[],
  io: CliIo,
): Promise<unknown> {
  const password = o.password ?? io.env['POLYSIM_PASSWORD'];
  if (!password) throw new CliError('no password: give --password or set POLYSIM_PASSWORD');
  const tls: TlsTrust = { ca, pinSha256: o.pin, selfSignedMac: o.mac, insecure: o.insecure };
  // A host that makes no URL throws here, a usage error (ctlFailure).
  const phone = new PolyPhone({
    host: o.insecureHttp && !/^https?:/.test(host) ? `http://${host}` : host,
    user: o.user,
    password,
    auth: o.auth,
    tls,
  });
  try {
    const fn = COMMANDS[group]?.[command];
    if (!fn) throw new CliError(`unknown command: ${group} ${command}`);
    const result = await fn(phone, args);
    if (o.wait && GOES_AWAY[group]?.includes(command)) {
      const waited = await waitBack(phone, command === 'provision' ? 3_000 : 15_000, o.waitTimeout * 1000);
      return { ...(result !== null && typeof result === 'object' ? result : {}), ...waited };
    }
    return result;
  } finally {
    await phone.close();
  }
}

export async function runCtl(o: CtlOptions, group: string, command: string, args: string[], io: CliIo): Promise<number> {
  if (!COMMANDS[group]?.[command]) {
    const list = Object.entries(COMMANDS)
      .map(([g, cs]) => `  ${g}: ${Object.keys(cs).join(', ')}`)
      .join('\n');
    io.stderr.write(`polysim ctl: unknown command "${group} ${command}"; commands:\n${list}\n`);
    return EXIT.USAGE;
  }
  // Files the options name are read once, before any phone is asked: a bad one is a usage error.
  let ca: string | undefined;
  let hostList: string | undefined;
  for (const [option, file] of [
    ['--ca', o.ca],
    ['--hosts', o.hosts],
  ] as const) {
    if (file === undefined) continue;
    try {
      const text = readSmallFile(file);
      if (option === '--ca') ca = text;
      else hostList = text;
    } catch (err) {
      io.stderr.write(`polysim ctl: ${option} ${file}: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
  }
  if (hostList === undefined) {
    if (!o.host) {
      io.stderr.write('polysim ctl: give --host (or --hosts FILE)\n');
      return EXIT.USAGE;
    }
    try {
      const result = await runOne(o.host, o, ca, group, command, args, io);
      io.stdout.write(o.json ? `${JSON.stringify(result ?? { Status: '2000' }, null, 2)}\n` : format(result));
      return EXIT.OK;
    } catch (err) {
      const failure = ctlFailure(err);
      io.stderr.write(`polysim ctl: ${o.host}: ${failure.message}\n`);
      return failure.exitCode;
    }
  }
  const hosts = hostList
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
  const results: { host: string; ok: boolean; code: number; errorCode?: ErrorCode; result?: unknown; error?: string }[] = new Array(
    hosts.length,
  );
  let next = 0;
  let done = 0;
  // A progress bar on a terminal; plain lines, one per phone, anywhere else (logs, pipes, CI).
  const tty = io.stderr.isTTY === true;
  const progress = (): void => {
    if (!tty) return;
    const width = 30;
    const filled = Math.round((done / hosts.length) * width);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${hosts.length}`);
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= hosts.length) return;
      const host = hosts[i] as string;
      try {
        results[i] = { host, ok: true, code: 0, result: await runOne(host, o, ca, group, command, args, io) };
      } catch (err) {
        const failure = ctlFailure(err);
        results[i] = { host, ok: false, code: failure.exitCode, errorCode: failure.code, error: failure.message };
      }
      done++;
      if (!tty) io.stderr.write(`${host}: ${results[i]?.ok ? 'ok' : `failed: ${results[i]?.error ?? ''}`}\n`);
      progress();
    }
  };
  progress();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, hosts.length)) }, worker));
  if (tty) io.stderr.write('\n');
  if (o.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    io.stdout.write(
      format(results.map((r) => ({ host: r.host, result: r.ok ? 'ok' : 'failed', detail: r.ok ? summary(r.result) : (r.error ?? '') }))),
    );
  const failed = results.filter((r) => !r.ok);
  io.stderr.write(`${hosts.length - failed.length} of ${hosts.length} phones done\n`);
  return failed.reduce((max, r) => Math.max(max, r.code), 0);
}
