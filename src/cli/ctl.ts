/**
 * `polysim ctl`: the PolyPhone client on the command line, for one phone (--host), many (--hosts FILE) or the phones
 * of polysim shards through their control APIs (--control, --controls, --control-dns: ctl-shards.ts), with bounded
 * concurrency. Exit codes, from the error catalogue (src/errors.ts): 0 done, 1 an unexpected (internal)
 * error, 2 usage, 3 the phone could not be reached (or has no such API), 4 authentication failed, 5 the phone
 * answered a Status error.
 */
import { CliError, ExitCode as EXIT, PolysimError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { PolyError, PolyPhone } from '@polysim/client';
import type { TlsTrust } from '@polysim/client';
import { COMMANDS } from './ctl-commands.js';
import { ctlFailure, jsonFailure, reportFailure } from './ctl-errors.js';
import { phoneReason } from './ctl-reason.js';
import { format, summary } from './ctl-format.js';
import { eachBounded, runCommand } from './ctl-run.js';
import { controlList, runShards, SHARD_COMMANDS } from './ctl-shards.js';
import type { CliIo } from './io.js';
import type { CtlOptions } from './ctl-options.js';
import { readSmallFile } from '../small-file.js';

export type { CtlOptions };

/** The phone's URL as the client makes it of a host: HTTPS unless the host is a URL (or --insecure-http says HTTP). */
function phoneUrlOf(host: string, insecureHttp: boolean | undefined): string {
  return insecureHttp && !/^https?:/.test(host) ? `http://${host}` : host;
}

export { EXIT };

/** A file's entries: one a line, # comments and blank lines aside. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
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
  const controls = controlList(o).map((url) => ({ url, token }));
  const password = o.password ?? io.env['POLYSIM_PASSWORD'];
  if (!password) throw new CliError('no password: give --password or set POLYSIM_PASSWORD');
  const tls: TlsTrust = { ca, pinSha256: o.pin, selfSignedMac: o.mac, insecure: o.insecure };
  const url = phoneUrlOf(host, o.insecureHttp);
  // A host that makes no URL throws here, a usage error (ctlFailure).
  const phone = new PolyPhone({ host: url, user: o.user, password, auth: o.auth, tls });
  try {
    // Progress on stderr for one phone; with --hosts, the per-phone lines say enough.
    const say = progress ? (line: string): void => void io.stderr.write(`polysim ctl: ${host}: ${line}\n`) : undefined;
    return await runCommand(phone, o, group, command, args, say);
  } catch (err) {
    if (!(err instanceof PolyError)) throw err;
    let reason: string | undefined;
    for (const control of controls) {
      reason ??= await phoneReason(control, new URL(/^https?:\/\//i.test(url) ? url : `https://${url}`), err);
    }
    if (reason === undefined) throw err;
    throw new PolysimError('status', `Status ${err.code} (${err.meaning}): ${reason}`, { cause: err });
  } finally {
    await phone.close();
  }
}

export async function runCtl(o: CtlOptions, group: string, command: string, args: string[], io: CliIo): Promise<number> {
  const shards =
    o.host === undefined && o.hosts === undefined && (controlList(o).length > 0 || o.controls !== undefined || o.controlDns !== undefined);
  if (!COMMANDS[group]?.[command] && !(shards && SHARD_COMMANDS[group]?.includes(command))) {
    const list = Object.entries({ ...COMMANDS, ...SHARD_COMMANDS })
      .map(([g, cs]) => `  ${g}: ${(Array.isArray(cs) ? cs : Object.keys(cs)).join(', ')}`)
      .join('\n');
    if (o.json) return reportFailure(io, 'ctl', true, new CliError(`unknown command "${group} ${command}"`));
    io.stderr.write(`polysim ctl: unknown command "${group} ${command}"; commands:\n${list}\n`);
    return EXIT.USAGE;
  }
  const bad = controlList(o).find((c) => !URL.canParse(c));
  if (bad !== undefined) return reportFailure(io, 'ctl', o.json, new CliError(`--control ${bad}: not a URL (e.g. http://127.0.0.1:8790)`));
  if ((o.where?.length ?? 0) > 0 && !shards)
    return reportFailure(
      io,
      'ctl',
      o.json,
      new CliError('--where picks phones of shards: give --control, --controls or --control-dns, without --host(s)'),
    );
  // Files the options name are read once, before any phone is asked: a bad one is a usage error.
  let ca: string | undefined;
  let hostList: string | undefined;
  let controlFile: string | undefined;
  for (const [option, file] of [
    ['--ca', o.ca],
    ['--hosts', o.hosts],
    ['--controls', o.controls],
  ] as const) {
    if (file === undefined) continue;
    try {
      const text = readSmallFile(file);
      if (option === '--ca') ca = text;
      else if (option === '--hosts') hostList = text;
      else controlFile = text;
    } catch (err) {
      // The file's error (file: exit 2), named by the option and the file.
      const failure = ctlFailure(err);
      return reportFailure(io, 'ctl', o.json, new PolysimError(failure.code, `${option} ${file}: ${failure.message}`, { cause: err }));
    }
  }
  if (shards) return runShards(o, controlFile === undefined ? [] : lines(controlFile), group, command, args, io);
  if (hostList === undefined) {
    if (!o.host) return reportFailure(io, 'ctl', o.json, new CliError('give --host (or --hosts FILE, or the shards: --control URL)'));
    try {
      const result = await runOne(o.host, o, ca, group, command, args, io, true);
      io.stdout.write(o.json ? `${JSON.stringify(result ?? { Status: '2000' }, null, 2)}\n` : format(result));
      return EXIT.OK;
    } catch (err) {
      return reportFailure(io, 'ctl', o.json, ctlFailure(err, o.host), o.host);
    }
  }
  const hosts = lines(hostList);
  const results: { host: string; ok: boolean; code: number; errorCode?: ErrorCode; result?: unknown; error?: string; status?: string }[] =
    new Array(hosts.length);
  // A progress bar on a terminal; plain lines, one per phone, anywhere else (logs, pipes, CI).
  const tty = io.stderr.isTTY === true;
  await eachBounded(
    hosts,
    o.concurrency,
    async (host, i) => {
      try {
        results[i] = { host, ok: true, code: 0, result: await runOne(host, o, ca, group, command, args, io, false) };
      } catch (err) {
        results[i] = { host, ...jsonFailure(ctlFailure(err, host)) };
      }
      if (!tty) io.stderr.write(`${host}: ${results[i]?.ok ? 'ok' : `failed: ${results[i]?.error ?? ''}`}\n`);
    },
    tty ? io.stderr : undefined,
  );
  if (o.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    io.stdout.write(
      format(results.map((r) => ({ host: r.host, result: r.ok ? 'ok' : 'failed', detail: r.ok ? summary(r.result) : (r.error ?? '') }))),
    );
  const failed = results.filter((r) => !r.ok);
  io.stderr.write(`${hosts.length - failed.length} of ${hosts.length} phones done\n`);
  return failed.reduce((max, r) => Math.max(max, r.code), 0);
}
