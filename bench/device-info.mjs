// Benchmark: a phone's GET /api/v2/mgmt/device/info against a bare node:http server answering the same bytes with
// the same headers, each in a child process. Measured with wrk (C, Debian package `wrk`), a client faster than
// either server, on 1 and 32 keep-alive connections, with Basic credentials (VVX 450) and with a session cookie
// (CCX 600, PVOS 9.5); interleaved rounds, medians. autocannon (a Node client, which saturates near the server's own
// rate and flatters the ratio) is run once too, for comparison with earlier figures.
// `npm run bench` (builds first). BENCH_ROUNDS (default 5) rounds of BENCH_SECONDS (default 3) per case; BENCH_CASES=basic
// or =session for one case. "Fastify alone" answers the same bytes in every case: the floor while phones run on Fastify.
// BENCH_ADDED_WORK=2,5,10,20 also runs, on 32 connections, node:http servers that do that many microseconds of
// computation per request before answering, interleaved with the others: what a ratio means in work added on this host.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const password = 'Bench-123';
const basic = `Basic ${Buffer.from(`Polycom:${password}`).toString('base64')}`;
const path = '/api/v2/mgmt/device/info';
const dir = mkdtempSync(join(tmpdir(), 'polysim-bench-'));

function serve(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./serve.mjs', import.meta.url).pathname, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** A session cookie from a CCX: session/create signed with Digest SHA-256 (RFC 7616). */
async function sessionCookie(port) {
  const url = `http://127.0.0.1:${port}/api/v1/mgmt/session/create`;
  const first = await fetch(url);
  const challenge = first.headers
    .get('www-authenticate')
    .split(/,\s*(?=Digest|Basic)/)
    .find((c) => /algorithm=SHA-256/.test(c));
  const param = (n) => new RegExp(`${n}="?([^",]+)"?`).exec(challenge)?.[1];
  const h = (s) => createHash('sha256').update(s).digest('hex');
  const [realm, nonce, opaque] = [param('realm'), param('nonce'), param('opaque')];
  const cnonce = randomBytes(8).toString('hex');
  const uri = '/api/v1/mgmt/session/create';
  const response = h(`${h(`Polycom:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${h(`GET:${uri}`)}`);
  const auth = `Digest username="Polycom", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}", opaque="${opaque}"`;
  const res = await fetch(url, { headers: { authorization: auth } });
  if (res.status !== 200) throw new Error(`session/create answered ${res.status}`);
  return res.headers.get('set-cookie').split(';')[0];
}

/** Starts a phone and a bare server answering its bytes and headers; `header` authenticates the requests. */
async function pair(model, firmware, auth) {
  const phone = await serve(['phone', model, ...(firmware ? [firmware] : [])]);
  const header = auth === 'session' ? ['cookie', await sessionCookie(phone.port)] : ['authorization', basic];
  const res = await fetch(`http://127.0.0.1:${phone.port}${path}`, { headers: { [header[0]]: header[1] } });
  if (res.status !== 200) throw new Error(`${model}: ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const headers = Object.fromEntries([...res.headers].filter(([k]) => !['content-length', 'date', 'connection', 'keep-alive'].includes(k)));
  const bodyFile = join(dir, `${model}-body.json`);
  const headerFile = join(dir, `${model}-headers.json`);
  writeFileSync(bodyFile, body);
  writeFileSync(headerFile, JSON.stringify(headers));
  const bare = await serve(['bare', bodyFile, headerFile]);
  const fastify = await serve(['fastify', bodyFile, headerFile]);
  return { phone, bare, fastify, header, bytes: body.length, files: [bodyFile, headerFile] };
}

/** CPU time (user + system) a process has used, in microseconds, from /proc (Linux). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
}

function wrk(server, header, connections) {
  const { port } = server;
  const threads = connections > 1 ? 2 : 1;
  const cpuBefore = cpuMicros(server.child.pid);
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '-H', `${header[0]}: ${header[1]}`, `http://127.0.0.1:${port}${path}`],
    { encoding: 'utf8' },
  );
  if (/Non-2xx/.test(out)) throw new Error(`non-2xx answers:\n${out}`);
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), cpuUs: (cpuMicros(server.child.pid) - cpuBefore) / requests };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The single-phone aim of the request path: at least this share of bare node:http's rate. */
const AIM = 0.9;
let hasWrk = true;
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  hasWrk = err.status === 1; // wrk --version exits 1 after printing
}

// BENCH_CASES=basic or =session runs one case only (default: both).
const only = process.env.BENCH_CASES?.split(',');
const cases = [
  { label: 'Basic, VVX 450', model: 'VVX 450', auth: 'basic' },
  { label: 'session cookie, CCX 600 9.5.0', model: 'CCX 600', firmware: '9.5.0', auth: 'session' },
].filter((c) => !only || only.includes(c.auth));
const addedWork = (process.env.BENCH_ADDED_WORK ?? '').split(',').filter(Boolean).map(Number);
const rows = [];
for (const c of cases) {
  const { phone, bare, fastify, header, bytes, files } = await pair(c.model, c.firmware, c.auth);
  const worked = await Promise.all(addedWork.map(async (us) => ({ us, server: await serve(['bare', ...files, String(us)]) })));
  try {
    if (hasWrk) {
      for (const connections of [1, 32]) {
        wrk(phone, header, connections); // warm-up
        wrk(bare, header, connections);
        const p = [];
        const b = [];
        const f = [];
        const w = connections === 32 ? worked.map(() => []) : [];
        for (let i = 0; i < rounds; i++) {
          p.push(wrk(phone, header, connections));
          b.push(wrk(bare, header, connections));
          f.push(wrk(fastify, header, connections));
          w.forEach((runs, k) => runs.push(wrk(worked[k].server, header, connections)));
        }
        // Each round's own ratio too: its spread says how noisy the machine was.
        const roundRatios = p.map((r, i) => r.rps / b[i].rps);
        rows.push({
          client: 'wrk',
          label: c.label,
          connections,
          bytes,
          phone: median(p.map((r) => r.rps)),
          bare: median(b.map((r) => r.rps)),
          spread: [Math.min(...roundRatios), Math.max(...roundRatios)],
          phoneCpu: median(p.map((r) => r.cpuUs)),
          bareCpu: median(b.map((r) => r.cpuUs)),
          ...(f.length > 0 ? { fastify: median(f.map((r) => r.rps)), fastifyCpu: median(f.map((r) => r.cpuUs)) } : {}),
          added: w.map((runs, k) => ({ us: worked[k].us, rps: median(runs.map((r) => r.rps)), cpu: median(runs.map((r) => r.cpuUs)) })),
        });
      }
    }
    if (c.auth === 'basic') {
      const opts = (port) => ({
        url: `http://127.0.0.1:${port}${path}`,
        connections: 1,
        duration: seconds,
        headers: { [header[0]]: header[1] },
      });
      const p = [];
      const b = [];
      for (let i = 0; i < rounds; i++) {
        p.push((await autocannon(opts(phone.port))).requests.average);
        b.push((await autocannon(opts(bare.port))).requests.average);
      }
      rows.push({ client: 'autocannon', label: c.label, connections: 1, bytes, phone: median(p), bare: median(b) });
    }
  } finally {
    phone.child.kill();
    bare.child.kill();
    fastify.child.kill();
    for (const { server } of worked) server.child.kill();
  }
}

console.log(`GET ${path}; ${rounds} interleaved rounds of ${seconds} s per case; medians in req/s`);
if (!hasWrk) console.log('wrk is not installed (apt-get install wrk): only autocannon ran');
for (const r of rows) {
  const cpu = r.phoneCpu === undefined ? '' : `  CPU/request ${r.phoneCpu.toFixed(0)} vs ${r.bareCpu.toFixed(0)} us`;
  console.log(
    `${r.client.padEnd(10)} ${r.label.padEnd(30)} ${String(r.connections).padStart(2)} conn  phone ${r.phone.toFixed(0).padStart(6)}  node:http ${r.bare.toFixed(0).padStart(6)}  ratio ${(r.phone / r.bare).toFixed(2)}${cpu}`,
  );
  for (const a of r.added ?? []) {
    console.log(
      `${''.padEnd(10)} ${`  node:http + ${a.us} us of work`.padEnd(30)} ${String(r.connections).padStart(2)} conn  ${a.rps.toFixed(0).padStart(12)}  ratio ${(a.rps / r.bare).toFixed(2)}  CPU/request ${a.cpu.toFixed(0)} us`,
    );
  }
  if (r.fastify !== undefined) {
    console.log(
      `${''.padEnd(10)} ${'  Fastify alone, same bytes'.padEnd(30)} ${String(r.connections).padStart(2)} conn  ${r.fastify.toFixed(0).padStart(12)}  ratio ${(r.fastify / r.bare).toFixed(2)}  CPU/request ${r.fastifyCpu.toFixed(0)} us`,
    );
  }
}

// The three single-phone targets on one line each: Basic on 1 and on 32 connections, and a session cookie.
const targets = [
  ['1 connection, Basic', rows.find((r) => r.client === 'wrk' && r.connections === 1 && r.label.startsWith('Basic'))],
  ['32 connections, Basic', rows.find((r) => r.client === 'wrk' && r.connections === 32 && r.label.startsWith('Basic'))],
  ['1 connection, session cookie', rows.find((r) => r.client === 'wrk' && r.connections === 1 && r.label.startsWith('session'))],
  ['32 connections, session cookie', rows.find((r) => r.client === 'wrk' && r.connections === 32 && r.label.startsWith('session'))],
];
console.log(`phone / node:http (aim >= ${AIM.toFixed(2)}; median of the rounds, and the rounds' own ratios from lowest to highest)`);
for (const [name, r] of targets) {
  if (!r) continue;
  const ratio = r.phone / r.bare;
  console.log(
    `  ${name.padEnd(32)} ${ratio.toFixed(2)}  rounds ${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)}  CPU ${(r.bareCpu / r.phoneCpu).toFixed(2)}  ${ratio >= AIM ? 'met' : 'not met'}`,
  );
}
