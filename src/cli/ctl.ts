/**
 * `polysim ctl`: the PolyPhone client on the command line, for one phone (--host) or many (--hosts FILE) with
 * bounded concurrency. Exit codes, from the error catalogue (src/errors.ts): 0 done, 1 an unexpected (internal)
 * error, 2 usage, 3 the phone could not be reached (or has no such API), 4 authentication failed, 5 the phone
 * answered a Status error.
 */
import { CliError, ExitCode as EXIT, PolysimError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { AuthError, PolyError, PolyPhone, TransportError } from '@polysim/client';
import type { TlsTrust } from '@polysim/client';
import { COMMANDS } from './ctl-commands.js';
import { ctlFailure, jsonFailure, reportFailure } from './ctl-errors.js';
import { phoneReason } from './ctl-reason.js';
import type { ControlAccess } from './ctl-reason.js';
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
  /** polysim's control API, where a Status error's reason is looked up (the phone's journal). */
  control?: string;
  controlToken?: string;
}

/** Commands after which the phone goes away (reboots, restarts, or may restart to apply a configuration). */
const GOES_AWAY: Readonly<Record<string, readonly string[]>> = { device: ['reboot', 'restart', 'factory-reset', 'provision'] };

/**
 * --wait: after a command that takes the phone away, wait until it has gone (or, for a provisioning that
 * changed nothing needing a restart, until a short grace has passed) and then until it answers again, initialised
 * (callStatus no longer answers 5000, as phones answer while they start). `say` is told each change it sees.
 */
async function waitBack(
  phone: PolyPhone,
  awayGraceMs: number,
  timeoutMs: number,
  say: (line: string) => void = () => undefined,
): Promise<{ back: true; awayMs: number }> {
  const start = Date.now();
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
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
  const said = { down: 'down', starting: 'back, initialising' } as const;
  say('waiting for the phone to go down');
  let wentAway = 0;
  let last: 'down' | 'starting' | 'up' = 'up';
  while (Date.now() - start < awayGraceMs) {
    last = await answers();
    if (last !== 'up') {
      wentAway = Date.now();
      say(said[last]);
      break;
    }
    await pause(250);
  }
  if (!wentAway) {
    say(`it did not go away within ${seconds(awayGraceMs)}: ready`);
    return { back: true, awayMs: 0 };
  }
  while (Date.now() - start < timeoutMs) {
    const now = await answers();
    if (now === 'up') {
      const awayMs = Date.now() - wentAway;
      say(`ready (away ${seconds(awayMs)})`);
      return { back: true, awayMs };
    }
    if (now !== last) say(said[now]);
    last = now;
    await pause(250);
  }
  throw new TransportError(`did not come back within ${Math.round(timeoutMs / 1000)} s`);
}

/** The phone's URL as the client makes it of a host: HTTPS unless the host is a URL (or --insecure-http says HTTP). */
function phoneUrlOf(host: string, insecureHttp: boolean | undefined): string {
  return insecureHttp && !/^https?:/.test(host) ? `http://${host}` : host;
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
  progress: boolean,
): Promise<unknown> {
  const token = o.controlToken ?? io.env['POLYSIM_CONTROL_TOKEN'];
  const control: ControlAccess | undefined = o.control === undefined ? undefined : { url: o.control, token };
  const password = o.password ?? io.env['POLYSIM_PASSWORD'];
  if (!password) throw new CliError('no password: give --password or set POLYSIM_PASSWORD');
  const tls: TlsTrust = { ca, pinSha256: o.pin, selfSignedMac: o.mac, insecure: o.insecure };
  const url = phoneUrlOf(host, o.insecureHttp);
  // A host that makes no URL throws here, a usage error (ctlFailure).
  const phone = new PolyPhone({ host: url, user: o.user, password, auth: o.auth, tls });
  try {
    const fn = COMMANDS[group]?.[command];
    if (!fn) throw new CliError(`unknown command: ${group} ${command}`);
    const result = await fn(phone, args);
    if (o.wait && GOES_AWAY[group]?.includes(command)) {
      // Progress on stderr for one phone; with --hosts, the per-phone lines say enough.
      const say = progress ? (line: string): void => void io.stderr.write(`polysim ctl: ${host}: ${line}\n`) : undefined;
      const waited = await waitBack(phone, command === 'provision' ? 3_000 : 15_000, o.waitTimeout * 1000, say);
      return { ...(result !== null && typeof result === 'object' ? result : {}), ...waited };
    }
    return result;
  } catch (err) {
    if (!(err instanceof PolyError) || control === undefined) throw err;
    const reason = await phoneReason(control, new URL(/^https?:\/\//i.test(url) ? url : `https://${url}`), err);
    if (reason === undefined) throw err;
    throw new PolysimError('status', `Status ${err.code} (${err.meaning}): ${reason}`, { cause: err });
  } finally {
    await phone.close();
  }
}

export async function runCtl(o: CtlOptions, group: string, command: string, args: string[], io: CliIo): Promise<number> {
  if (!COMMANDS[group]?.[command]) {
    const list = Object.entries(COMMANDS)
      .map(([g, cs]) => `  ${g}: ${Object.keys(cs).join(', ')}`)
      .join('\n');
    if (o.json) return reportFailure(io, 'ctl', true, new CliError(`unknown command "${group} ${command}"`));
    io.stderr.write(`polysim ctl: unknown command "${group} ${command}"; commands:\n${list}\n`);
    return EXIT.USAGE;
  }
  if (o.control !== undefined && !URL.canParse(o.control))
    return reportFailure(io, 'ctl', o.json, new CliError(`--control ${o.control}: not a URL (e.g. http://127.0.0.1:8790)`));
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
      // The file's error (file: exit 2), named by the option and the file.
      const failure = ctlFailure(err);
      return reportFailure(io, 'ctl', o.json, new PolysimError(failure.code, `${option} ${file}: ${failure.message}`, { cause: err }));
    }
  }
  if (hostList === undefined) {
    if (!o.host) return reportFailure(io, 'ctl', o.json, new CliError('give --host (or --hosts FILE)'));
    try {
      const result = await runOne(o.host, o, ca, group, command, args, io, true);
      io.stdout.write(o.json ? `${JSON.stringify(result ?? { Status: '2000' }, null, 2)}\n` : format(result));
      return EXIT.OK;
    } catch (err) {
      return reportFailure(io, 'ctl', o.json, ctlFailure(err, o.host), o.host);
    }
  }
  const hosts = hostList
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
  const results: { host: string; ok: boolean; code: number; errorCode?: ErrorCode; result?: unknown; error?: string; status?: string }[] =
    new Array(hosts.length);
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
        results[i] = { host, ok: true, code: 0, result: await runOne(host, o, ca, group, command, args, io, false) };
      } catch (err) {
        results[i] = { host, ...jsonFailure(ctlFailure(err, host)) };
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
