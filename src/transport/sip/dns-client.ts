/**
 * DNS for server location (src/sip/server-location.ts) through node:dns: NAPTR and SRV from a Resolver (the
 * system's servers from /etc/resolv.conf, or the server given), addresses from the system's lookup (which reads
 * /etc/hosts too) or, with a server given, from its A and AAAA records (with their TTLs). Every lookup has a
 * deadline; a name without such records answers [].
 */
import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import type { NaptrRecord, SrvRecord } from 'node:dns';

/** An address and, from a DNS server, its time to live (s). */
export interface DnsAddress {
  readonly address: string;
  readonly ttl?: number;
}

/** The lookups server location makes (the user agent's DnsClient, src/sip/server-location.ts, has this shape). */
export interface SipDns {
  naptr(name: string): Promise<readonly NaptrRecord[]>;
  srv(name: string): Promise<readonly SrvRecord[]>;
  addresses(name: string): Promise<readonly DnsAddress[]>;
}

/** The deadline of one DNS lookup (c-ares tries twice within it). */
export const DNS_DEADLINE_MS = 4000;

export interface DnsClientOptions {
  /** A DNS server ("127.0.0.1:5353", "[::1]:53", "10.0.0.2"); absent: POLYSIM_DNS_SERVER, else the system's. */
  readonly server?: string;
  readonly deadlineMs?: number;
}

/** "No such records" in c-ares' words: an empty answer, not a failure. */
const NO_DATA = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

const resolvers = new Map<string, Resolver>();

/** One Resolver per server and deadline for the process: a fleet's phones share them (c-ares channels). */
function resolverFor(server: string | undefined, deadlineMs: number): Resolver {
  const key = `${server ?? ''}|${deadlineMs}`;
  let r = resolvers.get(key);
  if (!r) {
    r = new Resolver({ timeout: Math.max(1, Math.floor(deadlineMs / 2)), tries: 2 });
    if (server) r.setServers([server]);
    resolvers.set(key, r);
  }
  return r;
}

export function dnsClient(options: DnsClientOptions = {}): SipDns {
  const server = options.server ?? (process.env['POLYSIM_DNS_SERVER'] || undefined);
  const deadlineMs = options.deadlineMs ?? DNS_DEADLINE_MS;
  const resolver = resolverFor(server, deadlineMs);
  const bounded = async <T>(query: Promise<readonly T[]>): Promise<readonly T[]> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('DNS deadline'), { code: 'ETIMEOUT' })), deadlineMs);
    });
    try {
      return await Promise.race([query, deadline]);
    } catch (err) {
      if (NO_DATA.has((err as { code?: string }).code ?? '')) return [];
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    naptr: (name) => bounded(resolver.resolveNaptr(name)),
    srv: (name) => bounded(resolver.resolveSrv(name)),
    addresses: async (name) => {
      if (!server) {
        const all = await bounded(lookup(name, { all: true }));
        // IPv4 first: the phone's SIP socket is IPv4 unless it listens on IPv6
        return [...all].sort((a, b) => a.family - b.family).map((a): DnsAddress => ({ address: a.address }));
      }
      const [v4, v6] = await Promise.all([
        bounded(resolver.resolve4(name, { ttl: true })).catch((err: unknown) => err as Error),
        bounded(resolver.resolve6(name, { ttl: true })).catch((err: unknown) => err as Error),
      ]);
      if (v4 instanceof Error && v6 instanceof Error) throw v4;
      return [...(v4 instanceof Error ? [] : v4), ...(v6 instanceof Error ? [] : v6)];
    },
  };
}
