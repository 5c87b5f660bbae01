/**
 * `polysim ctl` on the phones of polysim shards (a fleet split over processes or pods, each with its control API):
 * the shards, given (--control, --controls) or found in DNS (--control-dns), are asked for their phones (GET
 * /phones), the phones picked (--where), and then listed (`phones list`), counted (`phones count [field]`) or each
 * driven with a ctl command through its shard's control API (`/phones/{i}/api/...`, which signs the request with the
 * phone's admin credentials: no password needed), --concurrency at once. A shard that cannot be asked is reported
 * and the others go on; the exit code is the highest of the shards' and the phones' (0 when all went well).
 */
import { PolyError, PolyPhone } from '@polysim/client';
import type { ControlPhone } from '@polysim/client';
import { CliError, ExitCode, PolysimError } from '../errors.js';
import { resolveShards } from '../control/shard-list.js';
import type { Shard } from '../control/shard-list.js';
import { ctlFailure, jsonFailure, reportFailure } from './ctl-errors.js';
import type { JsonFailure } from './ctl-errors.js';
import { fieldOf, matchesAll, parseCondition, valueOf } from './ctl-filter.js';
import type { Condition, Field, ShardPhone } from './ctl-filter.js';
import { format, summary } from './ctl-format.js';
import { reasonOfPhone } from './ctl-reason.js';
import { eachBounded, runCommand } from './ctl-run.js';
import type { CtlOptions } from './ctl-options.js';
import type { CliIo } from './io.js';

/** Commands only the shards' phones have: what their control APIs know. */
export const SHARD_COMMANDS: Readonly<Record<string, readonly string[]>> = { phones: ['list', 'count'] };

const LIST_TIMEOUT_MS = 10_000;

/** --control's URLs: repeated, or comma-separated. */
export function controlList(o: Pick<CtlOptions, 'control'>): string[] {
  return (o.control ?? [])
    .flatMap((c) => c.split(','))
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** How each shard answered: its phones, or why it could not be asked. */
type ShardReport = { readonly shard: string; readonly url: string } & (
  { readonly ok: true; readonly code: 0; readonly phones: number } | Omit<JsonFailure, 'host'>
);

interface Picked extends ShardPhone {
  readonly url: string;
  readonly described: ControlPhone;
}

async function phonesOf(shard: Shard, token: string | undefined): Promise<ControlPhone[]> {
  let res: Response;
  try {
    res = await fetch(new URL('/phones', shard.url), {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new PolysimError('unreachable', `its control API ${shard.url} does not answer (${why})`, { cause: err });
  }
  if (res.status === 401)
    throw new PolysimError('auth', `its control API ${shard.url} wants its token: --control-token or POLYSIM_CONTROL_TOKEN`);
  const body = res.ok ? ((await res.json().catch(() => undefined)) as unknown) : undefined;
  if (!Array.isArray(body)) throw new PolysimError('unreachable', `its control API ${shard.url}: GET /phones answered HTTP ${res.status}`);
  return body as ControlPhone[];
}

function rowOf(shard: Shard, p: ControlPhone): Picked {
  return {
    shard: shard.name,
    url: shard.url,
    index: p.index,
    model: p.model,
    family: p.family,
    firmware: p.firmware,
    dialect: p.dialect,
    number: p.number,
    state: p.state,
    registered: p.registered,
    calls: p.calls.length,
    mac: p.mac,
    serial: p.serial,
    locked: p.locked,
    user: p.user ?? '',
    described: p,
  };
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const json = (io: CliIo, value: unknown): void => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `phones count [field]`: how many phones picked, by the field's values (by shard: every shard that answered). */
function count(io: CliIo, o: CtlOptions, field: Field, picked: readonly Picked[], reports: readonly ShardReport[]): void {
  const counts = new Map<string, number>();
  if (field === 'shard') for (const r of reports) if (r.ok) counts.set(r.shard, 0);
  for (const p of picked) {
    const v = typeof p[field] === 'boolean' ? yesNo(p[field] as boolean) : valueOf(p, field);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  // Shards in the order given (or resolved); other values sorted.
  const sorted = field === 'shard' ? [...counts] : [...counts].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  if (o.json) json(io, { shards: reports, by: field, total: picked.length, counts: Object.fromEntries(sorted) });
  else
    io.stdout.write(format([...sorted.map(([value, n]) => ({ [field]: value, phones: n })), { [field]: 'total', phones: picked.length }]));
}

/** Any other command: on each phone picked, through its shard's control API. */
async function act(
  io: CliIo,
  o: CtlOptions,
  token: string | undefined,
  picked: readonly Picked[],
  group: string,
  command: string,
  args: string[],
): Promise<(JsonFailure | { ok: true; code: 0; result: unknown })[]> {
  const headers: Record<string, string> = { 'x-polysim': '1', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const password = o.password ?? io.env['POLYSIM_PASSWORD'] ?? '';
  const results: (JsonFailure | { ok: true; code: 0; result: unknown })[] = new Array(picked.length);
  const tty = io.stderr.isTTY === true;
  await eachBounded(
    picked,
    o.concurrency,
    async (p, i) => {
      const phone = new PolyPhone({ host: `${p.url}/phones/${p.index}`, user: o.user, password, auth: o.auth, headers });
      try {
        results[i] = { ok: true, code: 0, result: await runCommand(phone, o, group, command, args) };
      } catch (err) {
        let failure = ctlFailure(err);
        if (err instanceof PolyError) {
          const reason = await reasonOfPhone({ url: p.url, token }, p.index, err);
          if (reason !== undefined) failure = new PolysimError('status', `${failure.message}: ${reason}`, { cause: err });
        }
        results[i] = jsonFailure(failure);
      } finally {
        await phone.close();
      }
      const r = results[i];
      if (!tty) io.stderr.write(`${p.shard} phone ${p.index}: ${r?.ok ? 'ok' : `failed: ${r?.error ?? ''}`}\n`);
    },
    tty ? io.stderr : undefined,
  );
  return results;
}

export async function runShards(
  o: CtlOptions,
  fileUrls: readonly string[],
  group: string,
  command: string,
  args: string[],
  io: CliIo,
): Promise<number> {
  const token = o.controlToken ?? io.env['POLYSIM_CONTROL_TOKEN'];
  let conditions: Condition[];
  let shards: Shard[];
  let field: Field = 'shard';
  try {
    conditions = (o.where ?? []).map(parseCondition);
    if (group === 'phones' && command === 'count' && args[0] !== undefined) field = fieldOf(args[0], 'phones count');
    shards = await resolveShards({ urls: [...controlList(o), ...fileUrls], dns: o.controlDns, dnsServer: o.dnsServer });
    if (shards.length === 0) throw new CliError('no shards: the --controls file lists no control API');
  } catch (err) {
    return reportFailure(io, 'ctl', o.json, ctlFailure(err));
  }

  // Every shard asked for its phones; one that cannot be asked is said, and the others go on.
  const reports: ShardReport[] = new Array(shards.length);
  const lists: Picked[][] = new Array(shards.length);
  await eachBounded(shards, o.concurrency, async (shard, i) => {
    try {
      const phones = await phonesOf(shard, token);
      lists[i] = phones.map((p) => rowOf(shard, p));
      reports[i] = { shard: shard.name, url: shard.url, ok: true, code: 0, phones: phones.length };
    } catch (err) {
      const failure = ctlFailure(err);
      lists[i] = [];
      reports[i] = { shard: shard.name, url: shard.url, ...jsonFailure(failure) };
      if (!o.json) io.stderr.write(`polysim ctl: shard ${shard.name}: ${failure.message}\n`);
    }
  });
  const picked = lists.flat().filter((p) => matchesAll(p, conditions));
  const shardCode = reports.reduce((max, r) => Math.max(max, r.code), 0);
  const asked = reports.filter((r) => r.ok).length;
  const shardsSaid = `${asked} of ${shards.length} shard${shards.length === 1 ? '' : 's'}`;

  if (group === 'phones' && command === 'list') {
    if (o.json) json(io, { shards: reports, phones: picked.map((p) => ({ shard: p.shard, ...p.described })) });
    else
      io.stdout.write(
        format(
          picked.map((p) => ({
            shard: p.shard,
            phone: p.index,
            model: p.model,
            firmware: p.firmware,
            number: p.number,
            state: p.state,
            registered: yesNo(p.registered),
            calls: p.calls,
          })),
        ),
      );
    io.stderr.write(`${picked.length} phones on ${shardsSaid}\n`);
    return shardCode;
  }
  if (group === 'phones' && command === 'count') {
    count(io, o, field, picked, reports);
    if (!o.json) io.stderr.write(`${picked.length} phones on ${shardsSaid}\n`);
    return shardCode;
  }

  const results = await act(io, o, token, picked, group, command, args);
  if (o.json)
    json(io, {
      shards: reports,
      results: picked.map((p, i) => ({ shard: p.shard, phone: p.index, number: p.number, ...results[i] })),
    });
  else
    io.stdout.write(
      format(
        picked.map((p, i) => {
          const r = results[i];
          return {
            shard: p.shard,
            phone: p.index,
            number: p.number,
            result: r?.ok ? 'ok' : 'failed',
            detail: r?.ok ? summary(r.result) : (r?.error ?? ''),
          };
        }),
      ),
    );
  const failed = results.filter((r) => !r.ok).length;
  io.stderr.write(`${picked.length - failed} of ${picked.length} phones done, on ${shardsSaid}\n`);
  return results.reduce((max, r) => Math.max(max, r.code), shardCode || ExitCode.OK);
}
