// Benchmark: 10,000 phones in one process, as a user starts them:
//   polysim fleet --count 10000 --address-range 127.3.0.1 --media off
// (every phone with HTTP, HTTPS, SIP over UDP, TCP and TLS). Measures from spawning the process: when the ready file
// says every phone is ready, the RSS over the run (sampled every 200 ms, and the kernel's peak), the descriptors and
// listening sockets the process holds; then that every phone answers one HTTP request (GET device/info, a new
// connection each), that a sample answers HTTPS (a full handshake, each its own certificate) and SIP OPTIONS over
// UDP, TCP and TLS; and how long the process takes to stop on SIGTERM. Aims: ready within 30 s, RSS at most 2.5 GB,
// every phone answering.
//
// REGISTRAR=1: Kamailio (examples/kamailio/kamailio.cfg, SHA-256 digest, 4 workers) on loopback first, and every
// phone's line 1 registers to it: the time until all are registered, the rate, and Kamailio's own count
// (kamcmd stats.get_statistics all: usrloc:registered_users).
//
// Environment: FLEET_SIZE (10000), ADDRESS_RANGE (127.3.0.1), PORTS (HTTP,HTTPS,SIP,SIP-TLS: 8080,8443,5060,5061),
// SAMPLE (phones asked over HTTPS and SIP: 200), BOOT_SPREAD (ms, fleet --boot-spread; none), IDLE_SECONDS (the
// fleet's CPU measured over this long, idle, after it is ready: 20).
// Needs `npm run build` first. Heavy: run one at a time.
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { cpuSeconds } from './child.mjs';

const N = Number(process.env.FLEET_SIZE ?? 10_000);
const RANGE = process.env.ADDRESS_RANGE ?? '127.3.0.1';
const [HTTP, HTTPS, SIP, SIP_TLS] = (process.env.PORTS ?? '8080,8443,5060,5061').split(',').map(Number);
const SAMPLE = Math.min(N, Number(process.env.SAMPLE ?? 200));
const REGISTRAR = process.env.REGISTRAR === '1';
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'polysim-bench-10k-'));
const PASSWORD = 'Bench-123';
const auth = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (ms) => (ms / 1000).toFixed(1);

function addressPlus(base, n) {
  const v = base.split('.').reduce((a, p) => a * 256 + Number(p), 0) + n;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const status = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);

/** The process's descriptors, and its sockets by kind: TCP listening, TCP other, UDP. */
function sockets(pid) {
  const inodes = new Set();
  let fds = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const count = (table, pick) =>
    readFileSync(`/proc/net/${table}`, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 9 && inodes.has(f[9]) && pick(f)).length;
  return {
    fds,
    tcpListening: count('tcp', (f) => f[3] === '0A'),
    tcpOther: count('tcp', (f) => f[3] !== '0A'),
    udp: count('udp', () => true),
  };
}

function sipOptions(host, port, transport) {
  return [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:9;rport;branch=z9hG4bK${Math.random().toString(16).slice(2)}`,
    'Max-Forwards: 70',
    'From: <sip:probe@127.0.0.1>;tag=p',
    `To: <sip:${host}>`,
    `Call-ID: ${Math.random()}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The first line of the answer to OPTIONS over UDP, or undefined after 2 s. */
function udpOptions(host, port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString().split('\r\n')[0]);
    });
    s.send(sipOptions(host, port, 'UDP'), port, host);
  });
}

/** The first line of the answer to `text` over a new TCP or TLS connection (and the CN presented), or an error code. */
function streamAsk(host, port, tls, text) {
  return new Promise((resolve) => {
    const s = tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : tcpConnect(port, host);
    let got = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on(tls ? 'secureConnect' : 'connect', () => s.write(text));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n\r\n')) {
        const cn = tls ? s.getPeerCertificate().subject?.CN : undefined;
        s.destroy();
        resolve({ line: got.split('\r\n')[0], cn });
      }
    });
    s.on('error', (err) => resolve({ line: `error ${err.code ?? err.message}` }));
  });
}

/** GET device/info over a new connection: the HTTP status and the phone's IPAddress, or an error code. */
function httpGet(host) {
  return new Promise((resolve) => {
    const req = request({ host, port: HTTP, path: '/api/v2/mgmt/device/info', headers: { authorization: auth }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, ip: JSON.parse(body).data?.IPAddress });
        } catch {
          resolve({ status: res.statusCode });
        }
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

/** Runs fn(i) for i in 0..n-1, `width` at a time. */
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

// ---- Kamailio (REGISTRAR=1) ----
let kamailio;
let kport;
const ctl = `unixs:${join(dir, 'kamailio_ctl')}`;
if (REGISTRAR) {
  kport = await freePort();
  kamailio = spawn(
    'kamailio',
    [
      '-f',
      join(ROOT, 'examples/kamailio/kamailio.cfg'),
      '-DD',
      '-E',
      '-n',
      '4',
      '-Y',
      dir,
      '-P',
      join(dir, 'k.pid'),
      '-m',
      '512',
      '-M',
      '16',
      '-A',
      `CTL_SOCKET="${ctl}"`,
      '-l',
      `udp:127.0.0.1:${kport}`,
      '-l',
      `tcp:127.0.0.1:${kport}`,
    ],
    { stdio: 'ignore' },
  );
  for (;;) {
    const first = await udpOptions('127.0.0.1', kport);
    if (first) break;
    await sleep(100);
  }
}
/** CPU seconds of Kamailio: its main process and its workers. */
const kamailioCpu = () => {
  let cpu = cpuSeconds(kamailio.pid);
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.split(') ')[1].split(' ')[1]) === kamailio.pid) cpu += cpuSeconds(Number(p));
    } catch {
      // gone
    }
  }
  return cpu;
};
const kamailioRegistered = () => {
  const out = execFileSync('kamcmd', ['-s', ctl, 'stats.get_statistics', 'all'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(/usrloc:registered_users = (\d+)/.exec(out)?.[1] ?? NaN);
};

// ---- the fleet ----
const ready = join(dir, 'ready.json');
const args = [
  join(ROOT, 'bin/polysim.js'),
  'fleet',
  '--count',
  String(N),
  '--address-range',
  RANGE,
  '--media',
  'off',
  '--http-port',
  String(HTTP),
  '--https-port',
  String(HTTPS),
  '--sip-port',
  String(SIP),
  '--sip-tls-port',
  String(SIP_TLS),
  '--control-port',
  '0',
  '--admin-password',
  PASSWORD,
  '--ready-file',
  ready,
  '--log-level',
  'error',
  ...(process.env.BOOT_SPREAD ? ['--boot-spread', process.env.BOOT_SPREAD] : []),
  ...(REGISTRAR ? ['--registrar', `127.0.0.1:${kport}`, '--sip-password', 'secret-{number}'] : []),
];
console.log(
  `node ${args
    .map((a) => (/[ {]/.test(a) ? `'${a}'` : a))
    .join(' ')
    .replace(ROOT, '')}`,
);
const kamailioCpu0 = REGISTRAR ? kamailioCpu() : 0;
const t0 = performance.now();
// Kamailio's own count of registered users, from the fleet's spawn on: when the registrations came
const registrations = [];
const counting = REGISTRAR
  ? (async () => {
      for (;;) {
        const r = kamailioRegistered();
        registrations.push([performance.now() - t0, r]);
        if (r >= N || performance.now() - t0 > 300_000) return;
        await sleep(250);
      }
    })()
  : undefined;
const fleet = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
fleet.stderr.on('data', (d) => (stderr += d));
let exited = false;
fleet.on('exit', () => (exited = true));
const stopAll = () => {
  if (!exited) fleet.kill('SIGTERM');
  kamailio?.kill('SIGTERM');
};
process.on('exit', stopAll);

let maxRss = 0;
const sampler = setInterval(() => {
  try {
    maxRss = Math.max(maxRss, kb(status(fleet.pid), 'VmRSS'));
  } catch {
    // gone
  }
}, 200);

while (!existsSync(ready)) {
  if (exited) {
    console.log(`the fleet exited before it was ready:\n${stderr}`);
    process.exit(1);
  }
  await sleep(50);
}
const tReady = performance.now() - t0;
const cpuReady = cpuSeconds(fleet.pid);
const control = JSON.parse(readFileSync(ready, 'utf8')).control;
const atReady = { rss: kb(status(fleet.pid), 'VmRSS'), ...sockets(fleet.pid) };
console.log(
  `ready: every phone ready ${secs(tReady)} s after spawning (aim <= 30 s); CPU ${cpuReady.toFixed(1)} s; RSS ${(atReady.rss / 1024).toFixed(0)} MB; ` +
    `${atReady.fds} descriptors: ${atReady.tcpListening} TCP listening, ${atReady.udp} UDP, ${atReady.tcpOther} TCP other`,
);

// ---- registrations (REGISTRAR=1) ----
if (REGISTRAR) {
  await counting;
  const kcpu = kamailioCpu() - kamailioCpu0;
  const [tAll, registered] = registrations[registrations.length - 1];
  const at = (share) => registrations.find(([, r]) => r >= share * N)?.[0];
  const t10 = at(0.1);
  const t90 = at(0.9);
  const rate = t10 !== undefined && t90 !== undefined && t90 > t10 ? (0.8 * N) / ((t90 - t10) / 1000) : NaN;
  const fleetCount = (await (await fetch(`${control}/ready`)).json()).registered;
  console.log(
    `registered: Kamailio counts ${registered} of ${N} (kamcmd stats.get_statistics all: usrloc:registered_users) ${secs(tAll)} s after spawning, ` +
      `the fleet ${fleetCount}; ${rate.toFixed(0)} registrations/s from 10% to 90% (${secs(t10)} to ${secs(t90)} s); ` +
      `Kamailio's CPU ${kcpu.toFixed(1)} s in all, ${((kcpu / registered) * 1e6).toFixed(0)} us a registration (REGISTER, 401, REGISTER with a SHA-256 digest, 200)`,
  );
}

// ---- idle ----
const IDLE = Number(process.env.IDLE_SECONDS ?? 20);
const idleCpu0 = cpuSeconds(fleet.pid);
await sleep(IDLE * 1000);
console.log(
  `idle: ${(((cpuSeconds(fleet.pid) - idleCpu0) / IDLE) * 100).toFixed(1)}% of one core over ${IDLE} s with every phone up${REGISTRAR ? ' and registered' : ''}`,
);

// ---- every phone answers HTTP ----
const tHttp = performance.now();
const answers = await pool(N, 64, (i) => httpGet(addressPlus(RANGE, i)));
const ok = answers.filter((a, i) => a.status === 200 && a.ip === addressPlus(RANGE, i)).length;
const failed = answers.map((a, i) => [i, a]).filter(([i, a]) => !(a.status === 200 && a.ip === addressPlus(RANGE, i)));
console.log(
  `HTTP: ${ok} of ${N} phones answered GET device/info 200 with their own address, a new connection each, in ${secs(performance.now() - tHttp)} s` +
    (failed.length ? `; first failures: ${JSON.stringify(failed.slice(0, 3))}` : ''),
);

// ---- a sample over HTTPS and SIP ----
const sample = Array.from({ length: SAMPLE }, (_, k) => Math.floor((k * N) / SAMPLE));
const https = await pool(SAMPLE, 16, (k) => {
  const host = addressPlus(RANGE, sample[k]);
  return streamAsk(
    host,
    HTTPS,
    true,
    `GET /api/v2/mgmt/device/info HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`,
  );
});
const cns = new Set(https.map((h) => h.cn).filter(Boolean));
console.log(
  `HTTPS: ${https.filter((h) => / 200 /.test(h.line)).length} of ${SAMPLE} sampled phones answered 200, ${cns.size} distinct certificates (CN = MAC)`,
);
const udp = await pool(SAMPLE, 16, (k) => udpOptions(addressPlus(RANGE, sample[k]), SIP));
const tcp = await pool(SAMPLE, 16, (k) => {
  const host = addressPlus(RANGE, sample[k]);
  return streamAsk(host, SIP, false, sipOptions(host, SIP, 'TCP'));
});
const tls = await pool(SAMPLE, 16, (k) => {
  const host = addressPlus(RANGE, sample[k]);
  return streamAsk(host, SIP_TLS, true, sipOptions(host, SIP_TLS, 'TLS'));
});
const sipOk = (lines) => lines.filter((l) => /^SIP\/2\.0 200 /.test(l ?? '')).length;
console.log(
  `SIP OPTIONS: ${sipOk(udp)} of ${SAMPLE} answered 200 over UDP, ${sipOk(tcp.map((t) => t.line))} over TCP, ${sipOk(tls.map((t) => t.line))} over TLS`,
);

// ---- memory and stop ----
const end = status(fleet.pid);
const atEnd = sockets(fleet.pid);
clearInterval(sampler);
console.log(
  `RSS: ${(kb(end, 'VmRSS') / 1024).toFixed(0)} MB now, ${(Math.max(maxRss, kb(end, 'VmHWM')) / 1024).toFixed(0)} MB at most (aim <= 2560 MB); ` +
    `${((atReady.rss * 1024) / N / 1024).toFixed(0)} KB a phone at ready; ${atEnd.fds} descriptors now; CPU ${cpuSeconds(fleet.pid).toFixed(1)} s in all`,
);
const tStop = performance.now();
fleet.kill('SIGTERM');
const code = await new Promise((r) => (exited ? r(fleet.exitCode) : fleet.once('exit', (c) => r(c))));
console.log(`stop: exit code ${code} ${secs(performance.now() - tStop)} s after SIGTERM${REGISTRAR ? ' (unregistering every line)' : ''}`);
if (REGISTRAR) {
  await sleep(500);
  console.log(`Kamailio counts ${kamailioRegistered()} registered users after the stop`);
}
kamailio?.kill('SIGTERM');
process.exit(0);
