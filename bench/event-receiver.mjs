// The receiver of bench/events.mjs, as a child process: a node:http server on a free loopback port that takes the
// phones' telephony event POSTs, answers 200 at once, and notes for each when its headers arrived (this machine's
// clock, milliseconds with fractions), which phone sent it (MACAddress), the event's element and its CallState.
// GET /count answers how many arrived; GET /arrivals all of them ([t, mac, element, state] rows). It prints
// {"port": N} once it listens. At most MAX arrivals are kept (a bench's bound); more are counted, not kept.
import { createServer } from 'node:http';

const MAX = 2_000_000;
const now = () => performance.timeOrigin + performance.now();
const arrivals = [];
let count = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const body = req.url === '/arrivals' ? JSON.stringify(arrivals) : JSON.stringify({ count });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const t = now();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const doc = Buffer.concat(chunks).toString('utf8');
    count++;
    if (arrivals.length < MAX) {
      arrivals.push([
        t,
        /<MACAddress>([0-9a-f]+)</.exec(doc)?.[1] ?? '',
        /<PolycomIPPhone>\s*<(\w+)/.exec(doc)?.[1] ?? '',
        /CallState="(\w+)"/.exec(doc)?.[1] ?? '',
      ]);
    }
    res.writeHead(200, { 'content-length': '0' }).end();
  });
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
