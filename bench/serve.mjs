// A server for the benchmarks, run as a child process: `phone [MODEL FIRMWARE]` (a polysim phone),
// `bare BODY_FILE HEADERS_FILE` (node:http answering a fixed JSON body with the phone's own headers), or
// `fastify BODY_FILE HEADERS_FILE` (Fastify answering the same: the framework's own floor). Prints its port.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [kind, arg, arg2] = process.argv.slice(2);
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
if (kind === 'bare') {
  const body = readFileSync(arg);
  const headers = { ...JSON.parse(readFileSync(arg2, 'utf8')), 'content-length': body.length };
  const server = createServer((req, res) => {
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
