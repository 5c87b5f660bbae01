import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuthError, PolyError, PolyPhone, TransportError } from '@polysim/client';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { PASSWORD, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

const certOf = (p: TestPhone): string => p.certificate();
const journalCodes = (p: TestPhone): string[] => p.journal.last().map((j) => `${j.httpStatus}${j.status ? `:${j.status}` : ''}`);

describe('the PolyPhone client against polysim phones', () => {
  const clock = new ManualClock();
  const sb = new Switchboard(clock, randomIds);
  let vvx: TestPhone;
  let ccx: TestPhone;
  before(async () => {
    vvx = await testPhone({ switchboard: sb, clock, number: '1001' });
    ccx = await testPhone({
      model: 'CCX 600',
      switchboard: sb,
      clock,
      number: '1002',
      set: { 'device.baseProfile': 'SkypeForBusiness', 'diags.pcap.enabled': '1', 'diags.pcap.background.enabled': '1' },
    });
  });
  after(async () => {
    await vvx.stop();
    await ccx.stop();
  });

  it('authenticates with Basic, Digest SHA-256, Digest MD5 and sessions, picking the best method offered', async () => {
    const basic = new PolyPhone({ host: vvx.httpUrl, password: PASSWORD });
    assert.equal((await basic.mgmt.deviceInfoV2())['ModelNumber'], 'VVX 450');
    basic.close();
    const digest = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD });
    for (let i = 0; i < 3; i++) assert.equal((await digest.mgmt.deviceInfoV2())['ModelNumber'], 'CCX 600');
    assert.deepEqual(journalCodes(ccx).slice(-4), ['401', '200:2000', '200:2000', '200:2000'], 'one challenge, then every request signed');
    digest.close();
    ccx.phone.config.set('LOCAL', { 'httpd.rest.auth.digest.sha256.enabled': '0' });
    const md5 = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD, auth: 'digest' });
    assert.equal((await md5.mgmt.networkStats()).UpTime !== undefined, true);
    md5.close();
    ccx.phone.config.set('LOCAL', { 'httpd.rest.auth.digest.sha256.enabled': '1' });
    const session = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD, auth: 'session' });
    await session.mgmt.deviceInfo();
    await session.mgmt.lineInfo();
    assert.equal(ccx.phone.sessions.list().length, 1);
    ccx.phone.sessions.clear();
    assert.ok(await session.mgmt.deviceStats(), 'a lost session is renewed once');
    assert.equal(ccx.phone.sessions.list().length, 1);
    await session.close();
    assert.equal(ccx.phone.sessions.list().length, 0, 'close deletes the session');
  });

  it('renews a session before it expires and deletes the old one', async () => {
    ccx.phone.config.set('LOCAL', { 'httpd.rest.session.duration.sec': '120' });
    let now = 1_000_000;
    const c = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD, auth: 'session', now: () => now });
    await c.mgmt.deviceInfo();
    const first = ccx.phone.sessions.list().map((x) => x.id);
    now += 80_000;
    await c.mgmt.deviceInfo();
    assert.deepEqual(
      ccx.phone.sessions.list().map((x) => x.id),
      first,
      'reused while more than 30 s are left',
    );
    now += 15_000;
    await c.mgmt.deviceInfo();
    const renewed = ccx.phone.sessions.list().map((x) => x.id);
    assert.equal(renewed.length, 1);
    assert.notDeepEqual(renewed, first, 'a new session, the old one deleted');
    await c.close();
    ccx.phone.config.set('LOCAL', { 'httpd.rest.session.duration.sec': '1500' });
  });

  it('takes a fresh nonce when the phone says stale=true, without failing', async () => {
    const c = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD });
    await c.mgmt.deviceInfo();
    clock.advance(301_000);
    await c.mgmt.deviceInfo();
    assert.deepEqual(journalCodes(ccx).slice(-2), ['401', '200:2000'], 'one stale answer, then the request signed anew');
    c.close();
  });

  it('never loops on a 401, and surfaces Status codes as PolyError', async () => {
    const wrong = new PolyPhone({ host: ccx.httpUrl, password: 'wrong' });
    const before = ccx.journal.total;
    await assert.rejects(wrong.mgmt.deviceInfoV2(), AuthError);
    assert.equal(ccx.journal.total - before, 2, 'one unauthenticated request, one signed: no loop');
    wrong.close();
    const c = new PolyPhone({ host: vvx.httpUrl, password: PASSWORD });
    await assert.rejects(
      c.callctrl.end('nope'),
      (e: unknown) => e instanceof PolyError && e.code === '4007' && e.httpStatus === 400 && e.meaning === 'Call does not exist',
    );
    await assert.rejects(c.mgmt.powerStatus(), (e: unknown) => e instanceof TransportError && e.httpStatus === 404);
    c.close();
  });

  it('one request in flight per phone; a 403 busy from another client is retried with backoff', async () => {
    const slow = await testPhone({ latencyMs: 100 });
    try {
      const one = new PolyPhone({ host: slow.httpUrl, password: PASSWORD });
      const results = await Promise.all([1, 2, 3, 4].map(() => one.mgmt.deviceInfoV2()));
      assert.equal(results.length, 4);
      assert.ok(!journalCodes(slow).includes('403:4403'), 'the client queues its own requests');
      const two = new PolyPhone({ host: slow.httpUrl, password: PASSWORD, retry: { baseDelayMs: 50 } });
      await Promise.all([one.mgmt.deviceStats(), two.mgmt.deviceStats(), one.mgmt.deviceStats(), two.mgmt.deviceStats()]);
      assert.ok(journalCodes(slow).includes('403:4403'), 'the phone did refuse some');
      one.close();
      two.close();
    } finally {
      await slow.stop();
    }
  });

  it('retries 4001 while the phone initialises', async () => {
    const booting = await testPhone({ timing: { initMs: 300 } });
    try {
      const c = new PolyPhone({ host: booting.httpUrl, password: PASSWORD, retry: { attempts: 8, baseDelayMs: 50 } });
      await c.mgmt.setConfig({ 'locInfo.city': 'Oslo' });
      assert.equal(booting.phone.config.get('locInfo.city')?.value, 'Oslo');
      assert.ok(journalCodes(booting).includes('400:4001'));
      c.close();
    } finally {
      await booting.stop();
    }
  });

  it('splits config get and set past 20 KB into several requests and merges the results', async () => {
    const c = new PolyPhone({ host: vvx.httpUrl, password: PASSWORD });
    const names = Array.from({ length: 12 }, (_, i) => `reg.${i + 1}.label`);
    const values: Record<string, string> = {};
    for (const n of names) values[n] = `Label ${n} ${'x'.repeat(40)}`;
    for (const f of ['city', 'street', 'building', 'room', 'floor', 'seat', 'unit']) values[`locInfo.${f}`] = 'y'.repeat(120);
    const many = Array.from({ length: 60 }, () => Object.keys(values)).flat();
    const before = vvx.journal.total;
    const got = await c.mgmt.getConfig(many);
    assert.ok(vvx.journal.total - before >= 2, 'more than one request');
    assert.equal(Object.keys(got).length, Object.keys(values).length);
    const report = await c.mgmt.getConfigReport(['locInfo.city', 'no.such.name', ...many]);
    assert.deepEqual(report.invalidParams, ['no.such.name'], 'the names the phone does not know, from every chunk');
    assert.equal(report.values['locInfo.city']?.Source, 'default');
    // Over 20 KB of values: long strings in every line's address, auth and forwarding parameters.
    const big: Record<string, string> = {};
    for (let n = 1; n <= 12; n++) {
      for (const name of [
        `reg.${n}.auth.userId`,
        `reg.${n}.auth.password`,
        `divert.${n}.contact`,
        `divert.busy.${n}.contact`,
        `divert.noanswer.${n}.contact`,
        `divert.dnd.${n}.contact`,
        `reg.${n}.displayName`,
      ])
        big[name] = `${name}-`.padEnd(name.includes('displayName') ? 64 : 250, 'v');
    }
    assert.ok(JSON.stringify({ data: big }).length > 20 * 1024);
    const setBefore = vvx.journal.total;
    await c.mgmt.setConfig({ ...big, ...values });
    assert.ok(vvx.journal.total - setBefore >= 2, 'split into several config/set requests');
    assert.equal(vvx.phone.config.get('divert.dnd.12.contact')?.value, big['divert.dnd.12.contact']);
    assert.equal(vvx.phone.config.get('reg.12.label')?.value, values['reg.12.label']);
    c.close();
  });

  it('drives calls: dial, the far phone answers, hold, DTMF, transfer', async () => {
    const a = new PolyPhone({ host: vvx.httpUrl, password: PASSWORD });
    const b = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD });
    await a.callctrl.dial('1002');
    const [incoming] = await b.callctrl.calls();
    assert.equal(incoming?.['CallState'], 'Offering');
    await b.callctrl.answer(incoming?.['CallHandle']);
    const status = await a.callctrl.callStatus();
    assert.equal(status['CallState'], 'Connected');
    await a.callctrl.hold();
    assert.equal((await b.callctrl.calls({ line: 1 }))[0]?.['CallState'], 'Held');
    await a.callctrl.resume();
    await a.callctrl.sendDtmf('12');
    await a.callctrl.transfer(status['CallHandle'] as string, '5550100');
    assert.deepEqual(await a.callctrl.calls(), []);
    clock.advance(2000);
    await b.callctrl.end(((await b.callctrl.calls())[0] as Record<string, string>)['CallHandle'] as string);
    a.close();
    b.close();
  });

  it("trusts HTTPS by the phone's CA, a pinned fingerprint, or a self-signed certificate whose CN is the MAC", async () => {
    const mac = vvx.phone.identity.mac;
    const fingerprint = new X509Certificate(certOf(vvx)).fingerprint256;
    for (const tls of [{ ca: certOf(vvx) }, { pinSha256: fingerprint }, { selfSignedMac: mac }]) {
      const c = new PolyPhone({ host: vvx.httpsUrl, password: PASSWORD, tls });
      assert.equal((await c.mgmt.deviceInfoV2())['MACAddress'], mac.toLowerCase(), JSON.stringify(Object.keys(tls)));
      c.close();
    }
    for (const tls of [{}, { selfSignedMac: '0004F2000000' }, { pinSha256: 'AA:BB' }]) {
      const c = new PolyPhone({ host: vvx.httpsUrl, password: PASSWORD, tls });
      await assert.rejects(c.mgmt.deviceInfoV2(), TransportError);
      c.close();
    }
  });

  it('has a method for every operation of the manual that HTTP serves', async () => {
    const c = new PolyPhone({ host: ccx.httpUrl, password: PASSWORD });
    const m = c.mgmt;
    const calls: (() => Promise<unknown>)[] = [
      m.deviceInfo,
      m.deviceInfoV2,
      m.softwareUpdateStatus,
      m.deviceStats,
      m.runningConfig,
      m.networkInfo,
      m.networkStats,
      m.pcPortInfo,
      m.bluetoothInfo,
      m.locationInfo,
      m.mrPairInfo,
      m.lineInfo,
      () => m.lineInfoV2(1),
      m.powerStatus,
      m.transferType,
      () => m.setTransferType('Blind'),
      () => m.getConfig(['locInfo.city']),
      () => m.setConfig({ 'locInfo.city': 'Rome' }),
      () => m.configReset('web'),
      m.ledStatus,
      m.communicationInfo,
      m.sessionStats,
      () => m.callLogs(),
      () => m.callLogs('missed'),
      () => m.simulateKeyEvent('VolUp'),
      () => m.simulateHook('Down'),
      () => m.simulateTextInput('1'),
      m.uixml,
      () => m.simulateTouch('Tap', [{ X: 1, Y: 1 }]),
      m.createSession,
      m.listSessions,
      () => m.deleteSessions(['x']),
      () => m.skypeSignIn({ Address: 'a@b.c', User: 'a', Password: 'p', Domain: '' }),
      m.skypeSignOut,
      m.webSignIn,
      m.webSignInCancel,
      c.callctrl.sipStatus,
      c.callctrl.presence,
      () => c.network.uploadBgCapture(`${ccx.httpUrl}/nowhere`),
    ];
    for (const call of calls) {
      try {
        await call();
      } catch (err) {
        // Every method reaches its operation: a Status answer is fine, a 404 (no such path) is not.
        assert.ok(err instanceof PolyError, `${String(err)}`);
      }
    }
    await assert.rejects(c.mgmt.pollForStatus(), TransportError, 'HTTPS only');
    c.close();
  });
});
