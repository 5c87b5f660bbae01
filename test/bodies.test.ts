import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { assertOk, PASSWORD, testPhone } from './helpers.js';

const AUTH = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;

function open(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything the server sends until it closes or `ms` pass. */
function readAll(s: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(out), ms);
    s.on('data', (d: Buffer) => {
      out += d.toString();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('request bodies', () => {
  it('a declared body over 20 KB gets 413 at once, before any of it is sent', async () => {
    const p = await testPhone();
    try {
      const s = await open(p.httpUrl);
      s.write(
        `POST /api/v1/mgmt/config/set HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
      );
      const answer = await readAll(s, 300);
      s.destroy();
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /"Status":"4009"/);
      const chunked = await open(p.httpUrl);
      chunked.write(`POST /api/v1/mgmt/safeReboot HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 30; i++) chunked.write(`400\r\n${'x'.repeat(1024)}\r\n`);
      const big = await readAll(chunked, 300);
      chunked.destroy();
      assert.match(big, /^HTTP\/1\.1 413 /);
      assert.ok(p.phone.isUp, 'the reboot never ran');
    } finally {
      await p.stop();
    }
  });

  it('a slow body holds nothing: other requests are served, and it times out with 408', async () => {
    const p = await testPhone({ bodyTimeoutMs: 300 });
    try {
      const s = await open(p.httpUrl);
      s.write(
        `POST /api/v1/mgmt/config/set HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":`,
      );
      const answer = readAll(s, 2000);
      assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
      assert.match(await answer, /^HTTP\/1\.1 408 /);
      assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    } finally {
      await p.stop();
    }
  });
});
