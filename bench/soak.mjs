// The soak: a fleet of SOAK_PHONES (1000) phones in one process (bench/soak-fleet.mjs) for SOAK_MINUTES (60), with
// calls between them through Kamailio, REST traffic, telephony events to one receiver, and registrations refreshed
// every SOAK_EXPIRES seconds (60). Every SAMPLE_SECONDS (10) the fleet reports its RSS, heap, event-loop delay, open
// handles and descriptors; at the end the soak prints each one's drift over the run after a warm-up (linear slope
// per hour, and the last quarter's mean against the second quarter's) and whether it stayed flat, and whether
// anything was lost: calls placed = calls ended (none left up on any phone), documents posted = documents
// received, every line registered at every sample (the fleet's count and Kamailio's).
//
//   npm run soak                      # an hour
//   SOAK_MINUTES=5 npm run soak       # five minutes
//
// Environment: SOAK_PHONES, SOAK_MINUTES, SAMPLE_SECONDS, SOAK_CALLS (calls up at once, 20), SOAK_REST (REST
// requests a second, 20), SOAK_EXPIRES, SOAK_MEDIA (off; tone: G.711 RTP in every call), SOAK_RANGE (127.5.0.1),
// SOAK_PORTS (28080,28443,25060,25061), GC_SECONDS (30: RSS and heap after a full collection this often),
// SOAK_PREFILL (1; 0: off: every phone starts with its call log and journal full, so growth is a leak, not lists
// filling), SOAK_HEAP_SNAPSHOTS (a directory: a heap snapshot after each such collection), SOAK_WARMUP_MINUTES (left out of
// the drift: a tenth of the run). Not in CI. Needs Kamailio (Debian: kamailio) and `npm run build`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const N = Number(process.env.SOAK_PHONES ?? 1000);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
const SAMPLE = Number(process.env.SAMPLE_SECONDS ?? 10);
const CALLS = Number(process.env.SOAK_CALLS ?? 20);
const REST = Number(process.env.SOAK_REST ?? 20);
const EXPIRES = Number(process.env.SOAK_EXPIRES ?? 60);
const MEDIA = process.env.SOAK_MEDIA ?? 'off';
const RANGE = process.env.SOAK_RANGE ?? '127.5.0.1';
const [HTTP, HTTPS, SIP, SIP_TLS] = (process.env.SOAK_PORTS ?? '28080,28443,25060,25061').split(',').map(Number);
const FIRST = 5001;
const PASSWORD = 'Soak-1234';
const auth = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'polysim-soak-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

const total = (handles) => Object.values(handles).reduce((a, b) => a + b, 0);
const stats = { placed: 0, connected: 0, ended: 0, rest: 0, restErrors: 0, errors: [] };

// ---- Kamailio ----
const kport = await freePort();
const ctl = `unixs:${join(dir, 'kamailio_ctl')}`;
const kamailio = spawn(
  'kamailio',
  [
    ...['-f', join(ROOT, 'examples/kamailio/kamailio.cfg'), '-DD', '-E', '-n', '4', '-Y', dir, '-P', join(dir, 'k.pid')],
    ...['-m', '256', '-M', '16', '-A', `CTL_SOCKET="${ctl}"`, '-l', `udp:127.0.0.1:${kport}`, '-l', `tcp:127.0.0.1:${kport}`],
  ],
  { stdio: 'ignore' },
);
const kamailioRegistered = () => {
  try {
    const out = execFileSync('kamcmd', ['-s', ctl, 'stats.get_statistics', 'all'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number(/usrloc:registered_users = (\d+)/.exec(out)?.[1]);
  } catch {
    return NaN;
  }
};
for (let i = 0; i < 100 && Number.isNaN(kamailioRegistered()); i++) await sleep(100);

// ---- the receiver of telephony events ----
let received = 0;
const receiver = createHttpServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));

// ---- the fleet ----
const cfg = {
  count: N,
  range: RANGE,
  httpPort: HTTP,
  httpsPort: HTTPS,
  sipPort: SIP,
  sipTlsPort: SIP_TLS,
  firstNumber: FIRST,
  password: PASSWORD,
  media: MEDIA,
  registrarPort: kport,
  expires: EXPIRES,
  receiver: `http://127.0.0.1:${receiver.address().port}/events`,
  sampleSeconds: SAMPLE,
  gcSeconds: Number(process.env.GC_SECONDS ?? 30),
  heapSnapshots: process.env.SOAK_HEAP_SNAPSHOTS,
  prefill: process.env.SOAK_PREFILL !== '0',
};
const child = spawn(process.execPath, ['--expose-gc', new URL('./soak-fleet.mjs', import.meta.url).pathname, JSON.stringify(cfg)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const samples = [];
let final;
let readyResolve;
const ready = new Promise((r) => (readyResolve = r));
let buffer = '';
child.stdout.on('data', (d) => {
  buffer += d;
  let i;
  while ((i = buffer.indexOf('\n')) >= 0) {
    const line = JSON.parse(buffer.slice(0, i));
    buffer = buffer.slice(i + 1);
    if (line.ready) readyResolve(line);
    if (line.prefilled)
      console.log(`every phone prefilled: call log ${line.prefilled.callLog} calls, journal ${line.prefilled.journal} records`);
    if (line.sample) {
      line.sample.kamailio = kamailioRegistered();
      samples.push(line.sample);
      const s = line.sample;
      console.log(
        `  ${new Date(s.t).toISOString().slice(11, 19)}  RSS ${(s.rss / 2 ** 20).toFixed(0)} MB  heap ${(s.heapUsed / 2 ** 20).toFixed(0)} MB  ` +
          `loop p99 ${s.loopP99} ms max ${s.loopMax} ms  handles ${total(s.handles)}  fds ${s.fds}  registered ${s.registered}/${s.kamailio}  ` +
          `calls up ${s.calls}  posted ${s.posts.delivered}  received ${received}  placed ${stats.placed}  ended ${stats.ended}` +
          (s.afterGc
            ? `  after GC: RSS ${(s.afterGc.rss / 2 ** 20).toFixed(0)} MB heap ${(s.afterGc.heapUsed / 2 ** 20).toFixed(0)} MB`
            : ''),
      );
    }
    if (line.final) final = line.final;
  }
});
const stop = () => {
  child.kill('SIGTERM');
  kamailio.kill('SIGTERM');
};
process.on('exit', stop);
const t0 = performance.now();
const { pid } = await ready;
console.log(
  `soak: ${N} phones (pid ${pid}) registered to Kamailio 127.0.0.1:${kport} every ${EXPIRES} s, ${CALLS} calls up at once, ${REST} REST requests/s, ` +
    `telephony events to one receiver, media ${MEDIA}; ${MINUTES} min, a sample every ${SAMPLE} s (ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);

// ---- traffic: one request at a time per phone (a phone answers a second one 403 while it works) ----
const queues = Array.from({ length: N }, () => Promise.resolve());
function api(i, method, path, data) {
  const run = () =>
    new Promise((resolve) => {
      const body = data === undefined ? undefined : JSON.stringify({ data });
      const req = request(
        {
          host: addressPlus(RANGE, i),
          port: HTTP,
          method,
          path,
          headers: {
            authorization: auth,
            ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode, body: JSON.parse(text) });
            } catch {
              resolve({ status: res.statusCode, body: undefined });
            }
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message }));
      req.end(body);
    });
  const p = queues[i].then(run);
  queues[i] = p.then(() => undefined);
  return p;
}
const note = (what) => {
  if (stats.errors.length < 10) stats.errors.push(what);
};

const busy = new Set();
const deadline = performance.now() + MINUTES * 60_000;
const callsOf = async (i) => (await api(i, 'GET', '/api/v2/webCallControl/callStatus')).body?.data ?? [];

async function oneCall() {
  let a;
  let b;
  do {
    a = Math.floor(Math.random() * N);
    b = Math.floor(Math.random() * N);
  } while (a === b || busy.has(a) || busy.has(b));
  busy.add(a);
  busy.add(b);
  try {
    stats.placed++;
    const dial = await api(a, 'POST', '/api/v1/callctrl/dial', { Dest: String(FIRST + b), Line: '1' });
    if (dial.status !== 200) return note(`dial ${a}->${b}: ${dial.status} ${JSON.stringify(dial.body)}`);
    let ringing = false;
    for (let k = 0; k < 50 && !ringing; k++) {
      ringing = (await callsOf(b)).some((c) => c.CallState === 'Offering');
      if (!ringing) await sleep(100);
    }
    if (!ringing) note(`call ${a}->${b}: never rang`);
    else if ((await api(b, 'POST', '/api/v1/callctrl/answerCall', {})).status === 200) stats.connected++;
    await sleep(2000 + Math.random() * 8000);
    const mine = await callsOf(a);
    for (const c of mine) {
      const end = await api(a, 'POST', '/api/v1/callctrl/endCall', { Ref: c.CallHandle });
      if (end.status !== 200) note(`end ${a}: ${end.status} ${JSON.stringify(end.body)}`);
    }
    // both ends idle again
    for (let k = 0; k < 50; k++) {
      if ((await callsOf(a)).length === 0 && (await callsOf(b)).length === 0) {
        stats.ended++;
        return;
      }
      await sleep(100);
    }
    note(`call ${a}->${b}: still up 5 s after endCall`);
  } finally {
    busy.delete(a);
    busy.delete(b);
  }
}

async function callLoop() {
  while (performance.now() < deadline) await oneCall().catch((err) => note(String(err)));
}

async function restLoop() {
  const paths = ['/api/v2/mgmt/device/info', '/api/v1/mgmt/lineInfo', '/api/v1/mgmt/network/info', '/api/v2/webCallControl/callStatus'];
  while (performance.now() < deadline) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: REST }, async (_, k) => {
        const i = Math.floor(Math.random() * N);
        const r = await api(i, 'GET', paths[k % paths.length]);
        stats.rest++;
        if (r.status !== 200) {
          stats.restErrors++;
          note(`GET ${paths[k % paths.length]} on phone ${i}: ${r.status} ${r.error ?? ''}`);
        }
      }),
    );
    await sleep(Math.max(0, 1000 - (performance.now() - started)));
  }
}

await Promise.all([restLoop(), ...Array.from({ length: CALLS }, () => callLoop())]);
const trafficEnded = Date.now();
// quiet: the last events delivered, a last sample taken
await sleep(Math.max(5000, SAMPLE * 1000 + 1000));
const receivedAtStop = received;
const finalSeen = new Promise((r) => {
  const look = () => (final ? r() : setTimeout(look, 50));
  look();
});
child.kill('SIGTERM');
const waitFinal = setTimeout(() => undefined, 10_000);
await finalSeen;
clearTimeout(waitFinal);
await new Promise((r) => child.once('exit', r));
kamailio.kill('SIGTERM');
receiver.close();

// ---- drift ----
function regression(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
const mean = (a) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
// the run's steady part: after its warm-up (phones registering, the heap growing to its working size), until
// the traffic ended (calls winding down after it)
const during = samples.filter((s) => s.t <= trafficEnded);
const warmup = Number(process.env.SOAK_WARMUP_MINUTES ?? MINUTES / 10) * 60_000;
const steady = during.filter((s) => s.t >= (during[0]?.t ?? 0) + warmup);
const minutes = steady.length ? (steady[steady.length - 1].t - steady[0].t) / 60_000 : 0;
const collected = steady.filter((s) => s.afterGc);
const metrics = [
  // RSS and heap right after a full collection: the collector's sawtooth (a 1000-phone fleet's heap swings by 100 MB
  // between its own collections) hides a leak in the raw figures
  ['RSS after a full GC (MB)', collected, (s) => s.afterGc.rss / 2 ** 20, 0.1],
  ['heap after a full GC (MB)', collected, (s) => s.afterGc.heapUsed / 2 ** 20, 0.1],
  ['RSS, every sample (MB)', steady, (s) => s.rss / 2 ** 20, 0.25],
  ['event-loop delay p99 (ms)', steady, (s) => s.loopP99, 1],
  ['open handles', steady, (s) => total(s.handles), 0.05],
  ['file descriptors', steady, (s) => s.fds, 0.05],
  // where RSS grows beside the live heap, not part of the verdict: the pages V8 holds for its heap (live objects and
  // the free space between them), and the memory it tracks outside it (Buffers, ArrayBuffers)
  [
    'heap pages after a full GC (MB)',
    collected.filter((s) => s.afterGc.heapTotal !== undefined),
    (s) => s.afterGc.heapTotal / 2 ** 20,
    null,
  ],
  ['external after a full GC (MB)', collected.filter((s) => s.afterGc.external !== undefined), (s) => s.afterGc.external / 2 ** 20, null],
];
console.log(`\nover ${steady.length} samples after ${(warmup / 60_000).toFixed(1)} min of warm-up, ${minutes.toFixed(1)} min:`);
let flat = true;
for (const [name, series, f, tolerance] of metrics) {
  if (series.length < 4) {
    console.log(`  ${name.padEnd(30)} too few samples`);
    continue;
  }
  const q = Math.floor(series.length / 4);
  const ys = series.map(f);
  const slope = regression(
    series.map((s) => (s.t - steady[0].t) / 3_600_000),
    ys,
  );
  const early = mean(ys.slice(q, 2 * q));
  const late = mean(ys.slice(-q));
  const drift = early === 0 ? 0 : (late - early) / early;
  const ok = tolerance === null || Math.abs(drift) <= tolerance;
  flat &&= ok;
  console.log(
    `  ${name.padEnd(30)} min ${Math.min(...ys).toFixed(1)}  max ${Math.max(...ys).toFixed(1)}  slope ${slope >= 0 ? '+' : ''}${slope.toFixed(1)}/h  ` +
      `last quarter vs second ${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%` +
      (tolerance === null ? ' (for reading only)' : ` (flat within ${tolerance * 100}%): ${ok ? 'flat' : 'GROWING'}`),
  );
}
const lastHandles = samples[samples.length - 1]?.handles ?? {};
console.log(`  handles at the end by kind: ${JSON.stringify(lastHandles)}`);
const p = final.posts;
const registeredAlways = samples.every((s) => s.registered === N);
const kamailioAlways = samples.every((s) => s.kamailio === N);
const lost =
  stats.placed !== stats.ended ||
  final.calls !== 0 ||
  p.delivered !== receivedAtStop ||
  p.failed + p.dropped + p.waiting !== 0 ||
  !registeredAlways ||
  !kamailioAlways;
console.log(
  `\ncalls: ${stats.placed} placed, ${stats.connected} answered, ${stats.ended} ended with both ends idle; ${final.calls} calls up on the phones at the end\n` +
    `REST: ${stats.rest} requests, ${stats.restErrors} not 200\n` +
    `events: ${p.delivered} documents delivered by the phones, ${receivedAtStop} received, ${p.failed} failed, ${p.dropped} dropped, ${p.waiting} waiting\n` +
    `registrations: every line registered at every sample: ${registeredAlways} (the fleet), ${kamailioAlways} (Kamailio's usrloc:registered_users)\n` +
    `${stats.errors.length ? `first problems: ${stats.errors.join('; ')}\n` : ''}` +
    `verdict: ${flat ? 'flat' : 'NOT flat'}, ${lost ? 'SOMETHING LOST' : 'nothing lost'}`,
);
process.exit(flat && !lost ? 0 : 1);
