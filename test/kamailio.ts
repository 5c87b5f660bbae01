/** Kamailio (Debian's package) as the tests' SIP registrar and proxy, with examples/kamailio/kamailio.cfg. */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child-process.js';
import { KAMAILIO_DBTEXT, program } from './peers.js';

export const KAMAILIO_CFG = new URL('../examples/kamailio/kamailio.cfg', import.meta.url).pathname;

export interface Kamailio {
  readonly address: string;
  readonly port: number;
  /** SIP over TLS (with a certificate made for the run), when asked for. */
  readonly tlsPort: number | undefined;
  output(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A port free for both UDP and TCP on the address. */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (;;) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve) => tcp.listen(0, address, () => resolve((tcp.address() as { port: number }).port)));
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, address, () => resolve(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
    udp.close();
  }
}

/** Answers when Kamailio answers an OPTIONS on UDP. */
async function answers(address: string, port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 200);
      s.on('message', (m) => {
        clearTimeout(t);
        resolve(/^SIP\/2\.0 200/.test(m.toString()));
      });
      s.on('error', () => resolve(false));
      const msg = [
        `OPTIONS sip:${address}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${address}:9;rport;branch=z9hG4bK${Math.random().toString(16).slice(2)}`,
        'Max-Forwards: 70',
        `From: <sip:probe@${address}>;tag=p`,
        `To: <sip:${address}>`,
        `Call-ID: probe${Math.random()}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, address);
    });
  } finally {
    s.close();
  }
}

/** Starts Kamailio on address:port (UDP and TCP); `algorithm` picks its digest algorithm. */
export async function startKamailio(
  opts: {
    address?: string;
    port?: number;
    algorithm?: 'SHA-256' | 'MD5';
    netns?: string;
    tls?: boolean;
    /** A `host:port` it also answers for (its alias), as `host` alone means port 5060 in a SIP URI. */
    domain?: string;
    presence?: boolean;
    /**
     * Its UDP worker processes (default 2). Two workers may forward two datagrams that came in one order in the
     * other (each takes the next from the socket): a test that reads the order of a phone's answers through the
     * proxy (a 200 and the NOTIFY right behind it) takes one.
     */
    udpWorkers?: number;
  } = {},
): Promise<Kamailio> {
  const address = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(address));
  const dir = mkdtempSync(join(tmpdir(), 'polysim-kamailio-'));
  const tlsPort = opts.tls ? await freePort(address) : undefined;
  const tlsArgs: string[] = [];
  if (tlsPort) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=kamailio.test',
        '-days',
        '2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tlsArgs.push('-l', `tls:${address}:${tlsPort}`, '-A', `TLS_CERT="${join(dir, 'cert.pem')}"`, '-A', `TLS_KEY="${join(dir, 'key.pem')}"`);
  }
  // serving the dialog state of the calls through it (RFC 4235): its presence modules, their tables in a copy
  const presenceArgs: string[] = [];
  if (opts.presence) {
    cpSync(KAMAILIO_DBTEXT, join(dir, 'dbtext'), { recursive: true });
    presenceArgs.push(
      '-A',
      'WITH_PRESENCE',
      '-A',
      `DBURL="text://${join(dir, 'dbtext')}"`,
      '-A',
      `PRESENCE_SERVER="sip:${address}:${port}"`,
    );
  }
  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    const args = [
      '-f',
      KAMAILIO_CFG,
      '-DD',
      '-E',
      '-n',
      String(opts.udpWorkers ?? 2),
      '-Y',
      dir,
      '-P',
      join(dir, 'pid'),
      '-m',
      '64',
      '-M',
      '8',
      '-l',
      `udp:${address}:${port}`,
      '-l',
      `tcp:${address}:${port}`,
      '-A',
      `ALGORITHM="${opts.algorithm ?? 'SHA-256'}"`,
      ...tlsArgs,
      ...(opts.domain ? ['-A', `DOMAIN=${opts.domain}`] : []),
      ...presenceArgs,
    ];
    child = opts.netns
      ? spawn(program('ip'), ['netns', 'exec', opts.netns, program('kamailio'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(program('kamailio'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (child.exitCode !== null) throw new Error(`kamailio exited:\n${output}`);
      if (opts.netns || (await answers(address, port))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`kamailio did not answer on ${address}:${port}:\n${output}`);
  };
  await start();
  return {
    address,
    port,
    tlsPort,
    output: () => output,
    start,
    stop: async () => {
      await stopChild(child, 5000);
    },
  };
}
