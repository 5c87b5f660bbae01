/**
 * The shards of a fleet split over processes or pods, each with its control API: given as URLs, or found in DNS (a
 * Kubernetes headless Service resolves one name to every shard's pod address: one control URL per A or AAAA
 * record). `polysim ctl` and the dashboard's peers (--peer-control, --peers-dns) both find their shards here.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CliError, PolysimError } from '../errors.js';

export interface Shard {
  /** How the shard is named wherever it is shown: its control API's host:port. */
  readonly name: string;
  /** Its control API's origin, e.g. http://10.0.0.5:8790. */
  readonly url: string;
}

/** Where the shards are: control URLs, and/or a DNS name with the control port, asked of the system or of a server. */
export interface ShardSource {
  readonly urls?: readonly string[];
  /** `name:port`: every address the name resolves to is a shard, its control API on that port. */
  readonly dns?: string;
  /** Ask this DNS server (`ip` or `ip:port`) for A and AAAA records instead of the system's resolver. */
  readonly dnsServer?: string;
}

const DNS_TIMEOUT_MS = 3_000;

/** A control URL as a shard; a usage error when it is not an http(s) URL. */
export function shardOf(url: string, option = '--control'): Shard {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !/^https?:$/.test(parsed.protocol))
    throw new CliError(`${option} ${url}: not a control API URL (e.g. http://127.0.0.1:8790)`);
  return { name: parsed.host, url: parsed.origin };
}

/** `name:port` (or `[v6]:port`) of --control-dns and --peers-dns; a usage error otherwise. */
export function dnsTarget(value: string, option: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new CliError(`${option} ${value}: expected name:port, e.g. polysim-shards:8790`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

const urlFor = (address: string, port: number): string => `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;

/** Every address of `host`: its A and AAAA records, from `server` or (without) from the system's resolver. */
async function addresses(host: string, server: string | undefined): Promise<string[]> {
  if (isIP(host)) return [host];
  if (server === undefined) return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 2 });
  try {
    resolver.setServers([server]);
  } catch {
    throw new CliError(`--dns-server ${server}: expected an IP address, with :port if not 53 (e.g. 10.96.0.10 or 127.0.0.1:5353)`);
  }
  const found = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const all = found.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (all.length === 0) {
    const first = found.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw first?.reason ?? new Error('no address');
  }
  return all;
}

/** The shards a source names, each once, in a stable order (addresses sorted); DNS failures are `unreachable`. */
export async function resolveShards(source: ShardSource, dnsOption = '--control-dns'): Promise<Shard[]> {
  const shards = (source.urls ?? []).map((u) => shardOf(u));
  if (source.dns !== undefined) {
    const { host, port } = dnsTarget(source.dns, dnsOption);
    let found: string[];
    try {
      found = await addresses(host, source.dnsServer);
    } catch (err) {
      if (err instanceof CliError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new PolysimError('unreachable', `${dnsOption} ${source.dns}: ${host} does not resolve (${code})`, { cause: err });
    }
    const sorted = [...new Set(found)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    shards.push(...sorted.map((a) => shardOf(urlFor(a, port), dnsOption)));
  }
  const seen = new Set<string>();
  return shards.filter((s) => !seen.has(s.url) && seen.add(s.url));
}
