// Benchmark: telephony events from a fleet. A receiver (bench/event-receiver.mjs, node:http, its own process) and a
// fleet of FLEET_SIZE phones (default 1000, one polysim process) started from a fleet file whose telephonyEvents
// points every phone at the receiver with every event on. Once the boot events are in, PAIRS pairs of phones
// (default: every phone in a pair) call each other over the phones' REST API: dial, answer, hang up, 13 events a
// call. Two phases: "steady", PAUSE_MS (default 2000) between the steps for BENCH_SECONDS (default 20), a load the
// fleet keeps up with; then "flat out", no pause for FLAT_SECONDS (default 10; 0 leaves it out), more than it keeps
// up with. Each prints the events delivered per second, the delay of each event from the moment the bench sent the
// REST request that raised it until the receiver had its POST (p50, p90, p99, max; one machine, one clock), and
// the fleet's delivered, failed and dropped counts (the control API's GET /posts). `npm run bench:events`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './child.mjs';

const N = Number(process.env.FLEET_SIZE ?? 1000);
const PAIRS = Math.min(Number(process.env.PAIRS ?? Math.floor(N / 2)), Math.floor(N / 2));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PAUSE_MS = Number(process.env.PAUSE_MS ?? 2000);
const FLAT_SECONDS = Number(process.env.FLAT_SECONDS ?? 10);
const HTTP = Number(process.env.HTTP_PORT ?? 31000);
const ROOT = new URL('..', import.meta.url).pathname;
const AUTH = { authorization: `Basic ${Buffer.from('Polycom:Bench-123').toString('base64')}`, 'content-type': 'application/json' };
const dir = mkdtempSync(join(tmpdir(), 'polysim-bench-events-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const load = loadavg()[0];

/** A child that prints one JSON line first; its process and that line. */
function child(args) {
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = new Promise((resolve) => {
    let buffer = '';
    p.stdout.on('data', (d) => {
      buffer += d;
      const i = buffer.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(buffer.slice(0, i)));
    });
  });
  return { p, first };
}

// One certificate for every phone: the fleet makes none, so that no background work weighs on the figures.
execFileSync(
  'openssl',
  [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=polysim-bench'],
    ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
  ],
  { stdio: 'ignore' },
);

const receiver = child([join(ROOT, 'bench/event-receiver.mjs')]);
const { port } = await receiver.first;
const RECEIVER = `http://127.0.0.1:${port}`;
writeFileSync(join(dir, 'fleet.yaml'), `telephonyEvents: { url: "${RECEIVER}/events" }\nphones: [{ count: ${N} }]\n`);

const ready = join(dir, 'ready.json');
const t0 = now();
const fleet = spawn(
  process.execPath,
  [
    join(ROOT, 'dist/cli/main.js'),
    'fleet',
    ...['--config', join(dir, 'fleet.yaml'), '--http-port', String(HTTP), '--https-port', '0', '--sip-port', '0', '--sip-tls-port', '0'],
    ...['--control-port', '0', '--init-ms', '0', '--admin-password', 'Bench-123', '--ready-file', ready, '--log-level', 'error'],
    ...['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const stop = () => {
  fleet.kill('SIGTERM');
  receiver.p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);

const received = async () => (await (await fetch(`${RECEIVER}/count`)).json()).count;
while (!existsSync(ready)) await sleep(50);
const control = JSON.parse(readFileSync(ready, 'utf8')).control;
const tReady = now();
// Boot: each phone posts UIInitializationEvent and LineRegistrationEvent.
while ((await received()) < 2 * N && now() - tReady < 60_000) await sleep(50);
const tBoot = now();
const phones = await (await fetch(`${control}/phones`)).json();
console.log(
  `fleet of ${N} phones ready ${((tReady - t0) / 1000).toFixed(1)} s after spawning; their ${await received()} boot events ` +
    `(UIInitializationEvent, LineRegistrationEvent) at the receiver ${((tBoot - t0) / 1000).toFixed(1)} s after spawning`,
);

// The events each action raises, on the caller (A) and the callee (B): [side, element, CallState].
const RAISES = {
  dial: [
    ['A', 'OffHookEvent', ''],
    ['B', 'IncomingCallEvent', ''],
    ['A', 'CallStateChangeEvent', 'Dialtone'],
    ['B', 'CallStateChangeEvent', 'Offering'],
    ['A', 'OutgoingCallEvent', ''],
    ['A', 'CallStateChangeEvent', 'RingBack'],
  ],
  answer: [
    ['A', 'CallStateChangeEvent', 'Connected'],
    ['B', 'OffHookEvent', ''],
    ['B', 'CallStateChangeEvent', 'Connected'],
  ],
  end: [
    ['B', 'CallStateChangeEvent', 'Disconnected'],
    ['A', 'CallStateChangeEvent', 'Disconnected'],
    ['B', 'OnHookEvent', ''],
    ['A', 'OnHookEvent', ''],
  ],
};
/** key "mac element state" -> the times of the actions that raised it, in order. */
let probes = new Map();
let failures = 0;
let requests = 0;

const restMs = [];
// node:http with keep-alive: a lighter client than fetch, so that the bench takes less of the cores it shares.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function rest(phone, path, data, retry = true) {
  if (retry) requests++;
  const t = now();
  const body = data === undefined ? undefined : JSON.stringify({ data });
  return new Promise((resolve, reject) => {
    const req = request(
      `${phone.httpUrl}${path}`,
      { method: body ? 'POST' : 'GET', agent, headers: { ...AUTH, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          restMs.push(now() - t);
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        });
      },
    );
    // A kept-alive connection the phone closed as it was reused: once more on a new one, as HTTP clients do.
    req.on('error', (err) =>
      retry && req.reusedSocket && err.code === 'ECONNRESET' ? resolve(rest(phone, path, data, false)) : reject(err),
    );
    req.end(body);
  });
}

/** Runs an action of a pair, noting when it was sent and (once it succeeded) the events it raises. */
async function act(kind, a, b, path, data) {
  const t = now();
  const answer = await rest(kind === 'answer' ? b : a, path, data);
  if (answer.Status !== '2000') {
    failures++;
    return false;
  }
  for (const [side, element, state] of RAISES[kind]) {
    const key = `${(side === 'A' ? a : b).mac.toLowerCase()} ${element} ${state}`;
    (probes.get(key) ?? probes.set(key, []).get(key)).push(t);
  }
  return true;
}

/** Pair k: phone 2k calls phone 2k+1, which answers; the caller hangs up; pauseMs between the steps, until `until`. */
async function pair(k, until, pauseMs) {
  const a = phones[2 * k];
  const b = phones[2 * k + 1];
  await sleep(Math.random() * 3 * pauseMs);
  while (now() < until) {
    if (!(await act('dial', a, b, '/api/v1/callctrl/dial', { Dest: b.number, Line: '1' }))) break;
    await sleep(pauseMs);
    await act('answer', a, b, '/api/v1/callctrl/answerCall', {});
    await sleep(pauseMs);
    const calls = (await rest(a, '/api/v2/webCallControl/callStatus')).data ?? [];
    for (const c of calls) await act('end', a, b, '/api/v1/callctrl/endCall', { Ref: c.CallHandle });
    await sleep(pauseMs);
  }
}

const posts = async () => (await fetch(`${control}/posts`)).json();
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

/** One phase: the pairs call for `seconds`, then the phones' queues drain; prints what it measured. */
async function phase(name, seconds, pauseMs) {
  probes = new Map();
  failures = 0;
  requests = 0;
  restMs.length = 0;
  const before = await posts();
  const fleetCpu0 = cpuSeconds(fleet.pid);
  const receiverCpu0 = cpuSeconds(receiver.p.pid);
  const ownCpu0 = process.cpuUsage();
  const start = now();
  await Promise.all(Array.from({ length: PAIRS }, (_, k) => pair(k, start + seconds * 1000, pauseMs)));
  const end = now();
  const busy = (end - start) / 1000;
  const cpu = {
    fleet: (cpuSeconds(fleet.pid) - fleetCpu0) / busy,
    receiver: (cpuSeconds(receiver.p.pid) - receiverCpu0) / busy,
    own: ((u) => (u.user + u.system) / 1e6 / busy)(process.cpuUsage(ownCpu0)),
  };
  // Everything raised is then delivered, failed or dropped: wait until no phone has a document waiting.
  let after = await posts();
  for (let k = 0; k < 1200 && after.waiting > 0; k++) {
    await sleep(50);
    after = await posts();
  }
  const arrivals = (await (await fetch(`${RECEIVER}/arrivals`)).json()).filter(([t]) => t >= start);

  // The i-th arrival of a phone's event (element and CallState) belongs to the i-th action that raised it: a phone
  // posts in order. An arrival before its action (one whose document was dropped or failed) is skipped.
  const byKey = new Map();
  for (const [t, mac, element, state] of arrivals) {
    const key = `${mac} ${element} ${state}`;
    (byKey.get(key) ?? byKey.set(key, []).get(key)).push(t);
  }
  const delays = [];
  let unmatched = 0;
  for (const [key, times] of probes) {
    const got = byKey.get(key) ?? [];
    let j = 0;
    for (const t of times) {
      while (j < got.length && got[j] < t) j++;
      if (j < got.length) delays.push(got[j++] - t);
      else unmatched++;
    }
  }
  delays.sort((x, y) => x - y);
  restMs.sort((x, y) => x - y);
  const raised = [...probes.values()].reduce((n, times) => n + times.length, 0);
  const during = arrivals.filter(([t]) => t <= end).length;
  const lastArrival = arrivals.at(-1)?.[0] ?? end;
  const drain =
    arrivals.length > during
      ? `, the last ${arrivals.length - during} at ${Math.round((arrivals.length - during) / ((lastArrival - end) / 1000))}/s after the calls stopped`
      : '';
  const d = (k) => after[k] - before[k];
  let why = '';
  for (let i = 1; i <= Math.min(N, 50) && d('failed') > 0 && !why; i++) {
    const journal = await (await fetch(`${control}/phones/${i}/journal?limit=200`)).json();
    why = journal.find((e) => e.direction === 'out' && (e.httpStatus < 200 || e.httpStatus > 299))?.detail ?? '';
  }
  console.log(`\n${name}: ${PAIRS} pairs calling for ${busy.toFixed(1)} s (dial, answer, hang up, ${pauseMs} ms apart)`);
  console.log(
    `  raised ${raised} events (${Math.round(raised / busy)}/s); delivered ${during} while the calls ran ` +
      `(${Math.round(during / busy)} events/s)${drain}; all ${arrivals.length} in ${((lastArrival - start) / 1000).toFixed(1)} s`,
  );
  console.log(
    `  delay from the REST request that raised an event to its POST at the receiver: p50 ${ms(pct(delays, 50))}, ` +
      `p90 ${ms(pct(delays, 90))}, p99 ${ms(pct(delays, 99))}, max ${ms(delays.at(-1) ?? NaN)}` +
      (unmatched ? ` (${unmatched} events never arrived)` : ''),
  );
  console.log(
    `  the fleet's posts (GET /posts): ${d('delivered')} delivered, ${d('failed')} failed, ${d('dropped')} dropped` +
      `${why ? ` (a failure: ${why})` : ''}; the receiver counted ${arrivals.length}`,
  );
  console.log(
    `  REST: ${requests} requests, ${failures} refused, p50 ${ms(pct(restMs, 50))}, p99 ${ms(pct(restMs, 99))}; ` +
      `CPU of one core: fleet ${(cpu.fleet * 100).toFixed(0)}%, receiver ${(cpu.receiver * 100).toFixed(0)}%, bench ${(cpu.own * 100).toFixed(0)}%`,
  );
}

console.log(`load average ${load.toFixed(1)} on ${cpus().length} cores before the start`);
await phase('steady', SECONDS, PAUSE_MS);
if (FLAT_SECONDS > 0) await phase('flat out', FLAT_SECONDS, 0);
stop();
process.exit(0);
