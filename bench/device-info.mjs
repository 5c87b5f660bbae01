// Benchmark: one phone, GET /api/v2/mgmt/device/info on one keep-alive connection, against a bare node:http server
// answering the same JSON, both run from this process. Prints both rates and their ratio (aim: >= 0.7).
// Run with `npm run bench` (builds first). BENCH_ROUNDS (default 5) alternating rounds of BENCH_SECONDS (default 3).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const auth = `Basic ${Buffer.from('Polycom:Bench-123').toString('base64')}`;
const path = '/api/v2/mgmt/device/info';

function serve(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./serve.mjs', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

function options(port) {
  return { url: `http://127.0.0.1:${port}${path}`, connections: 1, pipelining: 1, headers: { authorization: auth } };
}

async function measure(port) {
  const opts = options(port);
  const r = await autocannon({ ...opts, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

const phone = await serve(['phone']);
const body = Buffer.from(await (await fetch(`http://127.0.0.1:${phone.port}${path}`, { headers: { authorization: auth } })).arrayBuffer());
const file = join(mkdtempSync(join(tmpdir(), 'polysim-bench-')), 'body.json');
writeFileSync(file, body);
const bare = await serve(['bare', file]);

// Alternate short rounds so that both servers see the same machine load; report the medians.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
await autocannon({ ...options(phone.port), duration: 2 });
await autocannon({ ...options(bare.port), duration: 2 });
const phoneRuns = [];
const bareRuns = [];
for (let i = 0; i < rounds; i++) {
  phoneRuns.push(await measure(phone.port));
  bareRuns.push(await measure(bare.port));
}
phone.child.kill();
bare.child.kill();

const median = (runs) => runs.map((r) => r.rps).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const p = median(phoneRuns);
const b = median(bareRuns);
console.log(`GET ${path}, 1 keep-alive connection, ${rounds} alternating rounds of ${seconds} s, ${body.length}-byte answer`);
console.log(`polysim phone : ${p.toFixed(0)} req/s median (rounds: ${phoneRuns.map((r) => r.rps.toFixed(0)).join(', ')})`);
console.log(`bare node:http: ${b.toFixed(0)} req/s median (rounds: ${bareRuns.map((r) => r.rps.toFixed(0)).join(', ')})`);
console.log(`ratio         : ${(p / b).toFixed(2)} (aim >= 0.70)`);
