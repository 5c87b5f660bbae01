// Benchmark: a registered fleet. N phones (default 1000) in one polysim process register line 1 to Kamailio
// (examples/kamailio/kamailio.cfg, SHA-256 digest), then CALLS pairs (default 100) call each other through it
// with G.711 RTP both ways for BENCH_SECONDS (default 10). Prints the time until every phone is registered, and
// the polysim process's CPU and memory while the calls run. Aims: registered within 10 s; the calls in one core.
// `npm run bench:fleet` runs it after bench/fleet.mjs; FLEET_SIZE, CALLS and BENCH_SECONDS change the run.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import { join } from 'node:path';
import { cpuSeconds } from './child.mjs';

const N = Number(process.env.FLEET_SIZE ?? 1000);
const CALLS = Math.min(Number(process.env.CALLS ?? 100), Math.floor(N / 2));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HTTP = 30000;
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'polysim-bench-sip-'));
const auth = `Basic ${Buffer.from('Polycom:Bench-123').toString('base64')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function answers(port) {
  const s = createSocket('udp4');
  try {
    return await new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), 200);
      s.on('message', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.send(
        [
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK${Math.random().toString(16).slice(2)}`,
          'Max-Forwards: 70',
          'From: <sip:probe@127.0.0.1>;tag=p',
          'To: <sip:127.0.0.1>',
          `Call-ID: ${Math.random()}`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        port,
        '127.0.0.1',
      );
    });
  } finally {
    s.close();
  }
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function api(i, path, data) {
  const res = await fetch(`http://127.0.0.1:${HTTP + i}${path}`, {
    method: data ? 'POST' : 'GET',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: data ? JSON.stringify({ data }) : undefined,
  });
  return res.json();
}

const kport = await freePort();
const kamailio = spawn(
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
    '256',
    '-M',
    '16',
    '-l',
    `udp:127.0.0.1:${kport}`,
    '-l',
    `tcp:127.0.0.1:${kport}`,
  ],
  { stdio: 'ignore' },
);
while (!(await answers(kport))) await sleep(50);

const ready = join(dir, 'ready.json');
const t0 = performance.now();
const fleet = spawn(
  process.execPath,
  [
    join(ROOT, 'dist/cli/main.js'),
    'fleet',
    '--count',
    String(N),
    '--http-port',
    String(HTTP),
    '--https-port',
    '0',
    '--sip-port',
    '0',
    '--sip-tls-port',
    '0',
    '--control-port',
    '0',
    '--init-ms',
    '0',
    '--admin-password',
    'Bench-123',
    '--ready-file',
    ready,
    '--registrar',
    `127.0.0.1:${kport}`,
    '--sip-password',
    'secret-{number}',
    '--log-level',
    'error',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const stop = () => {
  fleet.kill('SIGTERM');
  kamailio.kill('SIGTERM');
};
process.on('exit', stop);
while (!existsSync(ready)) await sleep(50);
const tReady = performance.now();
const control = JSON.parse(readFileSync(ready, 'utf8')).control;
let registered = 0;
for (;;) {
  registered = (await (await fetch(`${control}/ready`)).json()).registered;
  if (registered === N || performance.now() - t0 > 60_000) break;
  await sleep(100);
}
const tRegistered = performance.now();
const idleRss = rssMb(fleet.pid);
console.log(
  `fleet of ${N} phones up in ${((tReady - t0) / 1000).toFixed(1)} s; ${registered} of ${N} registered to Kamailio ` +
    `${((tRegistered - t0) / 1000).toFixed(1)} s after the process started (aim: within 10 s); RSS ${idleRss.toFixed(0)} MB`,
);

// CALLS pairs: phone i (number 1001 + i) calls phone CALLS + i, which answers
for (let i = 0; i < CALLS; i++) await api(i, '/api/v1/callctrl/dial', { Dest: String(1001 + CALLS + i), Line: '1' });
const offered = async (i) =>
  ((await api(CALLS + i, '/api/v2/webCallControl/callStatus')).data ?? []).some((c) => c.CallState === 'Offering');
for (let i = 0; i < CALLS; i++) {
  for (let k = 0; k < 100 && !(await offered(i)); k++) await sleep(50);
  await api(CALLS + i, '/api/v1/callctrl/answerCall', {});
}
await sleep(1000);
const c0 = cpuSeconds(fleet.pid);
const w0 = performance.now();
await sleep(SECONDS * 1000);
const cpu = (cpuSeconds(fleet.pid) - c0) / ((performance.now() - w0) / 1000);
const rss = rssMb(fleet.pid);
let sent = 0;
let received = 0;
let lost = 0;
let connected = 0;
for (let i = 0; i < CALLS; i++) {
  const s = (await api(i, '/api/v1/mgmt/media/sessionStats')).data?.[0]?.Streams?.[0];
  if (!s) continue;
  connected++;
  sent += Number(s.PacketsSent);
  received += Number(s.PacketsReceived);
  lost += Number(s.PacketsLost);
}
console.log(
  `${connected} of ${CALLS} calls connected, ${2 * CALLS} RTP streams at 50 packets/s each way: the process used ` +
    `${(cpu * 100).toFixed(0)}% of one core over ${SECONDS} s (aim: under 100%); RSS ${rss.toFixed(0)} MB (+${(rss - idleRss).toFixed(0)} MB for the calls); ` +
    `callers sent ${sent} and received ${received} packets, ${lost} lost`,
);
stop();
process.exit(0);
