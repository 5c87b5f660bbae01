import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseCfg } from '../src/phone/config/cfg-xml.js';
import { assertOk, assertStatus, recordingServer, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

const GET = '/api/v1/mgmt/config/get';
const SET = '/api/v1/mgmt/config/set';

async function values(p: TestPhone, ...names: string[]): Promise<Record<string, { Value: string; Source: string }>> {
  return assertOk(await p.post(GET, { data: names }), GET)['data'] as Record<string, { Value: string; Source: string }>;
}

describe('configuration: layers, validation, export and reset', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone({ set: { 'device.syslog.facility': '20', 'locInfo.city': 'Paris' } });
  });
  after(() => p.stop());

  it('config/get reports the winning value and its source', async () => {
    const v = await values(p, 'device.syslog.facility', 'device.syslog.renderLevel', 'apps.restapi.enabled');
    assert.deepEqual(v['device.syslog.facility'], { Value: '20', Source: 'config' });
    assert.deepEqual(v['device.syslog.renderLevel'], { Value: '4', Source: 'default' });
    assert.deepEqual(v['apps.restapi.enabled'], { Value: '1', Source: 'config' });
  });

  it('config/set writes LOCAL, which wins over CONFIG, and numbers are accepted as values', async () => {
    assertOk(await p.post(SET, { data: { 'device.syslog.facility': 3, 'reg.2.label': 'Sales' } }), SET);
    const v = await values(p, 'device.syslog.facility', 'reg.2.label');
    assert.deepEqual(v['device.syslog.facility'], { Value: '3', Source: 'local' });
    assert.deepEqual(v['reg.2.label'], { Value: 'Sales', Source: 'local' });
  });

  it('an invalid value anywhere in config/set is 4000 and nothing is written', async () => {
    const cases: unknown[] = [
      { 'locInfo.city': 'Lyon', 'device.syslog.facility': '99' },
      { 'locInfo.city': 'Lyon', 'apps.restapi.enabled': 'yes' },
      { 'locInfo.city': 'Lyon', 'no.such.parameter': '1' },
      { 'locInfo.city': 'Lyon', 'reg.13.address': '1013' },
      { 'locInfo.city': 'Lyon', 'reg.1.label': { nested: true } },
      { 'locInfo.city': 'Lyon', 'reg.1.label': null },
    ];
    for (const data of cases) assertStatus(await p.post(SET, { data }), '4000', 400);
    assert.deepEqual((await values(p, 'locInfo.city'))['locInfo.city'], { Value: 'Paris', Source: 'config' });
  });

  it('config/get and config/set refuse empty, malformed and wrongly typed input', async () => {
    assertStatus(await p.post(GET, { data: [] }), '4000', 400);
    assertStatus(await p.post(GET, { data: 'apps.restapi.enabled' }), '4000', 400);
    // Names the phone lacks are listed in InvalidParams beside the known ones, as devices answer.
    const mixed = await p.post(GET, { data: ['no.such.param', 'apps.restapi.enabled'] });
    assert.equal(mixed.body['Status'], '2000');
    assert.deepEqual(mixed.body['InvalidParams'], ['no.such.param']);
    assert.deepEqual(Object.keys(mixed.body['data'] as object), ['apps.restapi.enabled']);
    assertStatus(await p.post(GET, {}), '4000', 400);
    assertStatus(await p.post(SET, { data: {} }), '4000', 400);
    assertStatus(await p.post(SET, { data: ['a'] }), '4000', 400);
    assertStatus(await p.post(SET, '{"data": {"locInfo.city": '), '4400', 400);
    assertStatus(await p.post(SET, '[1,2]'), '4400', 400);
  });

  it('config get/set over 20 KB answer 4009 with HTTP 413', async () => {
    const names = Array.from({ length: 1500 }, (_, i) => `reg.1.label.${i}`);
    assert.ok(JSON.stringify({ data: names }).length > 20 * 1024);
    const a = await p.post(GET, { data: names });
    assertStatus(a, '4009', 413);
    const big = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`locInfo.x${i}`, 'value']));
    assertStatus(await p.post(SET, { data: big }), '4009', 413);
  });

  it('configReset paths clear the right layers', async () => {
    const c = p.phone.config;
    c.set('WEB', { 'locInfo.room': 'W' });
    c.set('DEVICE', { 'locInfo.floor': 'D' });
    c.set('LOCAL', { 'locInfo.seat': 'L' });
    assertOk(await p.post('/api/v1/mgmt/configReset/web'), '/api/v1/mgmt/configReset/web');
    assert.equal(c.get('locInfo.room')?.source, 'DEFAULT');
    assert.equal(c.get('locInfo.floor')?.source, 'DEVICE');
    assertOk(await p.post('/api/v1/mgmt/configReset/device'), '/api/v1/mgmt/configReset/device');
    assert.equal(c.get('locInfo.floor')?.source, 'DEFAULT');
    assert.equal(c.get('locInfo.seat')?.source, 'LOCAL');
    assertOk(await p.post('/api/v1/mgmt/configReset/local'), '/api/v1/mgmt/configReset/local');
    assert.equal(c.get('locInfo.seat')?.source, 'DEFAULT');
    c.set('CONFIG', { 'locInfo.unit': 'C' });
    assertOk(await p.post('/api/v1/mgmt/configReset/cloud'), '/api/v1/mgmt/configReset/cloud');
    assert.equal(c.get('locInfo.unit')?.source, 'DEFAULT');
    // The phone re-provisions its boot configuration, so it stays reachable.
    assert.deepEqual(c.get('locInfo.city'), { value: 'Paris', source: 'CONFIG' });
    c.set('WEB', { 'locInfo.room': 'W' });
    c.set('LOCAL', { 'locInfo.seat': 'L' });
    assertOk(await p.post('/api/v1/mgmt/configReset'), '/api/v1/mgmt/configReset');
    assert.equal(c.get('locInfo.room')?.source, 'DEFAULT');
    assert.equal(c.get('locInfo.seat')?.source, 'DEFAULT');
  });

  it('config/export uploads a Poly .cfg file by PUT, ConfigFiles holding only non-default values', async () => {
    const server = await recordingServer();
    try {
      p.phone.config.set('CONFIG', { 'device.syslog.renderLevel': '4', 'device.syslog.serverName': 'log.example.com' });
      p.phone.config.set('LOCAL', { 'locInfo.room': 'R42' });
      assertOk(
        await p.post('/api/v1/mgmt/config/export', { data: { Url: `${server.url}/exports/`, ConfigType: 'ConfigFiles' } }),
        '/api/v1/mgmt/config/export',
      );
      assertOk(
        await p.post('/api/v1/mgmt/config/export', { data: { Url: `${server.url}/exports/local.cfg`, ConfigType: 'Local' } }),
        '/api/v1/mgmt/config/export',
      );
      assertOk(
        await p.post('/api/v1/mgmt/config/export', { data: { Url: `${server.url}/all.cfg`, ConfigType: 'All' } }),
        '/api/v1/mgmt/config/export',
      );
      const [files, local, all] = server.received;
      assert.equal(files?.method, 'PUT');
      assert.equal(files?.url, `/exports/${p.phone.identity.mac.toLowerCase()}-configfiles.cfg`);
      const fileValues = parseCfg(files?.body.toString() ?? '');
      assert.equal(fileValues['device.syslog.serverName'], 'log.example.com');
      assert.equal(fileValues['locInfo.city'], 'Paris');
      assert.equal(fileValues['device.syslog.renderLevel'], undefined, 'a CONFIG value equal to its default is left out');
      assert.equal(fileValues['locInfo.room'], undefined);
      assert.deepEqual(parseCfg(local?.body.toString() ?? ''), { 'locInfo.room': 'R42' });
      const allValues = parseCfg(all?.body.toString() ?? '');
      assert.equal(allValues['locInfo.room'], 'R42');
      assert.equal(allValues['device.syslog.renderLevel'], '4');
      assert.ok(Object.keys(allValues).length > 200);
    } finally {
      await server.close();
    }
  });

  it('config/export answers 4008 when the upload fails and 4000 for bad input', async () => {
    const refusing = await recordingServer(() => ({ status: 500 }));
    try {
      assertStatus(
        await p.post('/api/v1/mgmt/config/export', { data: { Url: `${refusing.url}/x.cfg`, ConfigType: 'Local' } }),
        '4008',
        400,
      );
    } finally {
      await refusing.close();
    }
    assertStatus(
      await p.post('/api/v1/mgmt/config/export', { data: { Url: 'http://127.0.0.1:1/x.cfg', ConfigType: 'Local' } }),
      '4008',
      400,
    );
    assertStatus(await p.post('/api/v1/mgmt/config/export', { data: { Url: 'not a url', ConfigType: 'Local' } }), '4000', 400);
    assertStatus(
      await p.post('/api/v1/mgmt/config/export', { data: { Url: 'http://127.0.0.1/x', ConfigType: 'Everything' } }),
      '4000',
      400,
    );
    assertStatus(await p.post('/api/v1/mgmt/config/export', { data: { ConfigType: 'Local' } }), '4000', 400);
  });

  it('POST with a 405 answer is retried as POST', async () => {
    const postOnly = await recordingServer((r) => ({ status: r.method === 'POST' ? 200 : 405 }));
    try {
      assertOk(
        await p.post('/api/v1/mgmt/config/export', { data: { Url: `${postOnly.url}/x.cfg`, ConfigType: 'Web' } }),
        '/api/v1/mgmt/config/export',
      );
      assert.deepEqual(
        postOnly.received.map((r) => r.method),
        ['PUT', 'POST'],
      );
    } finally {
      await postOnly.close();
    }
  });
});

describe('parameters of phones on hosted platforms (UC Software 5.x features.cfg and site.cfg)', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone();
  });
  after(() => p.stop());

  it('config/get answers their defaults, per line for reg.N.broadsoft.userId', async () => {
    const names = [
      'reg.1.broadsoft.userId',
      'reg.12.broadsoft.userId',
      'dir.broadsoft.xsp.address',
      'dir.broadsoft.regMap',
      'feature.hoteling.enabled',
      'feature.broadsoftUcOne.enabled',
      'callLists.size',
      'xmpp.1.dialMethod',
      'prov.login.localPassword',
      'sec.TLS.cipherList',
      'httpd.cfg.secureTunnelPort',
    ];
    const answer = await p.post(GET, { data: names });
    assert.equal(answer.body['InvalidParams'], undefined, 'every name is known');
    const v = assertOk(answer, GET)['data'] as Record<string, { Value: string; Source: string }>;
    assert.deepEqual(
      Object.fromEntries(names.map((n) => [n, v[n]?.Value])),
      Object.fromEntries(
        names.map((n) => [
          n,
          {
            'dir.broadsoft.regMap': '1',
            'feature.hoteling.enabled': '0',
            'feature.broadsoftUcOne.enabled': '0',
            'callLists.size': '99',
            'xmpp.1.dialMethod': 'sip',
            // a password: its default (123) is answered masked, as device.auth.localUserPassword's is
            'prov.login.localPassword': '********',
            'sec.TLS.cipherList': 'RSA:!EXP:!LOW:!NULL:!MD5:@STRENGTH',
            'httpd.cfg.secureTunnelPort': '443',
          }[n] ?? '',
        ]),
      ),
    );
    assert.ok(names.every((n) => v[n]?.Source === 'default'));
  });

  it('config/set then config/get round-trips, as a client reading the BroadSoft user id finds it', async () => {
    assertOk(
      await p.post(SET, {
        data: { 'reg.1.broadsoft.userId': '2125551234@as.example.com', 'feature.hoteling.enabled': '1', 'hoteling.reg': 2 },
      }),
      SET,
    );
    const v = await values(p, 'reg.1.broadsoft.userId', 'reg.2.broadsoft.userId', 'feature.hoteling.enabled', 'hoteling.reg');
    assert.deepEqual(v['reg.1.broadsoft.userId'], { Value: '2125551234@as.example.com', Source: 'local' });
    assert.deepEqual(v['reg.2.broadsoft.userId'], { Value: '', Source: 'default' }, 'per line');
    assert.deepEqual(v['feature.hoteling.enabled'], { Value: '1', Source: 'local' });
    assert.deepEqual(v['hoteling.reg'], { Value: '2', Source: 'local' });
    // The Poly UC wrapper's reading: data['reg.1.broadsoft.userId']['Value'], split at '@'.
    assert.equal(v['reg.1.broadsoft.userId']?.Value.split('@')[0], '2125551234');
  });

  it('their types hold: a switch is 0 or 1, a count a number, a line within the model', async () => {
    for (const data of [{ 'feature.hoteling.enabled': 'yes' }, { 'callLists.size': 'many' }, { 'reg.13.broadsoft.userId': '1@x' }]) {
      assertStatus(await p.post(SET, { data }), '4000', 400);
    }
  });

  // SCEP's switch, the certificate and 802.1X family of the stock site.cfg (the family SCEP-enrolled certificates would
  // serve; the other SCEP names are in no source found: docs/fidelity.md) and the rest of the hosted families.
  const SECURITY_DEFAULTS: Readonly<Record<string, string>> = {
    'SCEP.enable': '0',
    'device.sec.TLS.profile.caCertList1': '',
    'device.sec.TLS.profile.cipherSuiteDefault2': '',
    'device.sec.TLS.profileSelection.dot1x': '',
    'device.sec.coreDumpEncryption.enabled': '',
    'device.net.dot1x.identity': '',
    'device.net.dot1x.method': '',
    'sec.dot1x.eapollogoff.enabled': '0',
    'sec.TLS.customDeviceCert.2': '',
    'sec.TLS.SIP.cipherList': 'NoCipher',
    'sec.TLS.profileSelection.syslog': 'PlatformProfile1',
    'sec.TLS.profile.2.caCert.application7': '1',
    'sec.TLS.profile.2.deviceCert': 'Polycom',
    'sec.hostMoveDetect.cdp.sleepTime': '1000',
    'prov.login.defaultUser': '',
    'prov.loginCredPwdFlushed.enabled': '1',
    'callLists.logConsultationCalls': '0',
    'acd.2.unavailreason.codeName': '',
  };

  it('the certificate and 802.1X family answers config/get with the template defaults', async () => {
    const names = Object.keys(SECURITY_DEFAULTS);
    const answer = await p.post(GET, { data: names });
    assert.equal(answer.body['InvalidParams'], undefined, 'every name is known');
    const v = assertOk(answer, GET)['data'] as Record<string, { Value: string; Source: string }>;
    assert.deepEqual(
      Object.fromEntries(names.map((n) => [n, v[n]])),
      Object.fromEntries(names.map((n) => [n, { Value: SECURITY_DEFAULTS[n], Source: 'default' }])),
    );
  });

  it('the certificate and 802.1X family round-trips through config/set, switches as 0 or 1 only', async () => {
    const set = {
      'SCEP.enable': '1',
      'device.net.dot1x.identity': 'phone-0004f2@corp.example',
      'device.sec.TLS.profileSelection.dot1x': 'PlatformProfile2',
      'sec.TLS.profile.1.caCert.application3': '0',
      'sec.hostMoveDetect.cdp.sleepTime': 500,
      'prov.login.automaticLogout': 30,
    };
    assertOk(await p.post(SET, { data: set }), SET);
    const v = await values(p, ...Object.keys(set));
    assert.deepEqual(
      Object.fromEntries(Object.entries(v).map(([n, x]) => [n, x.Value])),
      Object.fromEntries(Object.entries(set).map(([n, x]) => [n, String(x)])),
    );
    assert.ok(Object.values(v).every((x) => x.Source === 'local'));
    for (const data of [
      { 'sec.TLS.profile.1.caCert.application3': 'yes' },
      { 'sec.hostMoveDetect.cdp.sleepTime': 'soon' },
      { 'SCEP.enable': 'on' },
    ]) {
      assertStatus(await p.post(SET, { data }), '4000', 400);
    }
  });
});
