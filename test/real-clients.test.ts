import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, python, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);

describe('real clients nobody here wrote', () => {
  let p: TestPhone;
  let dir: string;
  before(async () => {
    p = await testPhone({ model: 'Edge E450', firmware: '8.2.0' });
    dir = mkdtempSync(join(tmpdir(), 'polysim-clients-'));
  });
  after(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("curl: Basic auth over HTTP, and HTTPS verified against the phone's own certificate (CN = MAC)", async (t) => {
    if (lacks(t, 'curl')) return;
    const { stdout } = await exec('curl', ['-sS', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}/api/v2/mgmt/device/info`]);
    const body = JSON.parse(stdout) as { Status: string; data: { MACAddress: string } };
    assert.equal(body.Status, '2000');
    const certFile = join(dir, 'phone.pem');
    writeFileSync(certFile, p.certificate());
    const secure = await exec('curl', ['-sS', '--cacert', certFile, '-u', `Polycom:${PASSWORD}`, `${p.httpsUrl}/api/v1/mgmt/network/info`]);
    assert.equal((JSON.parse(secure.stdout) as { Status: string }).Status, '2000');
    const subject = await exec('curl', [
      '-sSv',
      '-k',
      '-o',
      '/dev/null',
      '-u',
      `Polycom:${PASSWORD}`,
      `${p.httpsUrl}/api/v2/mgmt/device/info`,
    ]);
    assert.match(subject.stderr, new RegExp(`subject: .*CN\\s?=\\s?${body.data.MACAddress}`, 'i'));
  });

  it('curl: config/set with -d, a wrong password, and an oversized body', async (t) => {
    if (lacks(t, 'curl')) return;
    const set = await exec('curl', [
      '-sS',
      '-u',
      `Polycom:${PASSWORD}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"data":{"locInfo.building":"B2"}}',
      `${p.httpUrl}/api/v1/mgmt/config/set`,
    ]);
    assert.deepEqual(JSON.parse(set.stdout), { Status: '2000' });
    assert.equal(p.phone.config.get('locInfo.building')?.value, 'B2');
    const denied = await exec('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-u',
      'Polycom:nope',
      `${p.httpUrl}/api/v2/mgmt/device/info`,
    ]);
    assert.equal(denied.stdout, '401');
    const bodyFile = join(dir, 'big.json');
    writeFileSync(bodyFile, JSON.stringify({ data: { 'locInfo.building': 'x'.repeat(30_000) } }));
    const big = await exec('curl', [
      '-s',
      '-w',
      '\n%{http_code}',
      '-u',
      `Polycom:${PASSWORD}`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      `@${bodyFile}`,
      `${p.httpUrl}/api/v1/mgmt/config/set`,
    ]);
    assert.deepEqual(big.stdout.split('\n'), ['{"Status":"4009"}', '413']);
    assert.equal(p.phone.config.get('locInfo.building')?.value, 'B2');
  });

  it('Python requests: HTTPBasicAuth over HTTPS, JSON in and out', async (t) => {
    if (lacks(t, 'python3-requests')) return;
    const script = `
import json, sys, requests, urllib3
urllib3.disable_warnings()
base, pw = sys.argv[1], sys.argv[2]
auth = requests.auth.HTTPBasicAuth("Polycom", pw)
r = requests.post(base + "/api/v1/mgmt/config/set", json={"data": {"locInfo.floor": "3"}}, auth=auth, verify=False)
g = requests.post(base + "/api/v1/mgmt/config/get", json={"data": ["locInfo.floor"]}, auth=auth, verify=False)
bad = requests.get(base + "/api/v2/mgmt/device/info", auth=("Polycom", "wrong"), verify=False)
print(json.dumps({"set": r.json(), "get": g.json(), "bad": bad.status_code, "www": bad.headers.get("WWW-Authenticate")}))
`;
    const { stdout } = await exec(python(), ['-c', script, p.httpsUrl, PASSWORD]);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(out['set'], { Status: '2000' });
    assert.deepEqual(out['get'], { data: { 'locInfo.floor': { Value: '3', Source: 'local' } }, Status: '2000' });
    assert.equal(out['bad'], 401);
    assert.equal(out['www'], 'Basic realm="API Authentication"');
  });
});
