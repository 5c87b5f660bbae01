/** The control port forwards /phones/{i}/api/... to the phone, signing for a browser that brings no credentials. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import type { RequestDetail } from '../src/gate/journal.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, testFleet } from './helpers.js';

/** A GET as curl would send it, with the headers given (node:http adds none of a browser's). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the control port forwards the Poly API', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  before(async () => {
    // Phone 1: a VVX (Basic). Phone 2: a CCX 600 on PVOS 9.5 (Digest only).
    fleet = await testFleet({ count: 2, firstNumber: 4101, timing: { initMs: 0 }, members: [{}, { model: 'CCX 600', firmware: '9.5.0' }] });
    ({ control, url: ctl } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  it('signs with Basic or Digest as the phone asks, when the request brings no credentials', async () => {
    for (const [i, model, scheme] of [
      [1, 'VVX 450', 'basic'],
      [2, 'CCX 600', 'digest-sha256'],
    ] as const) {
      const res = await fetch(`${ctl}/phones/${i}/api/v2/mgmt/device/info`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { ModelNumber: string } }).data.ModelNumber, model);
      const journal = (await (await fetch(`${ctl}/phones/${i}/journal?limit=1`)).json()) as { auth: string; url: string }[];
      assert.equal(journal[0]?.auth, scheme);
      assert.equal(journal[0]?.url, '/api/v2/mgmt/device/info');
    }
  });

  it("passes method, query and body unchanged, and the phone's answer back", async () => {
    const set = await fetch(`${ctl}/phones/2/api/v1/mgmt/config/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { 'reg.2.address': '4999' } }),
    });
    assert.deepEqual(await set.json(), { Status: '2000' });
    assert.equal(fleet.phones[1]?.phone.config.get('reg.2.address')?.value, '4999');
    const line = await fetch(`${ctl}/phones/2/api/v2/mgmt/lineInfo?line=2`);
    assert.equal(((await line.json()) as { data: { Address?: string; Username?: string }[] }).data.length, 1);
    const bad = await fetch(`${ctl}/phones/1/api/v1/mgmt/config/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { Status: '4400' }, "the phone's own answer to malformed JSON");
  });

  it("a request with its own credentials goes as it is: wrong ones get the phone's 401", async () => {
    const res = await fetch(`${ctl}/phones/1/api/v2/mgmt/device/info`, {
      headers: { authorization: `Basic ${Buffer.from('Polycom:wrong').toString('base64')}` },
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await fetch(`${ctl}/phones/7/api/v2/mgmt/device/info`)).status, 404);
  });

  it('the served OpenAPI document lists the running phones as its servers', async () => {
    const doc = (await (await fetch(`${ctl}/docs/openapi.json`)).json()) as { servers: { url: string; description: string }[] };
    assert.deepEqual(
      doc.servers.map((s) => s.url),
      ['/phones/1', '/phones/2'],
    );
    assert.match(doc.servers[1]?.description ?? '', /CCX 600/);
  });

  it("refuses what another site's page sends (an <img src> does not preflight); same-origin pages and curl pass", async () => {
    const journal = fleet.phones[0]?.journal;
    const before = journal?.total ?? 0;
    const info = `${ctl}/phones/1/api/v2/mgmt/device/info`;
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: ctl },
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { referer: 'http://evil.example/page.html' },
      { origin: `${ctl.replace(/:\d+$/, '')}:1` },
    ]) {
      const res = await get(info, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
    assert.equal(journal?.total, before, 'no refused request reached the phone');
    for (const headers of <Record<string, string>[]>[
      {},
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      { origin: ctl },
      { referer: `${ctl}/docs/` },
    ]) {
      assert.equal((await get(info, headers)).status, 200, JSON.stringify(headers));
    }
  });
});

describe('the control port forwards the Poly API with a control token', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let ctl: string;
  const TOKEN = 'c0ntrol-t0ken-value';
  before(async () => {
    fleet = await testFleet({ count: 1, firstNumber: 4201, timing: { initMs: 0 } });
    control = await createControlApp(fleet, false, { token: TOKEN });
    await control.listen({ port: 0, host: '127.0.0.1' });
    ctl = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  /** What the phone received of the next request (its headers, credentials shown by scheme only). */
  const seenByPhone = async (send: () => Promise<{ status: number }>): Promise<{ status: number; headers: Record<string, string>[] }> => {
    const headers: Record<string, string>[] = [];
    const stop = fleet.phones[0]?.journal.onRecord((_e, detail?: RequestDetail) => {
      if (detail) headers.push({ ...detail.requestHeaders });
    });
    try {
      return { status: (await send()).status, headers };
    } finally {
      stop?.();
    }
  };

  it('never forwards the control token: the phone gets its own credentials', async () => {
    const seen = await seenByPhone(() => get(`${ctl}/phones/1/api/v2/mgmt/device/info`, { authorization: `Bearer ${TOKEN}` }));
    assert.equal(seen.status, 200);
    assert.ok(seen.headers.length >= 1);
    for (const h of seen.headers) assert.notEqual(h['authorization']?.split(' ')[0], 'Bearer', JSON.stringify(h));
    assert.equal(seen.headers.at(-1)?.['authorization'], 'Basic ********', 'signed by the control port');
    assert.equal((await get(`${ctl}/phones/1/api/v2/mgmt/device/info`)).status, 401, 'the token is still wanted');
  });

  it('a browser logged in by cookie: the cookie stays on the control port; its own phone credentials go through', async () => {
    const login = await fetch(`${ctl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, next: '/docs/' }).toString(),
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/docs/');
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^polysim-control=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.ok(!setCookie.includes(TOKEN), 'the cookie is not the token');
    const cookie = `other=1; ${setCookie.split(';')[0] as string}`;
    const seen = await seenByPhone(() => get(`${ctl}/phones/1/api/v2/mgmt/device/info`, { cookie }));
    assert.equal(seen.status, 200);
    for (const h of seen.headers) assert.ok(!(h['cookie'] ?? '').includes('polysim-control'), JSON.stringify(h));
    assert.equal(seen.headers.at(-1)?.['authorization'], 'Basic ********');
    // Its own (wrong) credentials for the phone go as they are: the phone's 401.
    const wrong = await seenByPhone(() =>
      get(`${ctl}/phones/1/api/v2/mgmt/device/info`, { cookie, authorization: `Basic ${Buffer.from('Polycom:wrong').toString('base64')}` }),
    );
    assert.equal(wrong.status, 401);
    assert.deepEqual(
      wrong.headers.map((h) => h['authorization']),
      ['Basic ********'],
    );
    assert.equal(
      (
        await fetch(`${ctl}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'token=wrong',
        })
      ).status,
      401,
    );
  });
});
