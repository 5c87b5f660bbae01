/** `polysim compare`: shape differences between a real phone and polysim, tested against polysim and a fixture. */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { compare, formatReport } from '../src/compare/compare.js';
import { compareShapes, formatOf } from '../src/compare/shape.js';
import { cli, PASSWORD, testPhone } from './helpers.js';

describe('shape comparison', () => {
  it('finds missing and extra keys, key case, types and formats, not values', () => {
    assert.deepEqual(compareShapes({ a: '1', B: 'x', c: 'y' }, { a: '2', b: 'z', d: 1 }), [
      { at: 'B', kind: 'key case', real: 'B', sim: 'b' },
      { at: 'c', kind: 'missing key', real: 'string', sim: '(absent)' },
      { at: 'd', kind: 'extra key', real: '(absent)', sim: 'number' },
    ]);
    assert.deepEqual(compareShapes({ n: 1 }, { n: '1' }), [{ at: 'n', kind: 'type', real: 'number', sim: 'string' }]);
    assert.deepEqual(compareShapes({ m: '00:04:f2:aa:bb:cc' }, { m: '0004f2aabbcc' }), [
      { at: 'm', kind: 'format', real: 'MAC with colons', sim: 'MAC, 12 hex digits' },
    ]);
    assert.deepEqual(compareShapes([{ s: 'registered' }], [{ s: 'Registered' }]), [
      { at: '[0].s', kind: 'format', real: 'lower-case word', sim: 'capitalised word' },
    ]);
    assert.deepEqual(compareShapes({ t: '' }, { t: 'x' }), [], 'an empty value says nothing of its format');
    assert.equal(formatOf('0 day 2:26:00'), 'uptime "N day N:N:N"');
    assert.equal(formatOf('4 mins 49 secs'), 'duration in words');
    assert.equal(formatOf('2026-08-12T18:20:48'), 'local date-time');
  });
});

/** A "real phone" made of captured shapes for a few paths, and polysim's own answers for the rest. */
async function fixture(sim: string, overrides: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(sim);
  const server: Server = createServer((req, res) => {
    const own = overrides[(req.url ?? '').split('?')[0] ?? ''];
    if (own !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(own));
      return;
    }
    const fwd = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('polysim compare', () => {
  it('polysim against polysim reports nothing; against captured shapes, exactly their differences', async () => {
    const a = await testPhone();
    const b = await testPhone();
    const fx = await fixture(b.httpUrl, {
      '/api/v1/mgmt/device/info': {
        data: {
          ModelNumber: 'VVX 450',
          FirmwareRelease: '6.4.3.1969',
          DeviceType: 'hardwareEndpoint',
          DeviceVendor: 'Polycom',
          UpTimeSinceLastReboot: '0 Day 2:26:00',
          IPV4Address: '192.0.2.139',
          IPV6Address: '::',
          MACAddress: '48:25:67:13:97:33',
          AttachedHardware: { Camera: 'False', EM: [] },
          HardwareRevision: 'A',
        },
        Status: '2000',
      },
      '/api/v1/mgmt/network/stats': { data: { UpTime: '0 day 2:26:00', RxPackets: 174384, TxPackets: '3624' }, Status: '2000' },
    });
    try {
      const same = await compare({ host: a.httpUrl, password: PASSWORD }, { host: b.httpUrl, password: PASSWORD });
      assert.deepEqual(
        same.filter((r) => r.differences.length > 0),
        [],
        formatReport(same),
      );
      assert.ok(same.length >= 30, `${same.length} operations compared`);
      assert.ok(
        same.every((r) => r.path !== '/api/v1/mgmt/session/create'),
        'never a GET that writes',
      );

      const diff = await compare({ host: fx.url, password: PASSWORD }, { host: a.httpUrl, password: PASSWORD });
      const found = diff.filter((r) => r.differences.length > 0).map((r) => [r.path, r.differences]);
      assert.deepEqual(found, [
        [
          '/api/v1/mgmt/device/info',
          [
            { at: 'data.MACAddress', kind: 'format', real: 'MAC with colons', sim: 'MAC, 12 hex digits' },
            { at: 'data.HardwareRevision', kind: 'missing key', real: 'string', sim: '(absent)' },
          ],
        ],
        ['/api/v1/mgmt/network/stats', [{ at: 'data.RxPackets', kind: 'type', real: 'number', sim: 'string' }]],
      ]);
      assert.match(formatReport(diff), /3 differences$/m);
    } finally {
      await fx.close();
      await a.stop();
      await b.stop();
    }
  });

  it('a phone that cannot be reached ends with exit 3 and one line per phone, never a report of differences', async () => {
    const sim = await testPhone();
    try {
      const run = cli(['compare', '--real', 'http://127.0.0.1:1', '--sim', sim.httpUrl, '--password', PASSWORD]);
      assert.equal(await run.code, 3, run.stderr());
      assert.equal(run.stdout(), '', 'no report');
      assert.equal(run.stderr(), 'polysim compare: --real http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n');
      // --json: one JSON object on stdout, the same exit code.
      const json = cli(['compare', '--real', 'http://127.0.0.1:1', '--sim', sim.httpUrl, '--password', PASSWORD, '--json']);
      assert.equal(await json.code, 3);
      assert.deepEqual(JSON.parse(json.stdout()), {
        ok: false,
        code: 3,
        errorCode: 'unreachable',
        error: '--real http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
      });
      // A host without a scheme on an HTTP port: the TLS handshake fails; the line says to use http://.
      const plain = cli(['compare', '--real', sim.httpUrl.replace('http://', ''), '--sim', sim.httpUrl, '--password', PASSWORD]);
      assert.equal(await plain.code, 3);
      assert.match(plain.stderr(), /^polysim compare: --real 127\.0\.0\.1:\d+: this port speaks plain HTTP, not HTTPS: use http:\/\/127/);
    } finally {
      await sim.stop();
    }
  });

  it('credentials refused on both sides (two 401s) end with exit 4, never "0 differences"; a 403 (locked out) on either side too', async () => {
    const a = await testPhone();
    const b = await testPhone();
    // A phone that refuses everyone, as a phone that locked the user out after failed logins answers.
    const locked = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"Status":"4403"}');
    });
    await new Promise<void>((r) => locked.listen(0, '127.0.0.1', r));
    const lockedUrl = `http://127.0.0.1:${(locked.address() as AddressInfo).port}`;
    try {
      const both = cli(['compare', '--real', a.httpUrl, '--sim', b.httpUrl, '--password', 'wrong']);
      assert.equal(await both.code, 4, both.stdout());
      assert.doesNotMatch(both.stdout(), /differences/);
      assert.equal(
        both.stderr(),
        `polysim compare: --real ${a.httpUrl}: authentication failed (phone offers: Basic)\n` +
          `polysim compare: --sim ${b.httpUrl}: authentication failed (phone offers: Basic)\n`,
      );
      const sim = cli(['compare', '--real', a.httpUrl, '--sim', b.httpUrl, '--password', PASSWORD, '--sim-password', 'wrong']);
      assert.equal(await sim.code, 4);
      assert.match(sim.stderr(), /^polysim compare: --sim .*: authentication failed/);
      const refused = cli(['compare', '--real', lockedUrl, '--sim', a.httpUrl, '--password', PASSWORD]);
      assert.equal(await refused.code, 4);
      assert.equal(refused.stderr(), `polysim compare: --real ${lockedUrl}: refused (HTTP 403, Status 4403): locked out, or not allowed\n`);
      assert.equal(refused.stdout(), '');
    } finally {
      await new Promise<void>((r) => {
        locked.closeAllConnections();
        locked.close(() => r());
      });
      await a.stop();
      await b.stop();
    }
  });

  it('exits by the error catalogue: a --real that is no URL is a usage error (2), not "unreachable"', async () => {
    const run = cli(['compare', '--real', 'http://[nope', '--sim', 'http://127.0.0.1:1', '--password', 'x']);
    assert.equal(await run.code, 2);
    assert.match(run.stderr(), /not a host\[:port\] or URL/);
  });
});
