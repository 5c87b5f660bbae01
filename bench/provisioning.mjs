// Benchmark: a provisioning storm. N polysim phones (default 1000) boot at once against a real nginx on loopback,
// each fetching <mac>.cfg (404), 000000000000.cfg and site.cfg, as phones do at power-on; then a polling day (random
// mode, a 01:00-05:00 window) compressed by the fleet clock at 3600x. From nginx's own access log (each phone's files
// under its own /p<i>/ path, so the server's view is attributed to a phone) it prints phones provisioned per second,
// requests per second the server saw, the p99 per phone (first request to last, as the server timed them) and the
// errors. `npm run bench:provisioning`; FLEET_SIZE changes N. Needs Debian's nginx.
//
// The phones run in child processes of at most PER_PROCESS (5000) phones each: a phone holds an HTTP and an HTTPS
// listener, and a process here may open at most 20,000 files, so 10,000 phones are two fleets of 5,000 (each on its
// own ports), all against the one nginx, started together and moved by the same clock speed.
import { fork, spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.FLEET_SIZE ?? 1000);
const PER_PROCESS = 5000;

// A child: one fleet of `count` phones, phone i (from `offset`) under /p<i+1>/ of the server; says 'ready' when every
// phone is, takes { speed } to move its clock, and { stop } to end.
if (process.argv[2] === '--fleet') {
  const [offset, count, serverPort] = process.argv.slice(3).map(Number);
  const { createHttpApp } = await import('../dist/transport/http/app.js');
  const { startFleet } = await import('../dist/runtime/fleet.js');
  const app = await createHttpApp(false);
  const members = Array.from({ length: count }, (_, i) => ({
    set: {
      'device.prov.serverName': `http://127.0.0.1:${serverPort}/p${offset + i + 1}/`,
      'prov.polling.enabled': '1',
      'prov.polling.mode': 'random',
      'prov.polling.time': '01:00',
      'prov.polling.timeRandomEnd': '05:00',
    },
  }));
  const fleet = await startFleet(
    {
      count,
      members,
      model: 'VVX 450',
      address: '127.0.0.1',
      // fixed ranges below the ephemeral ports (32768 up), which the phones' own connections to nginx use up:
      // 10,000 phones with free ports and 30,000 connections (TIME_WAIT included) ran out of them
      httpPort: 12000 + 2 * offset,
      httpsPort: 12000 + 2 * offset + count,
      firstNumber: 1001 + offset,
      adminPassword: 'Bench-123',
      timing: { initMs: 0 },
      clockStart: Date.UTC(2027, 0, 4, 0, 30),
    },
    app,
  );
  await Promise.all(fleet.phones.map((r) => (r.phone.isReady ? undefined : new Promise((ok) => r.phone.once('ready', ok)))));
  process.send({ ready: true });
  process.on('message', async (m) => {
    if (m.speed !== undefined) fleet.clock.setSpeed(m.speed);
    if (m.stop) {
      await fleet.stop();
      await app.close();
      process.exit(0);
    }
  });
  await new Promise(() => undefined);
}
const NGINX = '/usr/sbin/nginx';
try {
  execFileSync(NGINX, ['-v'], { stdio: 'ignore' });
} catch {
  console.error('bench:provisioning needs nginx (Debian: apt-get install nginx)');
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'polysim-prov-bench-'));
const www = join(dir, 'www');
mkdirSync(www);
mkdirSync(join(dir, 'up'));
writeFileSync(join(www, '000000000000.cfg'), '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="site.cfg"/>');
const values = Array.from({ length: 200 }, (_, i) => `feature.${i}.x="${i}"`).join(' ');
writeFileSync(join(www, 'site.cfg'), `<polycomConfig><loc locInfo.city="Oslo"/><misc ${values}/></polycomConfig>`);
const port = await freePort();
writeFileSync(
  join(dir, 'nginx.conf'),
  `${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 16384; }
http {
  log_format bench '$msec $request_time $status $request_uri';
  access_log ${dir}/access.log bench;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    # what the phones upload (their boot logs once ready, as phones do): WebDAV PUT into their own folder
    location ~ ^/p[0-9]+/.*\\.(log|xml)$ { root ${dir}/up; dav_methods PUT; create_full_put_path on; }
    location ~ ^/p[0-9]+/(.*)$ { root ${www}; try_files /$1 =404; }
  }
}
`,
);
const nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 300));

/** The access log, as [endSeconds, seconds, status, phone, file]. */
function log() {
  return readFileSync(join(dir, 'access.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [msec, rt, status, uri] = l.split(' ');
      const m = /^\/p(\d+)\/(.*)$/.exec(uri);
      return { end: Number(msec), took: Number(rt), status: Number(status), phone: Number(m?.[1]), file: m?.[2] ?? uri };
    });
}

/** Phones provisioned per second, server requests per second, p99 per phone, errors, over log entries `rows`. */
function figures(rows) {
  const byPhone = new Map();
  for (const r of rows) {
    const p = byPhone.get(r.phone) ?? { first: Infinity, last: 0, ok: false };
    p.first = Math.min(p.first, r.end - r.took);
    p.last = Math.max(p.last, r.end);
    if (r.file === 'site.cfg' && r.status === 200) p.ok = true;
    byPhone.set(r.phone, p);
  }
  const start = Math.min(...rows.map((r) => r.end - r.took));
  const end = Math.max(...rows.map((r) => r.end));
  const per = [...byPhone.values()].map((p) => p.last - p.first).sort((a, b) => a - b);
  const errors = rows.filter(
    (r) => r.status >= 400 && !(r.status === 404 && /^[0-9a-f]{12}\.cfg$/.test(r.file) && r.file !== '000000000000.cfg'),
  );
  return {
    phones: [...byPhone.values()].filter((p) => p.ok).length,
    seconds: end - start,
    phonesPerSecond: [...byPhone.values()].filter((p) => p.ok).length / (end - start),
    requestsPerSecond: rows.length / (end - start),
    p99PerPhoneMs: 1000 * (per[Math.floor(per.length * 0.99)] ?? 0),
    errors: errors.length,
  };
}

const t0 = performance.now();
const children = [];
for (let offset = 0; offset < N; offset += PER_PROCESS) {
  const child = fork(new URL(import.meta.url).pathname, [
    '--fleet',
    String(offset),
    String(Math.min(PER_PROCESS, N - offset)),
    String(port),
  ]);
  children.push({ child, ready: new Promise((ok) => child.on('message', (m) => m.ready && ok())) });
}
await Promise.all(children.map((c) => c.ready));
const bootMs = performance.now() - t0;
const boot = log();
const cold = figures(boot);
console.log(`cold boot of ${N} phones: all ready in ${(bootMs / 1000).toFixed(2)} s`);
console.log(
  `  server saw ${boot.length} requests: ${cold.requestsPerSecond.toFixed(0)} req/s, ${cold.phonesPerSecond.toFixed(0)} phones provisioned/s, ` +
    `p99 per phone ${cold.p99PerPhoneMs.toFixed(0)} ms, ${cold.errors} errors, ${cold.phones}/${N} provisioned`,
);

// A polling day: every phone polls once at a random moment of 01:00-05:00; at 3600x the window is 4 real seconds.
for (const { child } of children) child.send({ speed: 3600 });
const until = Date.now() + 30_000;
let polls = [];
while (Date.now() < until) {
  polls = log().slice(boot.length);
  if (polls.filter((r) => r.file === 'site.cfg').length >= N) break;
  await new Promise((r) => setTimeout(r, 200));
}
const day = figures(polls);
console.log(
  `polling day at 3600x: ${polls.length} requests, ${day.requestsPerSecond.toFixed(0)} req/s at the server, ` +
    `${day.phones}/${N} phones polled, p99 per phone ${day.p99PerPhoneMs.toFixed(0)} ms, ${day.errors} errors`,
);
await Promise.all(children.map(({ child }) => new Promise((ok) => (child.once('exit', ok), child.send({ stop: true })))));
nginx.kill('SIGTERM');
process.exit(0);
