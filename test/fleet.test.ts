import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { ControlApp } from '../src/control/app.js';
import { ManualClock } from '../src/phone/clock.js';
import { addressPlus, startFleet } from '../src/runtime/fleet.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { listenControl, PASSWORD, waitFor } from './helpers.js';
import { openApiProblems } from './openapi-check.js';

const AUTH = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
type Row = Record<string, string>;

async function poly(url: string, path: string, data?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(
    `${url}${path}`,
    data === undefined && !path.includes('callctrl')
      ? { headers: AUTH }
      : { method: 'POST', headers: AUTH, body: JSON.stringify({ data: data ?? {} }) },
  );
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(openApiProblems(data === undefined && !path.includes('callctrl') ? 'GET' : 'POST', path, res.status, body), []);
  return { status: res.status, body };
}

describe('a fleet on one virtual network, driven by the control API', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  const url = (i: number): string => fleet.phones[i - 1]?.httpUrl ?? '';
  const calls = async (i: number): Promise<Row[]> => (await poly(url(i), '/api/v2/webCallControl/callStatus')).body['data'] as Row[];
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${ctl}${path}`, {
      method,
      headers: body === undefined ? { 'x-polysim': '1' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    fleet = await startFleet(
      {
        count: 3,
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 2001,
        adminPassword: PASSWORD,
        clock,
        timing: { initMs: 0 },
      },
      await createHttpApp(false),
    );
    ({ control, url: ctl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  it('lists its phones with numbers firstNumber + i and their own ports', async () => {
    const phones = (await api('GET', '/phones')).body as Row[];
    assert.deepEqual(
      phones.map((p) => p['number']),
      ['2001', '2002', '2003'],
    );
    assert.equal(new Set(phones.map((p) => p['httpUrl'])).size, 3);
    assert.equal(new Set(phones.map((p) => p['mac'])).size, 3);
    assert.equal((await api('GET', '/phones/9')).status, 404);
  });

  it('every phone presents its own certificate (CN and SAN = its MAC) on its first HTTPS connection', async () => {
    const presented = await Promise.all(
      fleet.phones.map(
        (r) =>
          new Promise<{ cn: string; san: string }>((resolve, reject) => {
            const s = connect({ host: '127.0.0.1', port: Number(new URL(r.httpsUrl).port), rejectUnauthorized: false }, () => {
              const cert = s.getPeerCertificate();
              resolve({ cn: String(cert.subject.CN), san: cert.subjectaltname ?? '' });
              s.end();
            });
            s.on('error', reject);
          }),
      ),
    );
    assert.deepEqual(
      presented,
      fleet.phones.map((r) => {
        const mac = r.phone.identity.mac.toLowerCase();
        return { cn: mac, san: `DNS:${mac}, IP Address:127.0.0.1` };
      }),
    );
    assert.equal(new Set(presented.map((p) => p.cn)).size, 3);
  });

  it('phones call each other by number', async () => {
    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '2003' });
    assert.equal((await calls(3))[0]?.['CallState'], 'Offering');
    await poly(url(3), '/api/v1/callctrl/answerCall');
    assert.equal((await calls(1))[0]?.['CallState'], 'Connected');
    const p3 = (await api('GET', '/phones/3')).body as { calls: Row[] };
    assert.equal(p3.calls[0]?.['remoteNumber'], '2001');
    await poly(url(3), '/api/v1/callctrl/endCall', { Ref: (await calls(3))[0]?.['CallHandle'] });
    assert.deepEqual(await calls(1), []);
  });

  it('an incoming call from any number; the far end holds, sends DTMF and hangs up', async () => {
    const created = await api('POST', '/phones/2/incoming', { from: '+15551234', name: 'Customer' });
    assert.equal(created.status, 201);
    const fe = created.body as Row;
    const [ring] = await calls(2);
    assert.equal(ring?.['RemotePartyNumber'], '+15551234');
    assert.equal(ring?.['RemotePartyName'], 'Customer');
    assert.equal((await api('POST', `/far-ends/${fe['id']}/hold`)).status, 409, 'not connected yet');
    await poly(url(2), '/api/v1/callctrl/answerCall');
    assert.equal(((await api('GET', '/far-ends')).body as Row[])[0]?.['state'], 'connected');
    await api('POST', `/far-ends/${fe['id']}/hold`);
    assert.equal((await calls(2))[0]?.['CallState'], 'Held');
    await api('POST', `/far-ends/${fe['id']}/resume`);
    await api('POST', `/far-ends/${fe['id']}/dtmf`, { digits: '42#' });
    assert.equal(((await api('GET', '/phones/2')).body as { calls: Row[] }).calls[0]?.['dtmfReceived'], '42#');
    assert.equal((await api('POST', `/far-ends/${fe['id']}/dtmf`, { digits: 'xyz' })).status, 400);
    await poly(url(2), '/api/v1/callctrl/sendDTMF', { Digits: '9' });
    assert.equal(((await api('GET', '/far-ends')).body as Row[])[0]?.['dtmfReceived'], '9');
    clock.advance(30_000);
    await api('POST', `/far-ends/${fe['id']}/hangup`);
    assert.deepEqual(await calls(2), []);
    const logs = (await poly(url(2), '/api/v1/mgmt/callLogs/received')).body['data'] as { Received: Row[] };
    assert.equal(logs.Received[0]?.['RemotePartyNumber'], '+15551234');
    assert.equal(logs.Received[0]?.['Duration'], '30 secs');
    assert.equal((await api('POST', '/phones/2/incoming', { from: '1', line: 13 })).status, 400);
    assert.equal((await api('POST', '/phones/2/incoming', { from: '1', line: 2 })).status, 409, 'line 2 has no number');
    assert.equal((await api('POST', '/phones/2/incoming', {})).status, 400);
  });

  it('far-end scripts: default answer after 1.5 s, busy, reject, no answer, hang up after a while', async () => {
    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '5550000' });
    assert.equal((await calls(1))[0]?.['CallState'], 'RingBack');
    clock.advance(1500);
    assert.equal((await calls(1))[0]?.['CallState'], 'Connected');
    await poly(url(1), '/api/v1/callctrl/endCall', { Ref: (await calls(1))[0]?.['CallHandle'] });

    assert.equal((await api('PUT', '/scripts/5551', { behaviour: 'busy' })).status, 200);
    await api('PUT', '/scripts/5552', { behaviour: 'reject', answerAfterMs: 2000 });
    await api('PUT', '/scripts/5553', { behaviour: 'no-answer' });
    await api('PUT', '/scripts/5554', { behaviour: 'answer', answerAfterMs: 100, hangupAfterMs: 5000, name: 'IVR' });
    assert.equal((await api('PUT', '/scripts/5555', { behaviour: 'explode' })).status, 400);

    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '5551' });
    assert.deepEqual(await calls(1), [], 'busy ends the call at once');
    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '5552' });
    clock.advance(1999);
    assert.equal((await calls(1))[0]?.['CallState'], 'RingBack');
    clock.advance(1);
    assert.deepEqual(await calls(1), []);
    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '5553' });
    clock.advance(600_000);
    assert.equal((await calls(1))[0]?.['CallState'], 'RingBack');
    const fe = ((await api('GET', '/far-ends')).body as Row[]).find((f) => f['number'] === '5553');
    await api('POST', `/far-ends/${fe?.['id']}/answer`);
    assert.equal((await calls(1))[0]?.['CallState'], 'Connected', 'the control API answers for it');
    await poly(url(1), '/api/v1/callctrl/endCall', { Ref: (await calls(1))[0]?.['CallHandle'] });
    await poly(url(1), '/api/v1/callctrl/dial', { Dest: '5554' });
    clock.advance(100);
    assert.equal((await calls(1))[0]?.['RemotePartyName'], 'IVR');
    assert.equal((await calls(1))[0]?.['CallState'], 'Connected');
    clock.advance(5000);
    assert.deepEqual(await calls(1), [], 'the far end hung up');
    assert.equal((await api('DELETE', '/scripts/5551')).status, 204);
    assert.equal((await api('DELETE', '/scripts/5551')).status, 404);
    const scripts = (await api('GET', '/scripts')).body as { numbers: Record<string, unknown> };
    assert.deepEqual(Object.keys(scripts.numbers).sort(), ['5552', '5553', '5554']);
  });

  it('a blind transfer to another phone of the fleet makes it ring with the far end as caller', async () => {
    const fe = (await api('POST', '/phones/1/incoming', { from: '5559999', name: 'Caller' })).body as Row;
    await poly(url(1), '/api/v1/callctrl/answerCall');
    await poly(url(1), '/api/v1/callctrl/transferCall', { Ref: (await calls(1))[0]?.['CallHandle'], TransferDest: '2002' });
    assert.deepEqual(await calls(1), []);
    const [ring] = await calls(2);
    assert.equal(ring?.['RemotePartyNumber'], '5559999');
    assert.equal(ring?.['CallState'], 'Offering');
    assert.equal(
      ((await api('GET', '/far-ends')).body as Row[]).some((f) => f['id'] === fe['id']),
      false,
    );
    await poly(url(2), '/api/v1/callctrl/rejectCall');
  });

  it('sets WEB and DEVICE values and peripherals; the Poly API follows', async () => {
    const web = await api('PUT', '/phones/1/config/web', { 'locInfo.room': 'W1', 'device.syslog.facility': 5 });
    assert.equal(web.status, 200);
    assert.deepEqual((web.body as Record<string, unknown>)['locInfo.room'], { value: 'W1', source: 'WEB' });
    assert.equal((await api('PUT', '/phones/1/config/device', { 'locInfo.room': 'D1' })).status, 200);
    // Passwords are set, and answered masked (as the event stream masks them).
    const secrets = await api('PUT', '/phones/1/config/device', {
      'reg.2.auth.password': 'sip-secret-9',
      'device.prov.password': 'prov-secret-9',
    });
    assert.deepEqual(secrets.body, {
      'reg.2.auth.password': { value: '********', source: 'DEVICE' },
      'device.prov.password': { value: '********', source: 'DEVICE' },
    });
    assert.equal(fleet.phones[0]?.phone.config.get('reg.2.auth.password')?.value, 'sip-secret-9');
    const got = (await poly(url(1), '/api/v1/mgmt/config/get', ['locInfo.room'])).body['data'] as Record<string, Row>;
    assert.deepEqual(got['locInfo.room'], { Value: 'W1', Source: 'web' }, 'WEB wins over DEVICE');
    assert.equal((await api('PUT', '/phones/1/config/web', { 'device.syslog.facility': 99 })).status, 400);
    assert.equal((await api('PUT', '/phones/1/config/local', { 'locInfo.room': 'x' })).status, 400);
    assert.equal(
      (
        await api('PUT', '/phones/1/peripherals', {
          pcMac: '54e1ad1f2ecd',
          modularRoom: [
            { name: 'Mic', model: 'Trio C60', mac: '0004F2000001', components: [{ componentType: 'microphone', version: '1.0' }] },
          ],
        })
      ).status,
      200,
    );
    assert.deepEqual((await poly(url(1), '/api/v1/mgmt/pcPort/info')).body['data'], {
      PCPortStatus: 'Active',
      PCMacAddress: '54E1AD1F2ECD',
    });
    const mr = (await poly(url(1), '/api/v1/mgmt/mrpair/info')).body['data'] as { ConnectedDeviceList: { ComponentList: Row[] }[] };
    assert.equal(mr.ConnectedDeviceList[0]?.ComponentList[0]?.['componentType'], 'microphone');
    assert.equal((await api('PUT', '/phones/1/peripherals', { pcMac: 'nope' })).status, 400);
    // Locked out through the API itself, and back through the phone's menu.
    await poly(url(1), '/api/v1/mgmt/config/set', { 'apps.restapi.enabled': '0' });
    assert.equal((await fetch(`${url(1)}/api/v2/mgmt/device/info`, { headers: AUTH })).status, 404);
    assert.equal((await api('DELETE', '/phones/1/config/local')).status, 204);
    assert.equal((await poly(url(1), '/api/v2/mgmt/device/info')).status, 200);
    assert.equal((await api('DELETE', '/phones/1/config/default')).status, 400);
  });

  it('GET /ready answers 200 once every phone is ready, 503 while one is not', async () => {
    assert.deepEqual(await api('GET', '/ready'), { status: 200, body: { ready: true, phones: 3, notReady: 0, registered: 3 } });
    fleet.phones[1]?.phone.goDown('restart');
    assert.deepEqual(await api('GET', '/ready'), { status: 503, body: { ready: false, phones: 3, notReady: 1, registered: 2 } });
    clock.advance(60_000);
    await waitFor(async () => (await api('GET', '/ready')).status === 200);
    await fleet.phones[1]?.listeners.settled();
  });

  it("each phone's journal holds its last requests and answers; latency is settable", async () => {
    await poly(url(3), '/api/v2/mgmt/device/info');
    await poly(url(3), '/api/v1/callctrl/endCall', { Ref: 'nope' });
    const journal = (await api('GET', '/phones/3/journal?limit=2')).body as Row[];
    assert.deepEqual(
      journal.map((j) => [j['method'], j['url'], j['httpStatus'], j['status']]),
      [
        ['GET', '/api/v2/mgmt/device/info', 200, '2000'],
        ['POST', '/api/v1/callctrl/endCall', 400, '4007'],
      ],
    );
    assert.equal((await api('PUT', '/phones/3/latency', { ms: 150 })).status, 200);
    const both = await Promise.all([poly(url(3), '/api/v2/mgmt/device/info'), poly(url(3), '/api/v2/mgmt/device/info')]);
    assert.deepEqual(both.map((b) => b.status).sort(), [200, 403]);
    await api('PUT', '/phones/3/latency', { ms: 0 });
  });
});

describe('fleet addressing', () => {
  it('address mode puts phone i on its own loopback address with the same ports', async () => {
    assert.equal(addressPlus('127.0.1.250', 10), '127.0.2.4');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.1.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const fleet = await startFleet(
      {
        count: 3,
        model: 'Edge E450',
        address: '127.0.0.1',
        addressRange: '127.0.1.1',
        httpPort: port,
        httpsPort: 0,
        firstNumber: 3001,
        adminPassword: PASSWORD,
        timing: { initMs: 0 },
        set: { 'httpd.rest.auth.basic.enabled': '1' },
      },
      await createHttpApp(false),
    );
    try {
      assert.deepEqual(
        fleet.phones.map((p) => p.httpUrl),
        [1, 2, 3].map((i) => `http://127.0.1.${i}:${port}`),
      );
      for (const p of fleet.phones) {
        const info = (await poly(p.httpUrl, '/api/v2/mgmt/device/info')).body['data'] as Row;
        assert.equal(info['IPAddress'], new URL(p.httpUrl).hostname);
      }
      await poly(fleet.phones[0]?.httpUrl ?? '', '/api/v1/callctrl/dial', { Dest: '3002' });
      const ring = (await poly(fleet.phones[1]?.httpUrl ?? '', '/api/v2/webCallControl/callStatus')).body['data'] as Row[];
      assert.equal(ring[0]?.['Remote Connection IP'], '127.0.1.1');
    } finally {
      await fleet.stop();
    }
  });
});

describe('a fleet whose port is taken', () => {
  it('fails at once, naming the phone and the port, and leaves nothing listening', async () => {
    const { createServer } = await import('node:net');
    const free = (port: number): Promise<boolean> =>
      new Promise((r) => {
        const probe = createServer();
        probe.once('error', () => r(false));
        probe.listen(port, '127.0.0.1', () => probe.close(() => r(true)));
      });
    // A port taken by the test whose two ports below are free: phones 1 and 2 must open before phone 3 fails (another
    // program's connection can hold a port of the ephemeral range at any time).
    let busy = createServer();
    let taken = 0;
    for (let tries = 0; ; tries++) {
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      taken = (busy.address() as { port: number }).port;
      if ((await free(taken - 2)) && (await free(taken - 1))) break;
      assert.ok(tries < 50, 'no port with two free ports below it');
      await new Promise((r) => busy.close(r));
      busy = createServer();
    }
    const app = await createHttpApp(false);
    try {
      await assert.rejects(
        startFleet(
          {
            count: 3,
            model: 'VVX 450',
            address: '127.0.0.1',
            httpPort: taken - 2,
            httpsPort: 0,
            firstNumber: 4001,
            adminPassword: PASSWORD,
            timing: { initMs: 0 },
          },
          app,
        ),
        new RegExp(`^ListenError: phone 3 \\(number 4003\\): port in use: 127\\.0\\.0\\.1:${taken}$`),
      );
      // Phones 1 and 2 were stopped: their ports are free again.
      const again = createServer();
      await new Promise<void>((r, j) => {
        again.once('error', j);
        again.listen(taken - 2, '127.0.0.1', r);
      });
      again.close();
    } finally {
      busy.close();
      await app.close();
    }
  });
});

describe('fleet identities', () => {
  it('gives every phone its own MAC, even when the random source draws one twice', async () => {
    // MAC digits come from hex(3): the source draws the same three bytes for the first three phones.
    const draws = ['a1b2c3', 'a1b2c3', 'a1b2c3', 'd4e5f6', 'a1b2c3', '0a0b0c'];
    let n = 0;
    const ids = {
      hex: (bytes: number): string => (bytes === 3 && n < draws.length ? (draws[n++] as string) : randomBytes(bytes).toString('hex')),
    };
    const fleet = await startFleet(
      {
        count: 3,
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 4001,
        adminPassword: PASSWORD,
        ids,
        timing: { initMs: 0 },
      },
      await createHttpApp(false),
    );
    try {
      const macs = fleet.phones.map((p) => p.phone.identity.mac);
      assert.deepEqual(macs, ['0004F2A1B2C3', '0004F2D4E5F6', '0004F20A0B0C']);
    } finally {
      await fleet.stop();
    }
  });
});
