// A fleet for the fleet benchmark, as a child process: `phones N PORT` (polysim phones on PORT..PORT+N-1) or
// `bare N PORT BODY_FILE` (N bare node:http servers answering BODY_FILE). Reports on stdout as JSON lines.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

process.on('SIGTERM', () => process.exit(0));
const [kind, count, port, file] = process.argv.slice(2);
const n = Number(count);
const base = Number(port);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const settle = async () => {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  globalThis.gc?.();
  return process.memoryUsage();
};

if (kind === 'bare') {
  const body = readFileSync(file);
  const before = await settle();
  for (let i = 0; i < n; i++) {
    const s = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    await new Promise((r) => s.listen(base + i, '127.0.0.1', r));
  }
  const after = await settle();
  say({ ready: true, heapPerServer: (after.heapUsed - before.heapUsed) / n, rssPerServer: (after.rss - before.rss) / n });
} else {
  const { createHttpApp } = await import('../dist/transport/http/app.js');
  const { startFleet } = await import('../dist/runtime/fleet.js');
  const app = await createHttpApp(false);
  const before = await settle();
  const t0 = performance.now();
  await startFleet(
    {
      count: n,
      model: 'VVX 450',
      address: '127.0.0.1',
      httpPort: base,
      httpsPort: base + n,
      firstNumber: 1001,
      sipPort: base + 2 * n,
      sipTlsPort: base + 3 * n,
      adminPassword: 'Bench-123',
      timing: { initMs: 0 },
    },
    app,
  );
  say({ listening: performance.now() - t0, startedAt: performance.timeOrigin + t0 });
  const after = await settle();
  say({ ready: true, heapPerPhone: (after.heapUsed - before.heapUsed) / n, rssPerPhone: (after.rss - before.rss) / n });
}
