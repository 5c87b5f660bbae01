/**
 * Paths in any case: clients run against phones call `/api/v1/mgmt/lineinfo` and `/api/v1/WebCallControl/callStatus`,
 * and phones answer them (docs/fidelity.md). A path in another case answers exactly as the path the manual spells,
 * over real HTTP, with Basic and with Digest (whose `uri` names the path as sent), and the journal keeps it as sent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Switchboard } from '../src/network/switchboard.js';
import { ManualClock } from '../src/phone/clock.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { challenges, sign } from './digest-client.js';
import { assertOk, assertStatus, PASSWORD, testPhone } from './helpers.js';
import type { Answer, TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);

const LINE_INFO = '/api/v1/mgmt/lineInfo';
const LINE_INFO_CLIENT = '/api/v1/mgmt/lineinfo';
const CALL_STATUS = '/api/v1/webCallControl/callStatus';
const CALL_STATUS_CLIENT = '/api/v1/WebCallControl/callStatus';

/** What a client sees of an answer: HTTP status and body. */
const seen = (a: Answer): { http: number; body: unknown } => ({ http: a.http, body: a.body });

async function curl(...args: string[]): Promise<{ code: string; body: string }> {
  const { stdout } = await exec('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const i = stdout.lastIndexOf('\n');
  return { body: stdout.slice(0, i), code: stdout.slice(i + 1) };
}

describe('paths in the case clients write them (Basic)', () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 4, 10, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let p: TestPhone;
  before(async () => {
    sb.scripts.set('5557', { behaviour: 'answer' });
    p = await testPhone({ switchboard: sb, clock, number: '1001' });
  });
  after(() => p.stop());

  it('lineinfo answers as lineInfo, and the journal keeps the path as sent', async () => {
    const canonical = await p.get(LINE_INFO);
    assertOk(canonical, LINE_INFO);
    const client = await p.get(LINE_INFO_CLIENT);
    assert.deepEqual(seen(client), seen(canonical));
    assert.equal(client.headers.get('content-type'), canonical.headers.get('content-type'));
    const last = p.journal.last().at(-1);
    assert.equal(last?.url, LINE_INFO_CLIENT);
    assert.equal(last?.status, '2000');
  });

  it('WebCallControl/callStatus answers as webCallControl/callStatus, with and without a call', async () => {
    assert.deepEqual(seen(await p.get(CALL_STATUS_CLIENT)), seen(await p.get(CALL_STATUS)));
    assertStatus(await p.get(CALL_STATUS_CLIENT), '4007', 400);
    assertOk(await p.post('/api/v1/callctrl/dial', { data: { Dest: '5557' } }), '/api/v1/callctrl/dial');
    clock.advance(3000);
    const client = await p.get(CALL_STATUS_CLIENT);
    assert.deepEqual(seen(client), seen(await p.get(CALL_STATUS)));
    assert.match(String((client.body['data'] as Record<string, string>)['CallHandle']), /^0x[0-9a-f]{8}$/);
    // The 2023 dialer's road: CallHandle from WebCallControl/callStatus, posted as the Ref of endCall.
    const ref = (client.body['data'] as Record<string, string>)['CallHandle'];
    assertOk(await p.post('/api/v1/callCtrl/endcall', { data: { Ref: ref } }), '/api/v1/callctrl/endCall');
    assert.deepEqual(p.phone.calls.all(), []);
  });

  it('a command served at several paths answers as the path its case stands for', async () => {
    p.phone.config.set('LOCAL', { 'locInfo.city': 'Kigali' });
    p.phone.config.set('WEB', { 'locInfo.room': '12' });
    assertOk(await p.post('/api/v1/mgmt/configreset/LOCAL'), '/api/v1/mgmt/configReset/local');
    assert.equal(p.phone.config.value('locInfo.city'), '', 'the local layer is reset');
    assert.equal(p.phone.config.value('locInfo.room'), '12', 'the web layer is not');
    const placed = assertOk(await p.get('/api/v1/mgmt/calllogs/Placed'), '/api/v1/mgmt/callLogs/placed')['data'];
    assert.deepEqual(Object.keys(placed as object), ['Placed']);
  });

  it('the rest of the road is the same: a wrong method, HTTPS only, a fault, an unknown path', async () => {
    assertStatus(await p.post('/api/v1/mgmt/LINEINFO'), '4400', 405);
    assert.equal((await p.get('/api/v1/mgmt/pollforstatus')).http, 404, 'HTTPS only, in any case');
    assert.equal((await p.get('/api/v1/mgmt/pollforstatus', { secure: true })).body['Status'], '2000');
    p.faults.add({ status: '5000', path: LINE_INFO, remaining: 1 });
    assertStatus(await p.get(LINE_INFO_CLIENT), '5000');
    assertOk(await p.get(LINE_INFO_CLIENT), LINE_INFO);
    assert.equal((await p.get('/api/v1/mgmt/lineinfos')).http, 404);
  });
});

describe('paths in the case clients write them (Digest)', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone({ model: 'CCX 600', firmware: '9.5.0' });
  });
  after(() => p.stop());

  it("curl's Digest reaches lineinfo and WebCallControl/callStatus", async (t) => {
    if (lacks(t, 'curl')) return;
    const info = await curl('--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${LINE_INFO_CLIENT}`);
    assert.equal(info.code, '200');
    assert.equal((JSON.parse(info.body) as { Status: string }).Status, '2000');
    const status = await curl('--digest', '-u', `Polycom:${PASSWORD}`, `${p.httpUrl}${CALL_STATUS_CLIENT}`);
    assert.equal(status.code, '400');
    assert.equal((JSON.parse(status.body) as { Status: string }).Status, '4007');
  });

  it('the Digest uri must name the path as sent, in its case', async () => {
    const fresh = async () => {
      const [ch] = challenges(await fetch(`${p.httpUrl}${LINE_INFO_CLIENT}`));
      assert.ok(ch);
      return ch;
    };
    const at = (authorization: string) => fetch(`${p.httpUrl}${LINE_INFO_CLIENT}`, { headers: { authorization } });
    assert.equal((await at(sign(await fresh(), { method: 'GET', uri: LINE_INFO_CLIENT, password: PASSWORD }))).status, 200);
    assert.equal(
      (await at(sign(await fresh(), { method: 'GET', uri: LINE_INFO, password: PASSWORD }))).status,
      401,
      'signed for another spelling than the one sent',
    );
    assert.equal(p.journal.last().at(-1)?.url, LINE_INFO_CLIENT);
  });
});
