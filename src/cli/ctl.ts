/**
 * `polysim ctl`: the PolyPhone client on the command line, for one phone (--host) or many (--hosts FILE) with
 * bounded concurrency. Exit codes: 0 done, 2 usage, 3 the phone could not be reached (or has no such API),
 * 4 authentication failed, 5 the phone answered a Status error.
 */
import { ExitCode as EXIT } from '../errors.js';
import { readFileSync } from 'node:fs';
import { AuthError, PolyError, PolyPhone, TransportError } from '@polysim/client';
import type { TlsTrust } from '@polysim/client';
import { COMMANDS, UsageError } from './ctl-commands.js';
import { format } from './ctl-format.js';

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
}

export { EXIT };

function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof AuthError) return EXIT.AUTH;
  if (err instanceof PolyError) return EXIT.STATUS;
  return EXIT.TRANSPORT;
}

/** One phone's result in a table cell: the answer's values, compact. */
function summary(result: unknown): string {
  if (result === undefined || result === null) return '';
  if (typeof result !== 'object') return String(result);
  const text = JSON.stringify(result);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(err: unknown): string {
  if (err instanceof PolyError) return `Status ${err.code} (${err.meaning})`;
  if (err instanceof AuthError || err instanceof TransportError || err instanceof UsageError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

async function runOne(host: string, o: CtlOptions, group: string, command: string, args: string[]): Promise<unknown> {
  const password = o.password ?? process.env['POLYSIM_PASSWORD'];
  if (!password) throw new UsageError('no password: give --password or set POLYSIM_PASSWORD');
  const tls: TlsTrust = { ca: o.ca ? readFileSync(o.ca, 'utf8') : undefined, pinSha256: o.pin, selfSignedMac: o.mac, insecure: o.insecure };
  const phone = new PolyPhone({ host: o.insecureHttp && !/^https?:/.test(host) ? `http://${host}` : host, user: o.user, password, auth: o.auth, tls });
  try {
    const fn = COMMANDS[group]?.[command];
    if (!fn) throw new UsageError(`unknown command: ${group} ${command}`);
    return await fn(phone, args);
  } finally {
    await phone.close();
  }
}

export async function runCtl(o: CtlOptions, group: string, command: string, args: string[]): Promise<number> {
  if (!COMMANDS[group]?.[command]) {
    const list = Object.entries(COMMANDS).map(([g, cs]) => `  ${g}: ${Object.keys(cs).join(', ')}`).join('\n');
    process.stderr.write(`polysim ctl: unknown command "${group} ${command}"; commands:\n${list}\n`);
    return EXIT.USAGE;
  }
  if (!o.hosts) {
    if (!o.host) {
      process.stderr.write('polysim ctl: give --host (or --hosts FILE)\n');
      return EXIT.USAGE;
    }
    try {
      const result = await runOne(o.host, o, group, command, args);
      process.stdout.write(o.json ? `${JSON.stringify(result ?? { Status: '2000' }, null, 2)}\n` : format(result));
      return EXIT.OK;
    } catch (err) {
      process.stderr.write(`polysim ctl: ${o.host}: ${describe(err)}\n`);
      return exitCodeOf(err);
    }
  }
  const hosts = readFileSync(o.hosts, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
  const results: { host: string; ok: boolean; code: number; result?: unknown; error?: string }[] = new Array(hosts.length);
  let next = 0;
  let done = 0;
  // A progress bar on a terminal; plain lines, one per phone, anywhere else (logs, pipes, CI).
  const tty = process.stderr.isTTY === true;
  const progress = (): void => {
    if (!tty) return;
    const width = 30;
    const filled = Math.round((done / hosts.length) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${hosts.length}`);
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= hosts.length) return;
      const host = hosts[i] as string;
      try {
        results[i] = { host, ok: true, code: 0, result: await runOne(host, o, group, command, args) };
      } catch (err) {
        results[i] = { host, ok: false, code: exitCodeOf(err), error: describe(err) };
      }
      done++;
      if (!tty) process.stderr.write(`${host}: ${results[i]?.ok ? 'ok' : `failed: ${results[i]?.error ?? ''}`}\n`);
      progress();
    }
  };
  progress();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, hosts.length)) }, worker));
  if (tty) process.stderr.write('\n');
  if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(format(results.map((r) => ({ host: r.host, result: r.ok ? 'ok' : 'failed', detail: r.ok ? summary(r.result) : r.error ?? '' }))));
  const failed = results.filter((r) => !r.ok);
  process.stderr.write(`${hosts.length - failed.length} of ${hosts.length} phones done\n`);
  return failed.reduce((max, r) => Math.max(max, r.code), 0);
}
