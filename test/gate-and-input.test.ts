import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertOk, assertStatus, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

describe('the rules before an operation, and bad input', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone();
  });
  after(() => p.stop());

  it('a disabled REST API answers 404 with a small HTML body on every path', async () => {
    const off = await testPhone({ factory: true });
    try {
      for (const path of ['/api/v2/mgmt/device/info', '/api/v1/mgmt/config/set', '/nothing/here']) {
        const res = await off.raw(path);
        assert.equal(res.status, 404);
        assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.match(await res.text(), /404 Not Found/);
      }
      assert.equal(off.phone.config.value('device.auth.localAdminPassword'), '456');
    } finally {
      await off.stop();
    }
  });

  it('the default admin password makes every request answer 4010', async () => {
    const d = await testPhone({ factory: true, set: { 'apps.restapi.enabled': '1' } });
    try {
      const a = await d.raw('/api/v2/mgmt/device/info', {
        headers: { authorization: `Basic ${Buffer.from('Polycom:456').toString('base64')}` },
      });
      assert.equal(a.status, 403);
      assert.deepEqual(await a.json(), { Status: '4010' });
    } finally {
      await d.stop();
    }
  });

  it('wrong or missing credentials get 401 with a Basic challenge and an HTML body, never JSON', async () => {
    for (const authorization of [
      '',
      `Basic ${Buffer.from('Polycom:wrong').toString('base64')}`,
      `Basic ${Buffer.from(`polycom:Secret-123`).toString('base64')}`,
      'Basic !!!',
      'Bearer abc',
    ]) {
      const res = await p.raw('/api/v2/mgmt/device/info', { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="API Authentication"');
      assert.match(await res.text(), /401 Unauthorized/);
    }
  });

  it('config/set of the admin password and of apps.restapi.enabled take effect for the next request', async () => {
    const q = await testPhone();
    try {
      assertOk(
        await q.post('/api/v1/mgmt/config/set', { data: { 'device.auth.localAdminPassword': 'Other-456' } }),
        '/api/v1/mgmt/config/set',
      );
      assert.equal((await q.get('/api/v2/mgmt/device/info')).http, 401);
      const other = `Basic ${Buffer.from('Polycom:Other-456').toString('base64')}`;
      assert.equal((await q.get('/api/v2/mgmt/device/info', { headers: { authorization: other } })).http, 200);
      await q.post('/api/v1/mgmt/config/set', { data: { 'apps.restapi.enabled': '0' } }, { headers: { authorization: other } });
      assert.equal((await q.get('/api/v2/mgmt/device/info', { headers: { authorization: other } })).http, 404);
    } finally {
      await q.stop();
    }
  });

  it('unknown paths answer 404 and wrong methods 405 with Allow', async () => {
    const unknown = await p.get('/api/v1/mgmt/nothing');
    assert.equal(unknown.http, 404);
    const wrong = await p.get('/api/v1/mgmt/config/set');
    assert.equal(wrong.http, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.equal(wrong.body['Status'], '4400');
    assert.equal((await p.post('/api/v2/mgmt/device/info', {})).http, 405);
  });

  it('bodies over 20 KB get 413 before they are read; the phone stays well', async () => {
    const res = await p.raw('/api/v1/mgmt/safeRestart', {
      method: 'POST',
      body: 'x'.repeat(25 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /413/);
    assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    assert.ok(p.phone.isUp);
  });

  it('lenient input as real clients send it: GET with a JSON content type and no body, POST with {} or none', async () => {
    assertOk(await p.get('/api/v2/mgmt/device/info', { headers: { 'content-type': 'application/json' } }), '/api/v2/mgmt/device/info');
    assertOk(await p.post('/api/v1/mgmt/configReset/web', {}), '/api/v1/mgmt/configReset/web');
    assertOk(await p.post('/api/v1/mgmt/configReset/web'), '/api/v1/mgmt/configReset/web');
    const form = await p.raw('/api/v1/mgmt/config/get', {
      method: 'POST',
      body: '{"data":["apps.restapi.enabled"]}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 200);
  });

  it('malformed JSON is 4400 and wrong types 4000, never a 500', async () => {
    for (const body of ['{', 'null x', '"just a string"', '{"data": [1, 2', '\u0000\u0001']) {
      const a = await p.post('/api/v1/mgmt/config/get', body);
      assert.equal(a.body['Status'], '4400', body);
      assert.equal(a.http, 400);
    }
    for (const data of [42, true, [1, 2], { a: 1 }, [null]]) {
      assertStatus(await p.post('/api/v1/mgmt/config/get', { data }), '4000', 400);
    }
  });

  it('concurrent requests: the second gets 403 while one is processed, or waits in queue mode', async () => {
    const slow = await testPhone({ latencyMs: 150 });
    const queued = await testPhone({ latencyMs: 50, slotMode: 'queue' });
    try {
      const results = await Promise.all([slow.get('/api/v2/mgmt/device/info'), slow.get('/api/v2/mgmt/device/info')]);
      assert.deepEqual(results.map((r) => r.http).sort(), [200, 403]);
      assert.equal(results.find((r) => r.http === 403)?.body['Status'], '4403');
      const q = await Promise.all([1, 2, 3].map(() => queued.get('/api/v2/mgmt/device/info')));
      assert.deepEqual(
        q.map((r) => r.http),
        [200, 200, 200],
      );
    } finally {
      await slow.stop();
      await queued.stop();
    }
  });

  it('the CCX 350 has no REST API at all', async () => {
    const c = await testPhone({ model: 'CCX 350' });
    try {
      assert.equal((await c.get('/api/v2/mgmt/device/info')).http, 404);
    } finally {
      await c.stop();
    }
  });

  it('PVOS 9.2+ turns Basic off by default; httpd.rest.auth.basic.enabled turns it on', async () => {
    const c = await testPhone({ model: 'Trio C60', firmware: '9.5.0' });
    const old = await testPhone({ model: 'Trio C60', firmware: '9.1.0' });
    try {
      assert.equal((await c.get('/api/v2/mgmt/device/info')).http, 401);
      assertOk(await old.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
      c.phone.config.set('LOCAL', { 'httpd.rest.auth.basic.enabled': '1' });
      assertOk(await c.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    } finally {
      await c.stop();
      await old.stop();
    }
  });
});
