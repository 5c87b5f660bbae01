// A server for the benchmark, run as a child process: `phone` (a polysim phone) or `bare BODY_FILE` (node:http
// answering a fixed JSON body). Prints its port on stdout.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [kind, arg] = process.argv.slice(2);
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
if (kind === 'bare') {
  const body = readFileSync(arg);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else {
  const { createHttpApp } = await import('../dist/transport/http/app.js');
  const { startPhone } = await import('../dist/runtime/phone-host.js');
  const app = await createHttpApp(false);
  const running = await startPhone({
    model: 'VVX 450', address: '127.0.0.1', httpPort: 0, httpsPort: 0, adminPassword: 'Bench-123', timing: { initMs: 0 },
  }, app);
  process.stdout.write(`${running.listeners.httpPort}\n`);
}
