import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { challenges, headerValues, sign } from './digest-client.js';
import { PASSWORD, python, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);
const INFO = '/api/v2/mgmt/device/info';

/** A PVOS phone with Digest (CCX 9.5.0) and the given switches. */
async function digestPhone(set: Record<string, string> = {}, clock?: ManualClock): Promise<TestPhone> {
  return testPhone({ model: 'CCX 600', firmware: '9.5.0', set, clock });
}

async function curl(...args: string[]): Promise<{ code: string; body: string }> {
  const { stdout } = await exec('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const i = stdout.lastIndexOf('\n');
  return { body: stdout.slice(0, i), code: stdout.slice(i + 1) };
}

async function pythonDigest(url: string, password: string): Promise<{ status: number; body: string }> {
  const script = `
import sys, json, requests, urllib3
urllib3.disable_warnings()
r = requests.get(sys.argv[1], auth=requests.auth.HTTPDigestAuth("Polycom", sys.argv[2]), verify=False)
print(json.dumps({"status": r.status_code, "body": r.text}))
`;
  const { stdout } = await exec(python(), ['-c', script, url, password]);
  return JSON.parse(stdout) as { status: number; body: string };
}

/** An unauthenticated request, to get challenges. */
const challenge = async (p: TestPhone, path = INFO): Promise<Response> => fetch(`${p.httpUrl}${path}`);
const withAuth = (p: TestPhone, authorization: string, path = INFO): Promise<Response> =>
  fetch(`${p.httpUrl}${path}`, { headers: { authorization } });

describe('Digest authentication (RFC 7616) with real clients', () => {
  const combos: [string, Record<string, string>, string[]][] = [
    ['SHA-256 and MD5', {}, ['SHA-256', 'MD5']],
    ['SHA-256 only', { 'httpd.rest.auth.digest.md5.enabled': '0' }, ['SHA-256']],
    ['MD5 only', { 'httpd.rest.auth.digest.sha256.enabled': '0' }, ['MD5']],
  ];
  for (const [label, set, algorithms] of combos) {
    it(`${label}: challenges in order, curl --digest and Python HTTPDigestAuth succeed, a wrong password fails`, async (t) => {
      if (lacks(t, 'curl', 'python3-requests')) return;
      const p = await digestPhone(set);
      try {
        const res = await challenge(p);
        assert.equal(res.status, 401);
        assert.deepEqual(
          challenges(res).map((c) => c.algorithm),
          algorithms,
        );
        assert.equal(new Set(challenges(res).map((c) => c.nonce)).size, 1, 'one nonce for all challenges');
        assert.ok(!headerValues(res, 'www-authenticate').some((v) => v.startsWith('Basic')), 'Basic is off by default on 9.5.0');
        const ok = await curl('--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`);
        assert.equal(ok.code, '200', ok.body);
        assert.equal((JSON.parse(ok.body) as { Status: string }).Status, '2000');
        const okHttps = await curl('-k', '--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpsUrl}/api/v1/mgmt/network/info`);
        assert.equal(okHttps.code, '200');
        assert.equal((await curl('--digest', '-u', 'Polycom:wrong', `${p.httpUrl}${INFO}`)).code, '401');
        const py = await pythonDigest(`${p.httpsUrl}${INFO}`, PASSWORD);
        assert.equal(py.status, 200, py.body);
        assert.equal((await pythonDigest(`${p.httpUrl}${INFO}`, 'wrong')).status, 401);
      } finally {
        await p.stop();
      }
    });
  }

  it('Basic is refused on PVOS 9.2+ until httpd.rest.auth.basic.enabled=1, and the switch acts on the next request', async (t) => {
    if (lacks(t, 'curl')) return;
    const p = await digestPhone();
    try {
      assert.equal((await curl('-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '401');
      p.phone.config.set('LOCAL', { 'httpd.rest.auth.basic.enabled': '1' });
      assert.equal((await curl('-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '200');
      assert.ok(headerValues(await challenge(p), 'www-authenticate').includes('Basic realm="API Authentication"'));
      p.phone.config.set('LOCAL', { 'httpd.rest.auth.digest.sha256.enabled': '0', 'httpd.rest.auth.digest.md5.enabled': '0' });
      const res = await challenge(p);
      assert.deepEqual(headerValues(res, 'www-authenticate'), ['Basic realm="API Authentication"']);
      assert.equal((await curl('--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '401');
    } finally {
      await p.stop();
    }
  });

  it('firmware boundaries: Basic only before 9.2.0 (CCX, Trio C60) and 8.3.0 (Edge E), and always on UCS and Trio 8300', async (t) => {
    if (lacks(t, 'curl')) return;
    for (const [model, firmware, digest] of [
      ['CCX 600', '9.1.0', false],
      ['CCX 600', '9.2.0', true],
      ['Trio C60', '9.2.0', true],
      ['Edge E450', '8.2.0', false],
      ['Edge E450', '8.3.0', true],
      ['VVX 450', '6.4.3', false],
      ['Trio 8300', '9.5.0', false],
    ] as const) {
      const p = await testPhone({ model, firmware });
      try {
        const values = headerValues(await challenge(p), 'www-authenticate');
        if (digest) {
          assert.equal(values.filter((v) => v.startsWith('Digest')).length, 2, `${model} ${firmware}`);
          assert.ok(!values.some((v) => v.startsWith('Basic')), `${model} ${firmware}`);
        } else {
          assert.deepEqual(values, ['Basic realm="API Authentication"'], `${model} ${firmware}`);
          assert.equal((await curl('-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '200');
          assert.equal((await curl('--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '401', 'no Digest here');
          assert.equal((await curl('--anyauth', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${INFO}`)).code, '200');
        }
      } finally {
        await p.stop();
      }
    }
  });
});

describe('Digest rules', () => {
  let p: TestPhone;
  const clock = new ManualClock();
  before(async () => {
    p = await digestPhone({}, clock);
  });
  after(() => p.stop());

  it('a replayed Authorization header is refused; a growing nc is accepted', async () => {
    const [ch] = challenges(await challenge(p));
    assert.ok(ch);
    const first = sign(ch, { method: 'GET', uri: INFO, password: PASSWORD, nc: 1 });
    assert.equal((await withAuth(p, first)).status, 200);
    const replay = await withAuth(p, first);
    assert.equal(replay.status, 401);
    assert.equal(challenges(replay)[0]?.stale, false);
    assert.equal((await withAuth(p, sign(ch, { method: 'GET', uri: INFO, password: PASSWORD, nc: 2 }))).status, 200);
    assert.equal((await withAuth(p, sign(ch, { method: 'GET', uri: INFO, password: PASSWORD, nc: 2 }))).status, 401);
    assert.equal((await withAuth(p, sign(ch, { method: 'GET', uri: INFO, password: PASSWORD, nc: 7 }))).status, 200);
  });

  it('accepts algorithm quoted or bare, and a uri with its query', async () => {
    const [sha] = challenges(await challenge(p));
    assert.ok(sha);
    assert.equal((await withAuth(p, sign(sha, { method: 'GET', uri: INFO, password: PASSWORD, quoteAlgorithm: true }))).status, 200);
    const [sha2] = challenges(await challenge(p));
    assert.ok(sha2);
    const q = '/api/v2/mgmt/lineInfo?line=1';
    assert.equal((await withAuth(p, sign(sha2, { method: 'GET', uri: q, password: PASSWORD }), q)).status, 200);
  });

  it('refuses a uri that is not the request, another realm or opaque, an unknown user, a disabled algorithm', async () => {
    // Eight failed logins in a row would lock the phone (httpd.cfg.lockWebUI.*, tested in hardening.test.ts).
    p.phone.config.set('LOCAL', { 'httpd.cfg.lockWebUI.enable': '0' });
    after(() => p.phone.config.set('LOCAL', { 'httpd.cfg.lockWebUI.enable': '1' }));
    const fresh = async () => {
      const c = challenges(await challenge(p))[0];
      assert.ok(c);
      return c;
    };
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'GET', uri: '/api/v1/mgmt/lineInfo', password: PASSWORD }))).status, 401);
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'POST', uri: INFO, password: PASSWORD }))).status, 401);
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, realm: 'other' }))).status, 401);
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, opaque: 'forged' }))).status, 401);
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, user: 'polycom' }))).status, 401);
    assert.equal(
      (await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, algorithm: 'SHA-512-256' }))).status,
      401,
    );
    p.phone.config.set('LOCAL', { 'httpd.rest.auth.digest.md5.enabled': '0' });
    try {
      assert.equal(
        (await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, algorithm: 'MD5' }))).status,
        401,
      );
    } finally {
      p.phone.config.set('LOCAL', { 'httpd.rest.auth.digest.md5.enabled': '1' });
    }
    assert.equal((await withAuth(p, sign(await fresh(), { method: 'GET', uri: INFO, password: PASSWORD, algorithm: 'MD5' }))).status, 200);
    assert.equal((await withAuth(p, 'Digest garbage')).status, 401);
  });

  it('an expired nonce is answered with stale=true and a new nonce that works', async () => {
    const [ch] = challenges(await challenge(p));
    assert.ok(ch);
    clock.advance(300_001);
    const res = await withAuth(p, sign(ch, { method: 'GET', uri: INFO, password: PASSWORD }));
    assert.equal(res.status, 401);
    const renewed = challenges(res);
    assert.ok(renewed.every((c) => c.stale));
    assert.notEqual(renewed[0]?.nonce, ch.nonce);
    assert.equal((await withAuth(p, sign(renewed[0] ?? ch, { method: 'GET', uri: INFO, password: PASSWORD }))).status, 200);
  });

  it('Digest with the default password answers 4010', async (t) => {
    if (lacks(t, 'curl')) return;
    const d = await testPhone({ model: 'CCX 600', factory: true, set: { 'apps.restapi.enabled': '1' } });
    try {
      const r = await curl('--digest', '-u', 'Polycom:456', `${d.httpUrl}${INFO}`);
      assert.equal(r.code, '403');
      assert.deepEqual(JSON.parse(r.body), { Status: '4010' });
    } finally {
      await d.stop();
    }
  });
});
