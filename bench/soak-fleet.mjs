// The fleet of the soak (bench/soak.mjs), as a child process: a polysim fleet in address mode whose line 1 registers
// to Kamailio and whose telephony events go to one receiver, and, every SAMPLE_SECONDS, what the process holds:
// RSS and heap, the event loop's delay (perf_hooks monitorEventLoopDelay), open handles by kind
// (process.getActiveResourcesInfo), descriptors (/proc/self/fd), lines registered, calls up, and the documents the
// phones posted; every GC_SECONDS (30) RSS and heap also right after a full collection (node --expose-gc), where a
// leak shows without the sawtooth of the collector's own rhythm. Configured by one JSON argument; reports on stdout as JSON lines ({ready}, {sample}, {final}).
// Stops on SIGTERM: the final counts, then the fleet stops.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';

const cfg = JSON.parse(process.argv[2]);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { createHttpApp } = await import('../dist/transport/http/app.js');
const { startFleet } = await import('../dist/runtime/fleet.js');
const { telephonyEventValues } = await import('../dist/runtime/fleet-receiver.js');

const app = await createHttpApp(false);
const fleet = await startFleet(
  {
    count: cfg.count,
    model: 'VVX 450',
    address: '127.0.0.1',
    addressRange: cfg.range,
    httpPort: cfg.httpPort,
    httpsPort: cfg.httpsPort,
    sipPort: cfg.sipPort,
    sipTlsPort: cfg.sipTlsPort,
    firstNumber: cfg.firstNumber,
    adminPassword: cfg.password,
    media: cfg.media,
    registrar: { address: '127.0.0.1', port: cfg.registrarPort, transport: 'UDPOnly' },
    sipPassword: 'secret-{number}',
    timing: { initMs: 0 },
    set: {
      // registrations refreshed often: a soak of minutes sees many rounds
      'reg.1.server.1.expires': String(cfg.expires),
      ...telephonyEventValues({ url: cfg.receiver }),
    },
  },
  app,
);

// SOAK_PREFILL: every phone starts with its bounded lists full, as after hours of traffic: its call log
// (CALL_LOG_KEEP calls) and its journal (its capacity in records, requests received and documents posted, as the soak's own
// traffic makes them). A soak of an hour then measures a fleet at its working size: what still grows is a leak, not a
// list filling up (at this traffic a phone's call log takes about four hours to fill, its journal most of the hour).
if (cfg.prefill) {
  const { CALL_LOG_KEEP } = await import('../dist/phone/phone.js');
  const now = Date.now();
  for (const [n, r] of fleet.phones.entries()) {
    const peer = String(cfg.firstNumber + ((n + 1) % cfg.count));
    for (let i = 0; i < CALL_LOG_KEEP; i++) {
      const kind = ['placed', 'received', 'missed'][i % 3];
      r.phone.addCallLog({
        kind,
        line: 1,
        startTime: now - (CALL_LOG_KEEP - i) * 60_000,
        remoteName: peer,
        remoteNumber: peer,
        durationSeconds: 2 + (i % 9),
      });
    }
    for (let i = 0; i < r.journal.capacity; i++) {
      const at = r.phone.clock.now();
      r.journal.add(
        i % 2 === 0
          ? {
              at,
              transport: 'http',
              method: 'GET',
              url: '/api/v1/mgmt/device/info',
              from: '127.0.0.1',
              auth: 'basic',
              httpStatus: 200,
              status: '2000',
              ms: 0.4,
            }
          : {
              at,
              transport: 'http',
              method: 'POST',
              url: cfg.receiver,
              from: '',
              direction: 'out',
              httpStatus: 200,
              ms: 1.2,
              detail: 'CallStateChangeEvent',
            },
      );
    }
  }
  say({ prefilled: { callLog: CALL_LOG_KEEP, journal: fleet.phones[0]?.journal.capacity } });
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const ms = (ns) => Math.round(ns / 1e4) / 100;
const posts = () => {
  const t = { delivered: 0, failed: 0, dropped: 0, waiting: 0 };
  for (const r of fleet.phones) {
    t.delivered += r.posts.counts.delivered;
    t.failed += r.posts.counts.failed;
    t.dropped += r.posts.counts.dropped;
    t.waiting += r.posts.length;
  }
  return t;
};
const snapshot = () => {
  const handles = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  const m = process.memoryUsage();
  return {
    t: Date.now(),
    rss: m.rss,
    heapUsed: m.heapUsed,
    loopP50: ms(delay.percentile(50)),
    loopP99: ms(delay.percentile(99)),
    loopMax: ms(delay.max),
    handles,
    fds: readdirSync('/proc/self/fd').length - 1,
    registered: fleet.phones.filter((r) => r.phone.lines.get(1).registered).length,
    calls: fleet.phones.reduce((n, r) => n + r.phone.calls.all().length, 0),
    posts: posts(),
  };
};

say({ ready: true, phones: fleet.phones.length, pid: process.pid });
let taken = 0;
const gcEvery = Math.max(1, Math.round(cfg.gcSeconds / cfg.sampleSeconds));
const sampler = setInterval(() => {
  const sample = snapshot();
  if (++taken % gcEvery === 0 && globalThis.gc) {
    globalThis.gc();
    const m = process.memoryUsage();
    sample.afterGc = { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    // SOAK_HEAP_SNAPSHOTS=dir: a heap snapshot at each, to compare where the heap grew (Chrome's DevTools, Memory)
    if (cfg.heapSnapshots) sample.snapshot = writeHeapSnapshot(join(cfg.heapSnapshots, `soak-${taken}.heapsnapshot`));
  }
  say({ sample });
  // the collection just forced is left out of the next window's delay
  delay.reset();
}, cfg.sampleSeconds * 1000);

process.on('SIGTERM', async () => {
  clearInterval(sampler);
  say({ final: snapshot() });
  await fleet.stop();
  await app.close();
  process.exit(0);
});
