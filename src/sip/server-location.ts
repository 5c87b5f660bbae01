/**
 * RFC 3263 server location: where a line's registrar (reg.N.server.M.address, a host name) is reached. Without a
 * configured port, NAPTR records pick the transport (SIP+D2U, SIP+D2T, SIPS+D2T, by order then preference, among
 * the transports the line allows), SRV records (_sip._udp, _sip._tcp, _sips._tcp) the hosts and ports (by priority,
 * then weighted at random as RFC 2782 says), and A/AAAA records the addresses; with a port, A/AAAA only. The hops
 * come out in the order to try them: the registration fails over to the next when one does not answer.
 * DNS itself is behind DnsClient (node:dns in transport/sip/dns-client.ts); the cache is in server-locator.ts.
 */
import { isIP } from 'node:net';
import type { Destination, SipTransportName } from './codec/destination.js';

export interface NaptrAnswer {
  readonly flags: string;
  readonly service: string;
  readonly replacement: string;
  readonly order: number;
  readonly preference: number;
}

export interface SrvAnswer {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** An address record, with its time to live in seconds when the DNS client tells it. */
export interface AddressAnswer {
  readonly address: string;
  readonly ttl?: number;
}

/** What server location asks of DNS. A name without such records answers []; a failure (timeout, refused) rejects. */
export interface DnsClient {
  naptr(name: string): Promise<readonly NaptrAnswer[]>;
  srv(name: string): Promise<readonly SrvAnswer[]>;
  addresses(name: string): Promise<readonly AddressAnswer[]>;
}

/** What to look up for one configured server. */
export interface LocateQuery {
  readonly host: string;
  /** The configured port; undefined (0 or empty in the configuration): NAPTR and SRV decide. */
  readonly port: number | undefined;
  /** The transports the line allows, preferred first (DNSnaptr: all three). */
  readonly transports: readonly SipTransportName[];
  /** Whether NAPTR records choose the transport (the configured transport is DNSnaptr). */
  readonly naptr: boolean;
}

export type Located =
  { readonly hops: readonly Destination[]; readonly ttl: number } | { readonly hops: readonly []; readonly error: string };

/** Hops kept for one server, NAPTR records followed and SRV records per name (each bounds the queries one lookup makes). */
export const MAX_HOPS = 16;
const MAX_NAPTR = 4;
const MAX_SRV = 8;

/** Seconds a NAPTR/SRV answer is trusted: node:dns does not tell their TTL (address records' TTLs are used). */
export const UNSEEN_TTL_S = 300;

const SERVICES: Readonly<Record<string, SipTransportName>> = { 'SIP+D2U': 'UDP', 'SIP+D2T': 'TCP', 'SIPS+D2T': 'TLS' };
const SRV_PREFIX: Readonly<Record<SipTransportName, string>> = { UDP: '_sip._udp.', TCP: '_sip._tcp.', TLS: '_sips._tcp.' };

export const defaultPort = (t: SipTransportName): number => (t === 'TLS' ? 5061 : 5060);

/** Names that never go to DNS (RFC 6761): localhost, and addresses. */
export const needsDns = (host: string): boolean =>
  isIP(host) === 0 && !/^\[.*\]$/.test(host) && !/(^|\.)localhost\.?$/i.test(host) && host !== '';

/** RFC 2782: lowest priority first; within a priority, weighted random order (zero weights rarely first). */
export function orderSrv(records: readonly SrvAnswer[], random: () => number = Math.random): SrvAnswer[] {
  const byPriority = new Map<number, SrvAnswer[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: SrvAnswer[] = [];
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const left = [...(byPriority.get(p) ?? [])].sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const sum = left.reduce((s, r) => s + r.weight, 0);
      const pick = Math.floor(random() * (sum + 1));
      let running = 0;
      const i = Math.max(
        0,
        left.findIndex((r) => (running += r.weight) >= pick),
      );
      out.push(...left.splice(i, 1));
    }
  }
  return out;
}

/** Finds the hops for one configured server; never rejects (a name that does not resolve answers why). */
export async function locateServer(q: LocateQuery, dns: DnsClient, random: () => number = Math.random): Promise<Located> {
  const first = q.transports[0] ?? 'UDP';
  if (!needsDns(q.host)) return { hops: [{ transport: first, host: q.host, port: q.port ?? defaultPort(first) }], ttl: Infinity };
  const failures: string[] = [];
  const ask = async <T>(what: string, query: () => Promise<readonly T[]>): Promise<readonly T[]> => {
    try {
      return await query();
    } catch (err) {
      failures.push(`${what}: ${(err as { code?: string }).code ?? (err as Error).message}`);
      return [];
    }
  };
  const hops: Destination[] = [];
  let ttl = Infinity;
  const addresses = async (name: string, transport: SipTransportName, port: number): Promise<void> => {
    for (const a of await ask(`${name} A/AAAA`, () => dns.addresses(name))) {
      if (hops.length >= MAX_HOPS) return;
      if (!hops.some((h) => h.host === a.address && h.port === port && h.transport === transport))
        hops.push({ transport, host: a.address, port, serverName: q.host });
      if (a.ttl !== undefined) ttl = Math.min(ttl, a.ttl);
    }
  };
  if (q.port === undefined) {
    // RFC 3263 4.1: NAPTR for the transport (unless one is configured), else SRV for each transport allowed
    let targets: { transport: SipTransportName; name: string }[] = [];
    if (q.naptr) {
      targets = [...(await ask(`${q.host} NAPTR`, () => dns.naptr(q.host)))]
        .filter((r) => r.flags.toLowerCase() === 's' && q.transports.includes(SERVICES[r.service.toUpperCase()] as SipTransportName))
        .sort((a, b) => a.order - b.order || a.preference - b.preference)
        .slice(0, MAX_NAPTR)
        .map((r) => ({ transport: SERVICES[r.service.toUpperCase()] as SipTransportName, name: r.replacement }));
      if (targets.length > 0) ttl = UNSEEN_TTL_S;
    }
    // no NAPTR: SRV for each transport allowed, in the line's order of preference (the later ones are failover)
    if (targets.length === 0) targets = q.transports.map((t) => ({ transport: t, name: `${SRV_PREFIX[t]}${q.host}` }));
    for (const t of targets) {
      const records = orderSrv(await ask(`${t.name} SRV`, () => dns.srv(t.name)), random).slice(0, MAX_SRV);
      if (records.length > 0) ttl = Math.min(ttl, UNSEEN_TTL_S);
      // a single SRV record with target "." says the service is not offered there
      for (const r of records) if (r.name !== '' && r.name !== '.') await addresses(r.name, t.transport, r.port);
    }
  }
  // RFC 3263 4.2: a configured port, or no SRV records: the name's own addresses, at the transport's default port
  if (hops.length === 0) await addresses(q.host, first, q.port ?? defaultPort(first));
  if (hops.length === 0) {
    const why = failures.length > 0 ? failures.join('; ') : 'no NAPTR, SRV or A/AAAA records';
    return { hops: [], error: `DNS: ${q.host} does not resolve (${why})` };
  }
  return { hops, ttl };
}
