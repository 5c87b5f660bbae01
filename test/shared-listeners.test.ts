/**
 * Address mode's shared listeners (src/transport/shared-ports.ts): the phones of a fleet, each on its own loopback
 * address with the same ports, are served by one listening socket per TCP port (HTTP, HTTPS, SIP over TCP and TLS)
 * and one UDP socket each. Counted from the kernel's own tables (/proc/net/tcp and udp, the sockets among this
 * process's descriptors). A phone that is away (restarting) has its address reset while the others answer; an address
 * no phone holds is reset; and a fleet that cannot fit the open-file limit stops before anything listens.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { startFleet } from '../src/runtime/fleet.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { DescriptorError } from '../src/errors.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { PASSWORD, waitFor } from './helpers.js';
import { POLYSIM_BIN } from './child-process.js';

const RANGE = '127.0.9.1';
const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` };

/** This process's sockets in one of the kernel's tables: local address and port of each, for a state (0A: LISTEN). */
function ownSockets(table: 'tcp' | 'udp', state?: string): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const out: { address: string; port: number }[] = [];
  for (const line of readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !inodes.has(f[9] as string) || (state && f[3] !== state)) continue;
    const [hex, port] = (f[1] as string).split(':') as [string, string];
    const address = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    out.push({ address, port: parseInt(port, 16) });
  }
  return out;
}

/** How a TCP connection to host:port ends before any answer: 'reset', 'refused', or 'open' (it stayed up). */
function outcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s: Socket = tcpConnect(port, host);
    s.on('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : err.code === 'ECONNREFUSED' ? 'refused' : String(err.code)),
    );
    s.on('close', () => resolve('closed'));
    s.on('connect', () => {
      // written once connected: a reset connection fails the write or ends with ECONNRESET
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      s.setTimeout(1000, () => {
        resolve('open');
        s.destroy();
      });
    });
  });
}

function options(host: string, port: number, transport: 'UDP' | 'TCP' | 'TLS'): string {
  return [
    `OPTIONS sip:1001@${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:9;branch=z9hG4bK-${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    'From: <sip:test@127.0.0.1>;tag=t1',
    `To: <sip:1001@${host}>`,
    `Call-ID: ${Math.random().toString(36).slice(2)}@test`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The status line of the answer to `request` over a stream (TCP, or TLS with the CN of the certificate presented). */
function ask(host: string, port: number, tls: boolean, request: string): Promise<{ line: string; cn?: string }> {
  return new Promise((resolve, reject) => {
    const s = tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : tcpConnect(port, host);
    let text = '';
    s.on(tls ? 'secureConnect' : 'connect', () => s.write(request));
    s.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\r\n\r\n')) {
        const cn = tls ? String((s as ReturnType<typeof tlsConnect>).getPeerCertificate().subject?.CN) : undefined;
        s.destroy();
        resolve({ line: text.split('\r\n')[0] ?? '', cn });
      }
    });
    s.on('error', reject);
  });
}

function optionsOverUdp(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = createSocket('udp4');
    u.on('message', (m) => {
      u.close();
      resolve(m.toString().split('\r\n')[0] ?? '');
    });
    u.on('error', reject);
    u.send(options(host, port, 'UDP'), port, host);
  });
}

describe('address mode: one listening socket per port for every phone', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 2, 9, 0, 0));
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet(
      {
        count: 2,
        model: 'VVX 450',
        address: '127.0.0.1',
        addressRange: RANGE,
        httpPort: 0,
        httpsPort: 0,
        sipPort: 0,
        sipTlsPort: 0,
        firstNumber: 7001,
        adminPassword: PASSWORD,
        timing: { initMs: 0, restartMs: 150 },
      },
      await createHttpApp(false),
      undefined,
      clock,
    );
  });
  after(async () => {
    await fleet.stop();
  });

  it('two phones on their own addresses share one TCP listener per port, and each has its own UDP socket', async () => {
    const [a, b] = fleet.phones as [Fleet['phones'][number], Fleet['phones'][number]];
    const http = new URL(a.httpUrl);
    assert.equal(http.hostname, '127.0.9.1');
    assert.equal(new URL(b.httpUrl).hostname, '127.0.9.2');
    assert.equal(new URL(b.httpUrl).port, http.port, 'the same ports');
    const sip = a.sip?.port as number;
    const sipTls = a.sip?.tlsPort as number;
    assert.equal(b.sip?.port, sip);
    const listening = ownSockets('tcp', '0A');
    for (const port of [Number(http.port), Number(new URL(a.httpsUrl).port), sip, sipTls]) {
      assert.deepEqual(
        listening.filter((l) => l.port === port),
        [{ address: '0.0.0.0', port }],
        `one listening socket on port ${port}, on the wildcard address`,
      );
    }
    assert.deepEqual(
      ownSockets('udp')
        .filter((u) => u.port === sip)
        .map((u) => u.address)
        .sort(),
      ['127.0.9.1', '127.0.9.2'],
      'SIP over UDP: a socket of its own per phone',
    );
    assert.equal(fleet.sharedPorts?.listening, 4);

    // every phone answers on every transport as itself
    for (const p of [a, b]) {
      const host = new URL(p.httpUrl).hostname;
      const info = (await (await fetch(`${p.httpUrl}/api/v2/mgmt/device/info`, { headers: AUTH })).json()) as {
        data: Record<string, string>;
      };
      assert.equal(info.data['IPAddress'], host);
      const https = await ask(
        host,
        Number(new URL(p.httpsUrl).port),
        true,
        `GET /api/v2/mgmt/device/info HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${AUTH.authorization}\r\n\r\n`,
      );
      assert.match(https.line, /^HTTP\/1\.1 200 /);
      assert.equal(https.cn, p.phone.identity.mac.toLowerCase(), "HTTPS presents the phone's own certificate");
      assert.match((await ask(host, sip, false, options(host, sip, 'TCP'))).line, /^SIP\/2\.0 200 /);
      const tls = await ask(host, sipTls, true, options(host, sipTls, 'TLS'));
      assert.match(tls.line, /^SIP\/2\.0 200 /);
      assert.equal(tls.cn, p.phone.identity.mac.toLowerCase(), "SIP over TLS presents the phone's own certificate");
      assert.match(await optionsOverUdp(host, sip), /^SIP\/2\.0 200 /);
    }
  });

  it('resets connections to a phone that is away while the other answers, and takes them again once it is back', async () => {
    const [a, b] = fleet.phones as [Fleet['phones'][number], Fleet['phones'][number]];
    const port = Number(new URL(a.httpUrl).port);
    const httpsPort = Number(new URL(a.httpsUrl).port);
    const sip = a.sip?.port as number;
    a.phone.goDown('restart');
    await a.listeners.settled();
    assert.equal(await outcome('127.0.9.1', port), 'reset');
    assert.equal(await outcome('127.0.9.1', httpsPort), 'reset');
    // the SIP listener closes a moment later (what the phone sent last leaves first)
    await waitFor(async () => (await outcome('127.0.9.1', sip)) === 'reset');
    assert.equal((await fetch(`${b.httpUrl}/api/v2/mgmt/device/info`, { headers: AUTH })).status, 200);
    clock.advance(a.phone.timing.restartMs);
    await waitFor(async () => {
      try {
        return (await fetch(`${a.httpUrl}/api/v2/mgmt/device/info`, { headers: AUTH })).status === 200;
      } catch {
        return false;
      }
    });
    assert.equal(fleet.sharedPorts?.listening, 4, 'the shared sockets stayed; no new one was opened');
  });

  it('resets a connection to an address no phone holds', async () => {
    const port = Number(new URL((fleet.phones[0] as Fleet['phones'][number]).httpUrl).port);
    const before = fleet.sharedPorts?.resets ?? 0;
    assert.equal(await outcome('127.0.9.3', port), 'reset');
    assert.equal(await outcome('127.0.0.1', port), 'reset');
    assert.equal(fleet.sharedPorts?.resets, before + 2);
  });
});

describe('address mode with a listener per phone (fleet --per-phone-listeners)', () => {
  it("listens on each phone's own address, and nothing on the wildcard", async () => {
    const fleet = await startFleet(
      {
        count: 2,
        model: 'VVX 450',
        address: '127.0.0.1',
        addressRange: '127.0.9.31',
        sharedListeners: false,
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 7101,
        adminPassword: PASSWORD,
        timing: { initMs: 0 },
      },
      await createHttpApp(false),
    );
    try {
      assert.equal(fleet.sharedPorts, undefined);
      const listening = ownSockets('tcp', '0A');
      for (const p of fleet.phones) {
        const url = new URL(p.httpUrl);
        assert.deepEqual(
          listening.filter((l) => l.port === Number(url.port)),
          [{ address: url.hostname, port: Number(url.port) }],
        );
        assert.equal((await fetch(`${p.httpUrl}/api/v2/mgmt/device/info`, { headers: AUTH })).status, 200);
      }
    } finally {
      await fleet.stop();
    }
  });
});

describe('a fleet that cannot fit the open-file limit', () => {
  it('stops before anything listens, saying in one line how many it needs and how to raise the limit', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const app = await createHttpApp(false);
    const spec = {
      count: 100,
      model: 'VVX 450',
      address: '127.0.0.1',
      httpPort: port,
      httpsPort: 0,
      sipPort: 0,
      sipTlsPort: 0,
      firstNumber: 8001,
      adminPassword: PASSWORD,
      timing: { initMs: 0 },
      fileLimit: { soft: 900, hard: 900 },
    };
    // port mode: five listening sockets a phone, 500 in all, and the process's reserve: more than 900
    const err = await startFleet(spec, app).then(
      () => assert.fail('the fleet started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DescriptorError);
    assert.equal(err.exitCode, 2);
    assert.equal(err.message.split('\n').length, 1, 'one line');
    assert.match(
      err.message,
      /^a fleet of 100 phones needs \d+ open files and this process may open 900 \(ulimit -n; hard limit 900\): 500 listening sockets \(5 a phone; --address-range shares the TCP ones: 1 a phone\), \d+ for connections and the process; raise the limit \((\d+) leaves room for the most connections to phones, 4096\): ulimit -n \1 in the shell that starts polysim, LimitNOFILE=\1 in a systemd unit, --ulimit nofile=\1 for a container$/,
    );
    // nothing was opened: the first phone's port is free
    const again = createServer();
    await new Promise<void>((r, j) => {
      again.once('error', j);
      again.listen(port, '127.0.0.1', r);
    });
    await new Promise<void>((r) => again.close(() => r()));

    // address mode: one UDP socket a phone and four shared: the same fleet fits
    const fleet = await startFleet({ ...spec, httpPort: 0, addressRange: '127.0.9.11' }, app);
    try {
      assert.equal(fleet.phones.length, 100);
      assert.equal(fleet.sharedPorts?.listening, 4);
    } finally {
      await fleet.stop();
    }
  });
});

describe('polysim fleet under a low ulimit -n', () => {
  it('exits with code 2 and one line naming the need and how to raise the limit, at once', async () => {
    // the shell lowers the limit for polysim alone (node raises its soft limit to the hard one: both are set)
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        'sh',
        [
          '-c',
          `ulimit -n 400 && exec "${process.execPath}" "${POLYSIM_BIN}" fleet --count 200 --http-port 0 --https-port 0 --sip-port 0 --sip-tls-port 0 --control-port 0`,
        ],
        (_err, _stdout, err) => resolve({ code: child.exitCode, stderr: err }),
      );
    });
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^polysim: a fleet of 200 phones needs \d+ open files and this process may open 400 \(ulimit -n; hard limit 400\): 1000 listening sockets \(5 a phone; [^\n]*LimitNOFILE=\d+ in a systemd unit, --ulimit nofile=\d+ for a container\n$/,
    );
  });
});
