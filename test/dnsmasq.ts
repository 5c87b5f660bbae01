/**
 * dnsmasq (Debian's package) as the tests' DNS server on loopback: authoritative for the zone `test.` with the
 * NAPTR, SRV and A records given, answering nothing else (no upstream, no /etc/hosts), on a port of its own.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { freePort } from './kamailio.js';
import { stopChild } from './child-process.js';
import { waitFor } from './helpers.js';
import { program } from './peers.js';

export interface DnsRecords {
  /** name, order, preference, flags, service, regexp, replacement (dnsmasq's --naptr-record). */
  readonly naptr?: readonly (readonly [string, number, number, string, string, string, string])[];
  /** service name, target, port, priority, weight (dnsmasq's --srv-host). */
  readonly srv?: readonly (readonly [string, string, number, number, number])[];
  /** name, IPv4 address (dnsmasq's --host-record). */
  readonly a?: readonly (readonly [string, string])[];
  /** Seconds every answer lives (--local-ttl). */
  readonly ttl?: number;
}

export interface Dnsmasq {
  /** "127.0.0.1:port", for the phone's dnsServer. */
  readonly server: string;
  /** Starts again on the same port with other records. */
  restart(records: DnsRecords): Promise<void>;
  stop(): Promise<void>;
}

const args = (port: number, r: DnsRecords): string[] => [
  '--keep-in-foreground',
  '--no-resolv',
  '--no-hosts',
  '--bind-interfaces',
  '--listen-address=127.0.0.1',
  `--port=${port}`,
  '--local=/test/',
  `--local-ttl=${r.ttl ?? 60}`,
  '--pid-file=',
  // as root it would drop to nobody; it runs as whoever runs the tests
  ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  '--log-facility=-',
  ...(r.naptr ?? []).map((n) => `--naptr-record=${n.join(',')}`),
  ...(r.srv ?? []).map((s) => `--srv-host=${s.join(',')}`),
  ...(r.a ?? []).map((a) => `--host-record=${a.join(',')}`),
];

export async function startDnsmasq(records: DnsRecords): Promise<Dnsmasq> {
  const port = await freePort();
  const server = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server]);
  const start = async (r: DnsRecords): Promise<void> => {
    const c = spawn(program('dnsmasq'), args(port, r), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(async () => {
      if (c.exitCode !== null) throw new Error(`dnsmasq exited: ${output}`);
      // NXDOMAIN from the zone means it answers
      return probe.resolve4('probe.test').then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND',
      );
    }, 5000);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    await stopChild(c);
  };
  await start(records);
  return {
    server,
    restart: async (r) => {
      await stop();
      await start(r);
    },
    stop,
  };
}
