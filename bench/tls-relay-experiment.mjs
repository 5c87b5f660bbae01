// An experiment, not an aim: what TLS on a worker thread would give 1,000 phones over HTTPS (docs/benchmarks.md,
// "2026-12-03 (later)" and "2026-12-03 (afternoon)"). 1,000 HTTPS listeners answer a fixed device/info, each with its own
// certificate, made ahead. Three modes: `main`, node's https server per listener on the main thread, its context made
// on the first connection (what a phone does); `worker`, a worker thread owning the listeners, the contexts (made
// ahead) and the TLS sockets, relaying the plain bytes as messages to one HTTP server on the main thread; `offload`,
// the listeners on the main thread relaying each connection's encrypted bytes to a worker thread that makes the
// context on the first connection and does the TLS, the clear bytes coming back to the main thread's HTTP server.
// The client is bench/fleet-https.mjs's: 32 new connections at a time, one request each. "ready": listening with
// every certificate made (main, offload) or every certificate and context made (worker). `npm run build` first (it
// uses dist/transport/certificate.js). Usage: [MODES=main,worker,offload] node bench/tls-relay-experiment.mjs [rounds]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { createServer as netServer } from 'node:net';
import { createServer as httpServer } from 'node:http';
import { createServer as httpsServer } from 'node:https';
import { connect, createSecureContext, TLSSocket } from 'node:tls';
import { Duplex } from 'node:stream';

/**
 * The offload mode's relay, both ways: a stream whose writes go to `port` as `{ t: tag, id, b }` and whose end as
 * `{ t: tag + 'End', id }`; `destroy`, if given, is the stream's own (called with it as `this`).
 */
const messageDuplex = (port, id, tag, destroy) =>
  new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      port.postMessage({ t: tag, id, b: new Uint8Array(chunk) });
      cb();
    },
    final(cb) {
      port.postMessage({ t: `${tag}End`, id });
      cb();
    },
    ...(destroy ? { destroy } : {}),
  });

if (process.argv[2] === 'serve' || !isMainThread) {
  const N = 1000,
    BASE = 13000;
  const body = Buffer.from(JSON.stringify({ Status: '2000', data: { ModelNumber: 'VVX 450', Firmware: '6.4.6' } }));
  const answer = (req, res) => {
    res.writeHead(200, ['content-type', 'application/json', 'content-length', String(body.length)]);
    res.end(body);
  };
  const { selfSignedCertificate } = await import(new URL('../dist/transport/certificate.js', import.meta.url).href);
  const cert = (i) =>
    selfSignedCertificate({
      commonName: 'p' + i,
      organization: 'Polycom',
      dnsNames: [],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 1e10),
    });
  if (isMainThread) {
    const mode = process.argv[3];
    if (mode === 'main') {
      const certs = Array.from({ length: N }, (_, i) => cert(i)); // made ahead (the fleet's worker does this)
      let left = N;
      for (let i = 0; i < N; i++) {
        let s;
        const plain = netServer({ noDelay: true }, (sock) => {
          s ??= httpsServer({ ...certs[i] }, answer);
          s.emit('connection', sock);
        });
        plain.listen(BASE + i, '127.0.0.1', () => --left === 0 && console.log('up'));
      }
    } else if (mode === 'offload') {
      // listeners on main; TLS (contexts made on first connection, handshakes, records) on a worker; ciphertext relayed
      const certs = Array.from({ length: N }, (_, i) => cert(i));
      const http = httpServer(answer);
      const w = new Worker(new URL(import.meta.url), { workerData: 'offload' });
      const conns = new Map();
      let next = 0;
      w.on('message', (m) => {
        const c = conns.get(m.id);
        if (!c) return;
        if (m.t === 'wire') c.raw.write(m.b);
        else if (m.t === 'secure') {
          const d = messageDuplex(w, m.id, 'out', function (err, cb) {
            if (err || !this.writableFinished) c.raw.destroy();
            cb(err);
          });
          d.remoteAddress = '127.0.0.1';
          d.encrypted = true;
          d.setTimeout = () => d;
          d.setNoDelay = () => d;
          c.clear = d;
          http.emit('connection', d);
        } else if (m.t === 'clear') c.clear?.push(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
        else if (m.t === 'clearEnd') c.clear?.push(null);
        else if (m.t === 'wireEnd') c.raw.end();
        else if (m.t === 'fail') c.raw.destroy();
      });
      let left = N;
      for (let i = 0; i < N; i++) {
        netServer({ noDelay: true, allowHalfOpen: true }, (raw) => {
          const id = next++;
          raw.on('end', () => w.postMessage({ t: 'inEnd', id }));
          conns.set(id, { raw });
          raw.on('data', (b) => w.postMessage({ t: 'in', id, ctx: i, b: new Uint8Array(b), m: certs[i] }));
          raw.on('close', () => {
            conns.delete(id);
            w.postMessage({ t: 'drop', id });
          });
          raw.on('error', () => undefined);
        }).listen(BASE + i, '127.0.0.1', () => --left === 0 && console.log('up'));
      }
    } else {
      const http = httpServer(answer);
      const conns = new Map();
      const w = new Worker(new URL(import.meta.url));
      w.on('message', (m) => {
        if (m.t === 'open') {
          const d = new Duplex({
            read() {},
            write(chunk, _enc, cb) {
              w.postMessage({ t: 'data', id: m.id, data: chunk });
              cb();
            },
            final(cb) {
              w.postMessage({ t: 'end', id: m.id });
              cb();
            },
            destroy(err, cb) {
              w.postMessage({ t: 'end', id: m.id });
              conns.delete(m.id);
              cb(err);
            },
          });
          d.remoteAddress = '127.0.0.1';
          d.encrypted = true;
          conns.set(m.id, d);
          http.emit('connection', d);
        } else if (m.t === 'data') conns.get(m.id)?.push(Buffer.from(m.data));
        else if (m.t === 'end') {
          const d = conns.get(m.id);
          conns.delete(m.id);
          d?.push(null);
        } else if (m.t === 'up') console.log('up');
      });
    }
  } else if ((await import('node:worker_threads')).workerData === 'offload') {
    const ctxs = new Map();
    const conns = new Map();
    parentPort.on('message', (m) => {
      let c = conns.get(m.id);
      if (m.t === 'in') {
        if (!c) {
          let ctx = ctxs.get(m.ctx);
          if (!ctx) ctxs.set(m.ctx, (ctx = createSecureContext(m.m)));
          const wire = messageDuplex(parentPort, m.id, 'wire');
          const tls = new TLSSocket(wire, { isServer: true, secureContext: ctx });
          tls.allowHalfOpen = true;
          tls.on('secure', () => parentPort.postMessage({ t: 'secure', id: m.id }));
          tls.on('data', (d) => parentPort.postMessage({ t: 'clear', id: m.id, b: new Uint8Array(d) }));
          tls.on('end', () => parentPort.postMessage({ t: 'clearEnd', id: m.id }));
          c = { wire, tls };
          conns.set(m.id, c);
        }
        c.wire.push(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
      } else if (!c) return;
      else if (m.t === 'out') c.tls.write(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
      else if (m.t === 'outEnd') c.tls.end();
      else if (m.t === 'inEnd') c.wire.push(null);
      else if (m.t === 'drop') {
        conns.delete(m.id);
        c.tls.destroy();
      }
    });
  } else {
    // the TLS worker: contexts made ahead here, plain listeners, TLS sockets, bytes to and from the main thread
    const ctxs = Array.from({ length: N }, (_, i) => createSecureContext(cert(i)));
    const socks = new Map();
    let next = 0;
    let left = N;
    parentPort.on('message', (m) => {
      const s = socks.get(m.id);
      if (!s) return;
      if (m.t === 'data') s.write(Buffer.from(m.data));
      else if (m.t === 'end') {
        socks.delete(m.id);
        s.end();
      }
    });
    for (let i = 0; i < N; i++) {
      netServer({ noDelay: true, allowHalfOpen: true }, (raw) => {
        const id = next++;
        const t = new TLSSocket(raw, { isServer: true, secureContext: ctxs[i] });
        t.on('secure', () => {
          socks.set(id, t);
          parentPort.postMessage({ t: 'open', id });
        });
        t.on('data', (d) => parentPort.postMessage({ t: 'data', id, data: d }));
        t.on('end', () => parentPort.postMessage({ t: 'end', id }));
        t.on('error', () => t.destroy());
        t.on('close', () => {
          if (socks.delete(id)) parentPort.postMessage({ t: 'end', id });
        });
      }).listen(13000 + i, '127.0.0.1', () => --left === 0 && parentPort.postMessage({ t: 'up' }));
    }
  }
} else {
  const ctx = createSecureContext({});
  const req = 'GET /api/v2/mgmt/device/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const get = (port) =>
    new Promise((resolve, reject) => {
      let a = '';
      const s = connect({ host: '127.0.0.1', port, secureContext: ctx, rejectUnauthorized: false }, () => s.end(req));
      s.setEncoding('latin1');
      s.on('data', (d) => (a += d));
      s.on('error', reject);
      s.on('close', () => (a.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`port ${port}: ${a.slice(0, 40)}`))));
    });
  const run = async (mode) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => p.stdout.once('data', r));
    const up = performance.now();
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < 1000) await get(13000 + next++);
        }),
      );
    } finally {
      p.kill('SIGKILL');
    }
    console.log(
      `${mode.padEnd(6)} ready after ${((up - t0) / 1000).toFixed(2)} s; every listener answered ${((performance.now() - up) / 1000).toFixed(2)} s later`,
    );
  };
  for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
    for (const mode of (process.env.MODES ?? 'main,worker,offload').split(',')) await run(mode);
  }
}
