/** The control port forwards /phones/{i}/api/... to the phone, signing for a browser that brings no credentials. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ControlApp } from '../src/control/app.js';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, testFleet } from './helpers.js';

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
    for (const [i, model, scheme] of [[1, 'VVX 450', 'basic'], [2, 'CCX 600', 'digest-sha256']] as const) {
      const res = await fetch(`${ctl}/phones/${i}/api/v2/mgmt/device/info`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { ModelNumber: string } }).data.ModelNumber, model);
      const journal = (await (await fetch(`${ctl}/phones/${i}/journal?limit=1`)).json()) as { auth: string; url: string }[];
      assert.equal(journal[0]?.auth, scheme);
      assert.equal(journal[0]?.url, '/api/v2/mgmt/device/info');
    }
  });

  it('passes method, query and body unchanged, and the phone\'s answer back', async () => {
    const set = await fetch(`${ctl}/phones/2/api/v1/mgmt/config/set`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { 'reg.2.address': '4999' } }),
    });
    assert.deepEqual(await set.json(), { Status: '2000' });
    assert.equal(fleet.phones[1]?.phone.config.get('reg.2.address')?.value, '4999');
    const line = await fetch(`${ctl}/phones/2/api/v2/mgmt/lineInfo?line=2`);
    assert.equal(((await line.json()) as { data: { Address?: string; Username?: string }[] }).data.length, 1);
    const bad = await fetch(`${ctl}/phones/1/api/v1/mgmt/config/set`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { Status: '4400' }, 'the phone\'s own answer to malformed JSON');
  });

  it('a request with its own credentials goes as it is: wrong ones get the phone\'s 401', async () => {
    const res = await fetch(`${ctl}/phones/1/api/v2/mgmt/device/info`, { headers: { authorization: `Basic ${Buffer.from('Polycom:wrong').toString('base64')}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await fetch(`${ctl}/phones/7/api/v2/mgmt/device/info`)).status, 404);
  });

  it('the served OpenAPI document lists the running phones as its servers', async () => {
    const doc = (await (await fetch(`${ctl}/docs/openapi.json`)).json()) as { servers: { url: string; description: string }[] };
    assert.deepEqual(doc.servers.map((s) => s.url), ['/phones/1', '/phones/2']);
    assert.match(doc.servers[1]?.description ?? '', /CCX 600/);
  });
});
