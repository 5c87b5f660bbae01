/**
 * What an HTTP client cannot do to a phone: hold its one request slot with a slow file server, fill its journal,
 * guess its password at speed, push out other clients' nonces, read its secrets; and the control API's door.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { controlToken } from '../src/cli/start.js';
import { createControlApp } from '../src/control/app.js';
import { ManualClock } from '../src/phone/clock.js';
import type { TransferReport } from '../src/phone/phone.js';
import { Switchboard } from '../src/network/switchboard.js';
import { startFleet } from '../src/runtime/fleet.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { challenges, sign } from './digest-client.js';
import { PASSWORD, recordingServer, testPhone, waitFor } from './helpers.js';

/** A file server that answers and then sends one byte every 100 ms, never finishing; uploads it never answers. */
async function dripServer(): Promise<{ url: string; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET') return; // an upload: read nothing, answer nothing
    res.writeHead(200, { 'content-type': 'application/xml' });
    const t = setInterval(() => res.write('<'), 100);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const basic = (password: string): string => `Basic ${Buffer.from(`Polycom:${password}`).toString('base64')}`;

describe('HTTP hardening', () => {
  let drip: { url: string; close(): Promise<void> };
  before(async () => {
    drip = await dripServer();
  });
  after(() => drip.close());

  it('a transfer to a server that drips never holds the phone: answered in the window, ended by the deadline', async () => {
    const p = await testPhone({ transferTimeoutMs: 600, timing: { transferAnswerMs: 150 } });
    const reports: TransferReport[] = [];
    p.phone.on('transfer', (r) => reports.push(r));
    try {
      const started = Date.now();
      const exported = await p.post('/api/v1/mgmt/config/export', { data: { Url: `${drip.url}/up/`, ConfigType: 'Local' } });
      assert.equal(exported.body['Status'], '2000', 'answered when the window closed, the upload going on');
      assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200, 'the slot is free while the upload goes on');
      await waitFor(() => reports.length === 1);
      assert.deepEqual(reports[0], {
        operation: 'config/export',
        ok: false,
        detail: `${drip.url}/up/${p.phone.identity.mac.toLowerCase()}-local.cfg: not done within 600 ms`,
      });
      assert.ok(Date.now() - started < 3000);

      await p.post('/api/v1/mgmt/config/set', { data: { 'device.prov.serverName': drip.url, 'device.prov.redunAttemptLimit': '1' } });
      const sync = await p.post('/api/v1/mgmt/updateConfiguration');
      assert.deepEqual(sync.body['data'], { ProvisioningState: 'InProgress' });
      assert.equal((await p.post('/api/v1/mgmt/updateConfiguration')).body['Status'], '4001', 'one sync at a time');
      await waitFor(() => reports.length === 2);
      assert.equal(reports[1]?.operation, 'updateConfiguration');
      assert.equal(reports[1]?.ok, false);
      assert.match(reports[1]?.detail ?? '', /not done within 600 ms/);
    } finally {
      await p.stop();
    }
  });

  it('a transfer done within the window answers its real result', async () => {
    const sink = await recordingServer(() => ({ status: 500 }));
    const p = await testPhone({ timing: { transferAnswerMs: 2000 } });
    try {
      const a = await p.post('/api/v1/mgmt/config/export', { data: { Url: `${sink.url}/x.cfg`, ConfigType: 'Local' } });
      assert.equal(a.body['Status'], '4008');
    } finally {
      await p.stop();
      await sink.close();
    }
  });

  it('the journal is bounded in bytes; requests that did not log in are counted but kept small', async () => {
    const p = await testPhone();
    try {
      const long = `/api/v2/mgmt/device/info?${'x'.repeat(15_000)}`;
      for (let i = 0; i < 200; i++) assert.equal((await fetch(`${p.httpUrl}${long}`)).status, 401);
      assert.equal(p.journal.unauthorized, 200);
      assert.ok(p.journal.size <= p.journal.maxBytes, `${p.journal.size} bytes kept`);
      assert.ok(p.journal.last().every((e) => e.url.length < 100));
      const signedIn = await p.get(long);
      assert.equal(signedIn.http, 200);
      assert.ok((p.journal.last(1)[0]?.url.length ?? 0) < 600, 'an authenticated URL is kept to 512 characters');
    } finally {
      await p.stop();
    }
  });

  it('repeated failed logins lock the phone (httpd.cfg.lockWebUI.*), right password included, until the lock ends', async () => {
    const clock = new ManualClock();
    const p = await testPhone({ clock });
    try {
      const get = (auth: string): Promise<Response> => fetch(`${p.httpUrl}/api/v2/mgmt/device/info`, { headers: { authorization: auth } });
      for (let i = 0; i < 4; i++) assert.equal((await get(basic('wrong'))).status, 401);
      const fifth = await get(basic('wrong'));
      assert.equal(fifth.status, 403);
      assert.equal(fifth.headers.get('retry-after'), '60');
      assert.deepEqual(await fifth.json(), { Status: '4403' });
      assert.equal((await get(basic(PASSWORD))).status, 403, 'locked for everyone');
      clock.advance(60_000);
      assert.equal((await get(basic(PASSWORD))).status, 200);
      await p.post('/api/v1/mgmt/config/set', {
        data: { 'httpd.cfg.lockWebUI.noOfInvalidAttempts': '3', 'httpd.cfg.lockWebUI.lockOutDuration': '120' },
      });
      for (let i = 0; i < 2; i++) assert.equal((await get(basic('wrong'))).status, 401);
      assert.equal((await get(basic('wrong'))).headers.get('retry-after'), '120');
      clock.advance(120_000);
      await p.post('/api/v1/mgmt/config/set', { data: { 'httpd.cfg.lockWebUI.enable': '0' } });
      for (let i = 0; i < 30; i++) assert.equal((await get(basic('wrong'))).status, 401, 'no lock when disabled');
    } finally {
      await p.stop();
    }
  });

  it("a flood of unauthenticated requests does not push out a client's Digest nonce", async () => {
    const p = await testPhone({ model: 'CCX 600', firmware: '9.5.0' });
    try {
      const info = '/api/v2/mgmt/device/info';
      const first = await fetch(`${p.httpUrl}${info}`);
      const [ch] = challenges(first);
      assert.ok(ch);
      const flood = async (): Promise<void> => {
        for (let i = 0; i < 1025; i++) await (await fetch(`${p.httpUrl}${info}`)).arrayBuffer();
      };
      await Promise.all([flood(), flood(), flood(), flood()]);
      const signed = await fetch(`${p.httpUrl}${info}`, {
        headers: { authorization: sign(ch, { method: 'GET', uri: info, password: PASSWORD }) },
      });
      assert.equal(signed.status, 200);
    } finally {
      await p.stop();
    }
  });

  it("the templates' passwords, PINs and keys are answered masked and never exported, and still work", async () => {
    const sink = await recordingServer();
    const secrets: Record<string, string> = {
      'apps.push.username': 'pusher',
      'apps.push.password': 'push-secret-1',
      'apps.statePolling.password': 'poll-secret-2',
      'dir.corp.password': 'ldap-secret-3',
      'device.logincred.pin': '90210',
      'device.net.dot1x.password': 'eap-secret-4',
      'xmpp.1.auth.password': 'xmpp-secret-5',
      'sec.TLS.customDeviceKey.1': 'key-secret-6',
    };
    const p = await testPhone({ set: secrets });
    try {
      const names = Object.keys(secrets).filter((n) => n !== 'apps.push.username');
      const got = (await p.post('/api/v1/mgmt/config/get', { data: names })).body['data'] as Record<string, { Value: string }>;
      assert.deepEqual(
        names.map((n) => got[n]?.Value),
        names.map(() => '********'),
      );
      assert.equal(
        (await p.post('/api/v1/mgmt/config/export', { data: { Url: `${sink.url}/all.cfg`, ConfigType: 'All' } })).body['Status'],
        '2000',
      );
      const cfg = sink.received[0]?.body.toString() ?? '';
      assert.match(cfg, /apps\.push\.username="pusher"/);
      for (const n of names) {
        assert.ok(!cfg.includes(secrets[n] as string), n);
        assert.ok(!cfg.includes(`${n}=`), n);
      }
      // masked in answers, kept as set: the push server still takes its own password
      assert.equal(p.phone.config.value('apps.push.password'), 'push-secret-1');
    } finally {
      await p.stop();
      await sink.close();
    }
  });

  it('secrets are answered masked and never exported; a new admin password ends the sessions', async () => {
    const sink = await recordingServer();
    const p = await testPhone({
      model: 'CCX 600',
      firmware: '9.5.0',
      set: { 'device.prov.password': 'prov-secret', 'reg.1.auth.password': 'sip-secret', 'httpd.rest.auth.basic.enabled': '1' },
    });
    try {
      const got = await p.post('/api/v1/mgmt/config/get', {
        data: ['device.auth.localAdminPassword', 'device.prov.password', 'reg.1.auth.password', 'device.auth.localUserPassword'],
      });
      assert.deepEqual(got.body['data'], {
        'device.auth.localAdminPassword': { Value: '********', Source: 'config' },
        'device.prov.password': { Value: '********', Source: 'config' },
        'reg.1.auth.password': { Value: '********', Source: 'config' },
        'device.auth.localUserPassword': { Value: '********', Source: 'default' },
      });
      assert.equal(
        (await p.post('/api/v1/mgmt/config/export', { data: { Url: `${sink.url}/all.cfg`, ConfigType: 'All' } })).body['Status'],
        '2000',
      );
      const cfg = sink.received[0]?.body.toString() ?? '';
      assert.match(cfg, /apps\.restapi\.enabled/);
      for (const secret of [PASSWORD, 'prov-secret', 'sip-secret', 'localAdminPassword', 'reg.1.auth.password'])
        assert.ok(!cfg.includes(secret), secret);

      const create = '/api/v1/mgmt/session/create';
      const sha = challenges(await fetch(`${p.httpUrl}${create}`)).find((c) => c.algorithm === 'SHA-256');
      assert.ok(sha);
      const created = await fetch(`${p.httpUrl}${create}`, {
        headers: { authorization: sign(sha, { method: 'GET', uri: create, password: PASSWORD }) },
      });
      const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      assert.match(cookie, /^session=/);
      const viaSession = (): Promise<number> =>
        fetch(`${p.httpUrl}/api/v2/mgmt/device/info`, { headers: { cookie } }).then((r) => r.status);
      assert.equal(await viaSession(), 200);
      await p.post('/api/v1/mgmt/config/set', { data: { 'device.auth.localAdminPassword': 'Another-456' } });
      assert.equal(await viaSession(), 401, 'the session ended with the old password');
    } finally {
      await p.stop();
      await sink.close();
    }
  });

  it("provisioning XML nested past the parser's limit answers 5000", async () => {
    const deep = `<a>${'<b>'.repeat(200)}${'</b>'.repeat(200)}</a>`;
    const prov = await recordingServer((r) =>
      r.url.endsWith('.cfg') && !r.url.includes('deep')
        ? { status: 200, body: '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="deep.cfg"/>' }
        : { status: 200, body: deep },
    );
    const p = await testPhone({ set: { 'device.prov.serverName': prov.url, 'prov.startupCheck.enabled': '0' } });
    try {
      assert.equal((await p.post('/api/v1/mgmt/updateConfiguration')).body['Status'], '5000');
    } finally {
      await p.stop();
      await prov.close();
    }
  });

  it('incoming calls are bounded by call appearances, and ring no longer than the no-answer time', async () => {
    const clock = new ManualClock();
    const sb = new Switchboard(clock, randomIds);
    const p = await testPhone({ clock, switchboard: sb, set: { 'call.callsPerLineKey': '2', 'divert.noanswer.1.timeout': '30' } });
    try {
      const a = sb.callPhone(p.phone, 1, { number: '100' });
      sb.callPhone(p.phone, 1, { number: '101' });
      const third = sb.callPhone(p.phone, 1, { number: '102' });
      assert.equal(p.phone.calls.all().length, 2);
      assert.equal(third.state, 'ended', 'refused busy');
      clock.advance(30_000);
      assert.equal(p.phone.calls.all().length, 0, 'both stopped ringing');
      assert.equal(a.state, 'ended');
      assert.equal(p.phone.callLog().filter((r) => r.kind === 'missed').length, 2);
    } finally {
      await p.stop();
    }
  });
});

describe('the control API door', () => {
  const app = createHttpApp(false);
  let base: string;
  let port: number;
  let close: () => Promise<void>;

  before(async () => {
    const fleet = await startFleet(
      {
        count: 1,
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 3001,
        adminPassword: PASSWORD,
        timing: { initMs: 0 },
      },
      await app,
    );
    const control = await createControlApp(fleet, false);
    await control.listen({ port: 0, host: '127.0.0.1' });
    port = (control.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    const tokenControl = await createControlApp(fleet, false, { token: 's3cret' });
    await tokenControl.listen({ port: 0, host: '127.0.0.1' });
    tokenBase = `http://127.0.0.1:${(tokenControl.server.address() as AddressInfo).port}`;
    close = async () => {
      await control.close();
      await tokenControl.close();
      await fleet.stop();
      await (await app).close();
    };
  });
  let tokenBase: string;
  after(() => close());

  /** Raw request with a chosen Host header (fetch does not let one set it). */
  async function withHost(host: string, to = port, authorization?: string): Promise<number> {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: to, path: '/phones', headers: { host, ...(authorization ? { authorization } : {}) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('refuses a Host that is not its address (DNS rebinding)', async () => {
    assert.equal(await withHost(`127.0.0.1:${port}`), 200);
    assert.equal(await withHost(`localhost:${port}`), 200);
    assert.equal(await withHost(`evil.example:${port}`), 403);
    assert.equal(await withHost('127.0.0.1:1'), 403);
    assert.equal(await withHost('evil.example'), 403);
  });

  it('with a token, takes any Host (a published container port, a reverse proxy) but still wants the token', async () => {
    const tokenPort = Number(new URL(tokenBase).port);
    assert.equal(await withHost('127.0.0.1:18790', tokenPort, 'Bearer s3cret'), 200);
    assert.equal(await withHost('phones.example:443', tokenPort, 'Bearer s3cret'), 200);
    assert.equal(await withHost('127.0.0.1:18790', tokenPort), 401);
  });

  it('refuses state changes without a JSON body or an X-Polysim header (CSRF)', async () => {
    const form = await fetch(`${base}/phones/1/latency`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{"ms":0}' });
    assert.equal(form.status, 403);
    const post = await fetch(`${base}/phones/1/faults`, { method: 'DELETE' });
    assert.equal(post.status, 403);
    assert.equal((await fetch(`${base}/phones/1/faults`, { method: 'DELETE', headers: { 'x-polysim': '1' } })).status, 204);
    assert.equal(
      (await fetch(`${base}/phones/1/latency`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"ms":0}' }))
        .status,
      200,
    );
  });

  it('with a token, demands it; beyond loopback, one is generated', async () => {
    assert.equal((await fetch(`${tokenBase}/phones`)).status, 401);
    assert.equal((await fetch(`${tokenBase}/phones`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${tokenBase}/phones`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal(controlToken({ address: '127.0.0.1' }), undefined);
    assert.equal(controlToken({ address: '::1' }), undefined);
    assert.match(controlToken({ address: '0.0.0.0' }) ?? '', /^[A-Za-z0-9_-]{24}$/);
    assert.equal(controlToken({ address: '0.0.0.0', controlToken: 'mine' }), 'mine');
  });
});

describe('URLs the HTTP framework cannot decode', () => {
  it('are answered by the phone (404), not by the framework', async () => {
    const p = await testPhone();
    try {
      const { request } = await import('node:http');
      const status = await new Promise<{ code: number; type: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: p.listeners.httpPort, path: "/api/v1/mgmt/device/stats/=3r'%", headers: { authorization: p.auth } },
          (res) => {
            res.resume();
            resolve({ code: res.statusCode ?? 0, type: String(res.headers['content-type']) });
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual(status, { code: 404, type: 'text/html; charset=utf-8' });
      assert.equal(p.journal.last(1)[0]?.httpStatus, 404);
    } finally {
      await p.stop();
    }
  });
});
