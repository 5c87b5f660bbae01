import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertOk, assertStatus, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

describe('device and network operations answer from live state', () => {
  let vvx: TestPhone;
  let ccx: TestPhone;
  before(async () => {
    vvx = await testPhone({ model: 'VVX 450', set: { 'locInfo.city': 'Austin', 'device.sntp.gmtOffset': '-21600' } });
    ccx = await testPhone({ model: 'CCX 600', firmware: '9.5.0', set: { 'httpd.rest.auth.basic.enabled': '1' } });
  });
  after(async () => {
    await vvx.stop();
    await ccx.stop();
  });

  it('device info v2 reports the identity, model and firmware', async () => {
    const body = assertOk(await vvx.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    const data = body['data'] as Record<string, unknown>;
    assert.equal(data['ModelNumber'], 'VVX 450');
    assert.equal(data['MACAddress'], vvx.phone.identity.mac.toLowerCase());
    assert.match(String((data['Firmware'] as Record<string, string>)['Application']), /^6\.4\.3\.\d+$/);
    assert.equal(data['IPAddress'], '127.0.0.1');
    assert.equal(data['DeviceVendor'], 'Polycom');
    const c = assertOk(await ccx.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info')['data'] as Record<string, unknown>;
    assert.equal(c['DeviceVendor'], 'Poly');
    assert.equal(c['ModelNumber'], 'CCX 600');
    assert.notEqual(c['SerialNumber'], c['MACAddress']);
  });

  it('device info v1 has the deprecated shape, as an Edge E350 8.6 answers it', async () => {
    const data = assertOk(await vvx.get('/api/v1/mgmt/device/info'), '/api/v1/mgmt/device/info')['data'] as Record<string, unknown>;
    assert.match(String(data['MACAddress']), /^0004f2[0-9a-f]{6}$/);
    assert.equal(data['DeviceType'], 'hardwareEndpoint');
    assert.equal(data['IPV6Address'], '::');
    assert.match(String(data['UpTimeSinceLastReboot']), /^\d+ Day \d+:\d\d:\d\d$/);
  });

  it('every GET operation of the device answers with schema-valid data', async () => {
    for (const path of [
      '/api/v1/mgmt/device/softwareUpdateStatus',
      '/api/v1/mgmt/device/stats',
      '/api/v1/mgmt/device/runningConfig',
      '/api/v1/mgmt/network/info',
      '/api/v1/mgmt/network/stats',
      '/api/v1/mgmt/pcPort/info',
      '/api/v1/mgmt/blueTooth/info',
      '/api/v1/mgmt/location/info',
      '/api/v1/mgmt/mrpair/info',
      '/api/v1/mgmt/lineInfo',
      '/api/v2/mgmt/lineInfo',
      '/api/v1/mgmt/transferType/get',
    ]) {
      assertOk(await vvx.get(path), path);
    }
  });

  it('runningConfig and location follow configuration', async () => {
    const rc = assertOk(await vvx.get('/api/v1/mgmt/device/runningConfig'), '/api/v1/mgmt/device/runningConfig')['data'] as Record<
      string,
      Record<string, string>
    >;
    assert.equal(rc['SNTP']?.['GMTOffsetSeconds'], '-21600');
    assert.equal(rc['SNTP']?.['GMTOffsetHours'], '-6');
    const loc = assertOk(await vvx.get('/api/v1/mgmt/location/info'), '/api/v1/mgmt/location/info')['data'] as Record<string, string>;
    assert.equal(loc['City'], 'Austin');
    assert.equal(Object.keys(loc).length, 31);
    assertOk(
      await vvx.post('/api/v1/mgmt/config/set', {
        data: { 'device.syslog.serverName': 'syslog.example.com', 'device.syslog.transport': '2' },
      }),
      '/api/v1/mgmt/config/set',
    );
    const rc2 = (await vvx.get('/api/v1/mgmt/device/runningConfig')).body['data'] as Record<string, Record<string, string>>;
    assert.equal(rc2['Syslog']?.['Server'], 'syslog.example.com');
    assert.equal(rc2['Syslog']?.['Transport'], 'TCP');
  });

  it('network stats grow with traffic', async () => {
    const a = (await vvx.get('/api/v1/mgmt/network/stats')).body['data'] as Record<string, string>;
    for (let i = 0; i < 5; i++) await vvx.get('/api/v1/mgmt/device/info');
    const b = (await vvx.get('/api/v1/mgmt/network/stats')).body['data'] as Record<string, string>;
    // Counters are strings and UpTime reads "0 day 2:26:00", as an Edge E350 8.6 and a Trio 8800 7.2.2 answer.
    assert.equal(typeof a['RxPackets'], 'string');
    assert.match(a['UpTime'] ?? '', /^\d+ day \d+:\d\d:\d\d$/);
    assert.ok(Number(b['RxPackets']) >= Number(a['RxPackets']) + 6);
    assert.ok(Number(b['TxPackets']) >= Number(a['TxPackets']) + 6);
  });

  it("lineInfo lists the model's lines from reg.* and filters by ?line=", async () => {
    const all = assertOk(await vvx.get('/api/v2/mgmt/lineInfo'), '/api/v2/mgmt/lineInfo')['data'] as Record<string, unknown>[];
    assert.equal(all.length, 12);
    assert.equal(all[0]?.['RegistrationStatus'], 'Registered');
    assert.equal(all[0]?.['Label'], '1001');
    assert.equal(all[1]?.['RegistrationStatus'], 'Unregistered');
    assertOk(
      await vvx.post('/api/v1/mgmt/config/set', {
        data: {
          'reg.3.address': '1003@pbx.example.com',
          'reg.3.server.1.address': '10.0.0.5',
          'reg.3.server.1.port': '5070',
          'reg.3.server.1.transport': 'TCPOnly',
        },
      }),
      '/api/v1/mgmt/config/set',
    );
    const one = assertOk(await vvx.get('/api/v2/mgmt/lineInfo?line=3'), '/api/v2/mgmt/lineInfo')['data'] as Record<string, unknown>[];
    assert.equal(one.length, 1);
    assert.equal(one[0]?.['Username'], '1003');
    assert.deepEqual(one[0]?.['CallServers'], [
      {
        ID: '1',
        Address: '10.0.0.5',
        RegistrationStatus: 'Registered',
        Port: '5070',
        Expires: '3600',
        Transport: 'TcpOnly',
        Working: 'True',
      },
    ]);
    // v1 lists the configured lines only, in lower case, as an Edge E350 8.6 answers.
    const v1 = (await vvx.get('/api/v1/mgmt/lineInfo')).body['data'] as Record<string, string>[];
    assert.deepEqual(
      v1.map((l) => [l['LineNumber'], l['RegistrationStatus'], l['LineType']]),
      [
        ['1', 'registered', 'private'],
        ['3', 'registered', 'private'],
      ],
    );
    assert.equal(v1[1]?.['ProxyAddress'], '10.0.0.5');
    assert.equal(v1[1]?.['Port'], '5070');
    assertStatus(await vvx.get('/api/v2/mgmt/lineInfo?line=13'), '4005');
    assertStatus(await vvx.get('/api/v2/mgmt/lineInfo?line=abc'), '4000', 400);
  });

  it('pcPort/info answers 4004 on models without a PC port', async () => {
    const trio = await testPhone({ model: 'Trio 8800' });
    try {
      assertStatus(await trio.get('/api/v1/mgmt/pcPort/info'), '4004', 400);
      const pc = assertOk(await vvx.get('/api/v1/mgmt/pcPort/info'), '/api/v1/mgmt/pcPort/info')['data'] as Record<string, string>;
      assert.equal(pc['PCPortStatus'], 'Inactive');
      vvx.phone.peripherals.pcMac = '54E1AD1F2ECD';
      const pc2 = (await vvx.get('/api/v1/mgmt/pcPort/info')).body['data'] as Record<string, string>;
      assert.deepEqual(pc2, { PCPortStatus: 'Active', PCMacAddress: '54E1AD1F2ECD' });
    } finally {
      await trio.stop();
    }
  });

  it('bluetooth follows the radio switch on models that have Bluetooth', async () => {
    let bt = (await ccx.get('/api/v1/mgmt/blueTooth/info')).body['data'] as Record<string, unknown>;
    assert.equal(bt['Enabled'], 'No');
    await ccx.post('/api/v1/mgmt/config/set', { data: { 'bluetooth.radioOn': '1' } });
    ccx.phone.peripherals.bluetooth.push({ type: 'Phone', name: 'OnePlus 5T', profile: 'HFP', connected: true, signalStrength: -60 });
    bt = assertOk(await ccx.get('/api/v1/mgmt/blueTooth/info'), '/api/v1/mgmt/blueTooth/info')['data'] as Record<string, unknown>;
    assert.equal(bt['Enabled'], 'Yes');
    assert.deepEqual(bt['Devices'], [{ Type: 'Phone', Connected: 'Yes', Name: 'OnePlus 5T', Profile: 'HFP', 'Signal Strength': '-60' }]);
  });

  it('powerStatus exists from PVOS 9.0 with CurrentState at the top level, and is absent on UCS', async () => {
    const a = await ccx.get('/api/v1/mgmt/powerStatus');
    assertOk(a, '/api/v1/mgmt/powerStatus');
    assert.equal(a.body['CurrentState'], 'PowerOn');
    assert.equal(a.body['data'], undefined);
    const v = await vvx.get('/api/v1/mgmt/powerStatus');
    assert.equal(v.http, 404);
  });

  it('transferType set is stored and read back; a bad type is 4000', async () => {
    assertOk(await vvx.post('/api/v1/mgmt/transferType/set', { data: { Type: 'Blind' } }), '/api/v1/mgmt/transferType/set');
    const t = assertOk(await vvx.get('/api/v1/mgmt/transferType/get'), '/api/v1/mgmt/transferType/get');
    assert.deepEqual(t['data'], { Type: 'Blind' });
    assertStatus(await vvx.post('/api/v1/mgmt/transferType/set', { data: { Type: 'Sideways' } }), '4000', 400);
    assertStatus(await vvx.post('/api/v1/mgmt/transferType/set', {}), '4000', 400);
    assert.deepEqual((await vvx.get('/api/v1/mgmt/transferType/get')).body['data'], { Type: 'Blind' });
  });

  it("answers carry a real phone's headers and a string Status", async () => {
    const res = await vvx.raw('/api/v2/mgmt/device/info');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('server'), 'Polycom SoundPoint IP Telephone HTTPd');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(typeof body['Status'], 'string');
    // Over HTTPS (trusting the phone's own certificate) the answer adds HSTS, as real phones send.
    const secure = await ccx.raw('/api/v2/mgmt/device/info', { secure: true });
    assert.equal(secure.status, 200);
    assert.match(secure.headers.get('strict-transport-security') ?? '', /max-age=/);
    assert.equal(res.headers.get('strict-transport-security'), null);
    // An unverifying client still refuses the self-signed certificate.
    assert.ok((await fetch(`${ccx.httpsUrl}/api/v2/mgmt/device/info`).catch((e: unknown) => e)) instanceof Error);
  });
});
