#!/usr/bin/env node
// A provisioning and upload server for phones, in one file with no dependencies: GET serves files of --dir (a
// phone's 000000000000.cfg, the .cfg files it lists, firmware), PUT and POST store the body under the same path
// (config exports, packet captures). Loopback by default; for trying polysim (or a real phone in a lab), not for
// production.
//
//   node examples/file-server.mjs --port 9000 --dir ./files
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, normalize, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    address: { type: 'string', default: '127.0.0.1' },
    dir: { type: 'string', default: '.' },
    'max-bytes': { type: 'string', default: String(64 * 1024 * 1024) },
  },
});
const root = resolve(values.dir);
const maxBytes = Number(values['max-bytes']);
mkdirSync(root, { recursive: true });

/** The file a URL path names, never outside the root. */
function fileOf(urlPath) {
  const path = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^(\.\.[/\\])+/, '');
  const file = join(root, path);
  return file.startsWith(root) ? file : undefined;
}

const server = createServer((req, res) => {
  let file;
  try {
    file = fileOf(req.url ?? '/');
  } catch {
    file = undefined;
  }
  const log = (status) => console.log(`${req.method} ${req.url} ${status}`);
  if (!file) {
    res.writeHead(400).end();
    log(400);
    return;
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
      log(200);
    } catch {
      res.writeHead(404).end();
      log(404);
    }
    return;
  }
  if (req.method === 'PUT' || req.method === 'POST') {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > maxBytes) {
        res.writeHead(413).end();
        log(413);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      // A path ending in / (an upload of a whole form, as some tools do) is stored as "upload".
      const target = file.endsWith('/') ? join(file, 'upload') : file;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, Buffer.concat(chunks));
      res.writeHead(201).end();
      log(201);
    });
    return;
  }
  res.writeHead(405, { allow: 'GET, HEAD, PUT, POST' }).end();
  log(405);
});
server.requestTimeout = 30_000;
server.listen(Number(values.port), values.address, () => {
  console.log(`file server: http://${values.address}:${server.address().port}/ serving ${root}`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
