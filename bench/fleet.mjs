// Benchmark: a fleet of N phones (default 1000) in one process. Prints the time until every phone answers, the
// memory per idle phone, and the aggregate request rate with one keep-alive connection per phone, against N bare
// node:http servers answering the same bytes, both run from this process. Aims: ready in 3 s, at most 0.3 MB per
// idle phone, at least 0.8x node:http's rate. `npm run bench:fleet`; FLEET_SIZE and BENCH_SECONDS change the run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fleetServe } from './child.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.FLEET_SIZE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PHONE_PORT = 20000; // HTTP; HTTPS, SIP (UDP and TCP) and SIP TLS follow at +N, +2N, +3N
const BARE_PORT = PHONE_PORT + 4 * N + 1000;
const auth = `Basic ${Buffer.from('Polycom:Bench-123').toString('base64')}`;
const path = '/api/v2/mgmt/device/info';

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { authorization: auth } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every phone, one keep-alive connection each, requests back to back for SECONDS; total answers per second. */
async function rate(basePort) {
  const agents = Array.from({ length: N }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(agents.map((a, i) => get(a, basePort + i)));
  let count = 0;
  let failures = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    agents.map(async (a, i) => {
      while (Date.now() < end) {
        const r = await get(a, basePort + i);
        if (r.status === 200) count++;
        else failures++;
      }
    }),
  );
  for (const a of agents) a.destroy();
  return { rps: count / SECONDS, failures };
}

const t0 = performance.now();
const phones = fleetServe(['phones', String(N), String(PHONE_PORT)], ['--expose-gc']);
await phones.until('listening');
// Time until all answer: every phone's HTTP answers once.
const probe = new Agent({ keepAlive: true, maxSockets: 64 });
let body;
await Promise.all(
  Array.from({ length: N }, async (_, i) => {
    const r = await get(probe, PHONE_PORT + i);
    if (r.status !== 200) throw new Error(`phone ${i + 1} answered ${r.status}`);
    body ??= r.body;
  }),
);
probe.destroy();
const readyMs = performance.now() - t0;
const mem = await phones.until('ready');
const phoneRate = await rate(PHONE_PORT);
phones.p.kill('SIGTERM');

const file = join(mkdtempSync(join(tmpdir(), 'polysim-fleet-')), 'body.json');
writeFileSync(file, body);
const bare = fleetServe(['bare', String(N), String(BARE_PORT), file], ['--expose-gc']);
const bareMem = await bare.until('ready');
const bareRate = await rate(BARE_PORT);
bare.p.kill('SIGTERM');

const MB = 1024 * 1024;
console.log(`fleet of ${N} VVX 450 phones in one process`);
console.log(`ready (every phone answers HTTP): ${(readyMs / 1000).toFixed(2)} s from spawn (aim <= 3 s); HTTPS listens from the start`);
console.log(
  `memory per idle phone: ${(mem.heapPerPhone / MB).toFixed(3)} MB heap, ${(mem.rssPerPhone / MB).toFixed(3)} MB RSS (aim <= 0.3 MB); bare server: ${(bareMem.rssPerServer / MB).toFixed(3)} MB RSS`,
);
console.log(
  `aggregate rate, ${N} connections, ${SECONDS} s: polysim ${phoneRate.rps.toFixed(0)} req/s, bare node:http ${bareRate.rps.toFixed(0)} req/s, ratio ${(phoneRate.rps / bareRate.rps).toFixed(2)} (aim >= 0.8)`,
);
if (phoneRate.failures || bareRate.failures) console.log(`failures: polysim ${phoneRate.failures}, bare ${bareRate.failures}`);
