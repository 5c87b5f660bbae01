/**
 * The two ways onto a phone's road over HTTP (src/transport/http/app.ts): a plain GET straight from node's request,
 * everything else through Fastify. The same phone is served by both at once, one listener each, and every answer
 * must be the same bytes (status line, headers in their order, body), Date aside: every read of the operation table
 * and of the web application handlers, with and without credentials, refusals of every kind, a fault, an answer
 * delayed (the asynchronous road), a locked phone, a closed REST API, a session cookie, Digest.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { operations } from '../src/api/index.js';
import { ManualClock } from '../src/phone/clock.js';
import { createHttpApp } from '../src/transport/http/app.js';
import type { HttpApp } from '../src/transport/http/app.js';
import { tagSocket } from '../src/transport/http/endpoint.js';
import { webAppOperations } from '../src/webapps/index.js';
import { challenges, sign } from './digest-client.js';
import { PASSWORD, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

const BASIC = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;
const WRONG = `Basic ${Buffer.from('Polycom:not-it').toString('base64')}`;

/** A second listener for `p`'s phone and pipeline, through `app`. */
async function listener(p: TestPhone, app: HttpApp): Promise<{ server: Server; port: number }> {
  const server = createServer(app.handler);
  server.on('connection', (s) => tagSocket(s, { phone: p.phone, pipeline: p.pipeline, secure: false }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The raw answer to a request on a new connection, without its Date header. */
function exchange(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<string> {
  const head = Object.entries({ host: '127.0.0.1', connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const length = body === undefined ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(`${method} ${target} HTTP/1.1\r\n${head}${length}\r\n${body ?? ''}`));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    // Date aside, each challenge's nonce and each session's id (new every time). The server closes (connection: close).
    s.on('close', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\ndate: [^\r]*/i, '')
          .replace(/nonce="[^"]*"/g, 'nonce="N"')
          .replace(/"sessionId":"[^"]*"/, '"sessionId":"S"'),
      ),
    );
  });
}

describe("HTTP: a plain GET straight to the pipeline answers the bytes Fastify's road answers", () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 8, 0, 0));
  let p: TestPhone;
  let viaFastify: HttpApp;
  let direct: HttpApp;
  let a: { server: Server; port: number };
  let b: { server: Server; port: number };

  before(async () => {
    p = await testPhone({
      model: 'CCX 600',
      firmware: '9.5.0',
      clock,
      set: {
        'httpd.rest.auth.basic.enabled': '1',
        // State polling answered in the GET itself (responseMode 0), with its own Digest account.
        'apps.statePolling.URL': 'http://127.0.0.1:9/poll',
        'apps.statePolling.username': 'poller',
        'apps.statePolling.password': 'Poll-pass1',
        'apps.statePolling.responseMode': '0',
      },
    });
    direct = await createHttpApp(false);
    viaFastify = await createHttpApp(false, { direct: false });
    a = await listener(p, direct);
    b = await listener(p, viaFastify);
  });
  after(async () => {
    a.server.close();
    b.server.close();
    await Promise.all([direct.close(), viaFastify.close()]);
    await p.stop();
  });

  /** The same request by both ways, one after the other; the two answers. */
  async function both(method: string, target: string, headers?: Record<string, string>, body?: string): Promise<[string, string]> {
    const one = await exchange(a.port, method, target, headers, body);
    const two = await exchange(b.port, method, target, headers, body);
    return [one, two];
  }

  async function same(method: string, target: string, headers?: Record<string, string>, body?: string): Promise<string> {
    const [one, two] = await both(method, target, headers, body);
    assert.equal(one, two, `${method} ${target}`);
    return one;
  }

  it('takes plain GETs itself and leaves the rest to Fastify', async () => {
    const before = { ...direct.served };
    await same('GET', '/api/v2/mgmt/device/info', { authorization: BASIC });
    assert.equal(direct.served.direct, before.direct + 1);
    await exchange(a.port, 'GET', '/api/v2/mgmt/device/info?x=1', { authorization: BASIC });
    await exchange(a.port, 'GET', '/api/v1/mgmt/config/get', { authorization: BASIC }, '{}');
    await exchange(a.port, 'POST', '/api/v1/mgmt/config/get', { authorization: BASIC, 'content-type': 'application/json' }, '{}');
    await exchange(a.port, 'HEAD', '/api/v2/mgmt/device/info', { authorization: BASIC });
    assert.equal(direct.served.direct, before.direct + 1);
    assert.equal(direct.served.fastify, before.fastify + 4);
    assert.equal(viaFastify.served.direct, 0);
  });

  it('every read of the operation table and of the web application handlers, with, without and with wrong credentials', async () => {
    const reads = [...operations, ...webAppOperations].filter((op) => op.methods.includes('GET') && op.inputFrom !== 'body');
    assert.ok(reads.length > 30, `${reads.length} reads`);
    // Wrong credentials, many times: not locked out here (the last test is).
    p.phone.config.set('LOCAL', { 'httpd.cfg.lockWebUI.enable': '0' });
    after(() => p.phone.config.set('LOCAL', { 'httpd.cfg.lockWebUI.enable': '1' }));
    let ok = 0;
    for (const op of reads) {
      for (const path of op.paths) {
        if (path.includes('session/create')) continue; // each answer is a new session: below
        if (path.endsWith('/stats')) {
          // Live figures (memory, CPU) move between two requests: the same answer but for its digits.
          const [one, two] = await both('GET', path, { authorization: BASIC });
          assert.equal(one.replace(/\d+(\.\d+)?/g, '0'), two.replace(/\d+(\.\d+)?/g, '0'));
          continue;
        }
        if ((await same('GET', path, { authorization: BASIC })).startsWith('HTTP/1.1 200')) ok++;
        await same('GET', path);
        await same('GET', path, { authorization: WRONG });
        await same('GET', path.toUpperCase(), { authorization: BASIC });
      }
    }
    assert.ok(ok > 20, `${ok} reads answered 200`);
  });

  it('no such page, a bad escape, an absolute URL, a GET with a body, a query string', async () => {
    assert.match(await same('GET', '/no/such/page', { authorization: BASIC }), /^HTTP\/1.1 404 /);
    assert.match(await same('GET', '/api/v1/%zz', { authorization: BASIC }), /^HTTP\/1.1 404 /);
    await same('GET', 'http://127.0.0.1/api/v2/mgmt/device/info', { authorization: BASIC });
    await same('GET', '/api/v1/mgmt/device/info?a=1&b', { authorization: BASIC });
    await same('GET', '/api/v2/mgmt/device/info', { authorization: BASIC }, '{"x":1}');
    await same('POST', '/api/v2/mgmt/device/info', { authorization: BASIC }, '{}');
  });

  it('a fault, an answer delayed (the asynchronous road), the REST API switched off', async () => {
    for (let i = 0; i < 2; i++) p.faults.add({ status: '5000', path: '/api/v2/mgmt/device/info', remaining: 1 });
    assert.match(await same('GET', '/api/v2/mgmt/device/info', { authorization: BASIC }), /^HTTP\/1.1 500 [^]*"Status":"5000"/);
    p.pipeline.latencyMs = 5;
    try {
      assert.match(await same('GET', '/api/v2/mgmt/device/info', { authorization: BASIC }), /^HTTP\/1.1 200 /);
    } finally {
      p.pipeline.latencyMs = 0;
    }
    p.phone.config.set('LOCAL', { 'apps.restapi.enabled': '0' });
    try {
      assert.match(await same('GET', '/api/v2/mgmt/device/info', { authorization: BASIC }), /^HTTP\/1.1 404 [^]*connection: close/);
    } finally {
      p.phone.config.set('LOCAL', { 'apps.restapi.enabled': '1' });
    }
  });

  it('Digest, a session cookie, and a phone locked after failed logins', async () => {
    const res = await fetch(`http://127.0.0.1:${a.port}/api/v1/mgmt/session/create`);
    const [ch] = challenges(res).filter((c) => c.algorithm === 'SHA-256');
    assert.ok(ch);
    const uri = '/api/v1/mgmt/session/create';
    const one = await exchange(a.port, 'GET', uri, { authorization: sign(ch, { method: 'GET', uri, password: PASSWORD, nc: 1 }) });
    const two = await exchange(b.port, 'GET', uri, { authorization: sign(ch, { method: 'GET', uri, password: PASSWORD, nc: 2 }) });
    const cookies = [one, two].map((x) => /set-cookie: ([^;\r]+)/i.exec(x)?.[1]);
    assert.equal(one.replaceAll(cookies[0] ?? '-', 'C'), two.replaceAll(cookies[1] ?? '-', 'C'));
    assert.match(one, /^HTTP\/1.1 200 /);
    const info = '/api/v2/mgmt/device/info';
    const signed = (nc: number): string => sign(ch, { method: 'GET', uri: info, password: PASSWORD, nc });
    assert.equal(
      await exchange(a.port, 'GET', info, { authorization: signed(3) }),
      await exchange(b.port, 'GET', info, { authorization: signed(4) }),
    );
    assert.match(await same('GET', info, { cookie: cookies[0] ?? '' }), /^HTTP\/1.1 200 /);
    const poll = '/polling/deviceHandler';
    const [pc] = challenges(await fetch(`http://127.0.0.1:${a.port}${poll}`));
    assert.ok(pc);
    const polled = (nc: number): string => sign(pc, { method: 'GET', uri: poll, user: 'poller', password: 'Poll-pass1', nc });
    const doc = await exchange(a.port, 'GET', poll, { authorization: polled(1) });
    assert.match(doc, /^HTTP\/1.1 200 [^]*<DeviceInformation>/);
    assert.equal(doc, await exchange(b.port, 'GET', poll, { authorization: polled(2) }));
    for (let i = 0; i < 12; i++) await exchange(a.port, 'GET', info, { authorization: WRONG });
    assert.match(await same('GET', info, { authorization: BASIC }), /^HTTP\/1.1 403 [^]*retry-after: \d+/);
  });
});
