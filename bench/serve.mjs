// A server for the benchmarks, run as a child process: `phone [MODEL FIRMWARE]` (a polysim phone),
// `bare BODY_FILE HEADERS_FILE [WORK_US]` (node:http answering a fixed JSON body with the phone's own headers, after
// WORK_US microseconds of computation per request when given: BENCH_ADDED_WORK in device-info.mjs), or
// `fastify BODY_FILE HEADERS_FILE` (Fastify answering the same: the framework's own floor). Prints its port.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [kind, arg, arg2, arg3] = process.argv.slice(2);
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
/**
 * A loop of arithmetic that takes about `us` microseconds of CPU: its count is measured at start (the median of five
 * runs of 200,000 turns), so the work added is CPU, not wall-clock time as a spin on the clock would be when preempted.
 */
function workFor(us) {
  let sink = 0;
  const loop = (n) => {
    let x = sink;
    for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) % 2147483647;
    sink = x;
  };
  const perMs = [];
  for (let k = 0; k < 5; k++) {
    const n = 200_000;
    const t = process.hrtime.bigint();
    loop(n);
    perMs.push(n / (Number(process.hrtime.bigint() - t) / 1e6));
  }
  const n = Math.round((perMs.sort((a, b) => a - b)[2] * us) / 1000);
  return () => loop(n);
}

if (kind === 'bare') {
  const body = readFileSync(arg);
  const headers = { ...JSON.parse(readFileSync(arg2, 'utf8')), 'content-length': body.length };
  const us = Number(arg3 ?? 0);
  const work = us > 0 ? workFor(us) : undefined;
  const server = createServer((req, res) => {
    work?.();
    res.writeHead(200, headers);
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else if (kind === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const body = readFileSync(arg);
  const headers = JSON.parse(readFileSync(arg2, 'utf8'));
  const app = Fastify();
  app.route({ method: ['GET'], url: '*', handler: (req, reply) => reply.code(200).headers(headers).send(body) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${app.server.address().port}\n`);
} else {
  const { createHttpApp } = await import('../dist/transport/http/app.js');
  const { startPhone } = await import('../dist/runtime/phone-host.js');
  const app = await createHttpApp(false);
  const running = await startPhone(
    {
      model: arg ?? 'VVX 450',
      firmware: arg2,
      address: '127.0.0.1',
      httpPort: 0,
      httpsPort: 0,
      adminPassword: 'Bench-123',
      timing: { initMs: 0 },
      set: (arg ?? '').startsWith('CCX') ? { 'httpd.rest.session.duration.sec': '86400' } : {},
    },
    app,
  );
  process.stdout.write(`${running.listeners.httpPort}\n`);
}
