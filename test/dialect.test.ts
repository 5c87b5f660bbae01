/**
 * Answers replayed against shapes captured from real devices (key names and case, value types, formats), on the
 * family and firmware they were captured on. The captures: an Edge E350 on 8.6.0.1321 (rknightion/polylens2otel
 * testdata) and a Trio 8800 on 7.2.2.1094 (HL727/Meeting mock data); docs/fidelity.md lists every fact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dialectRows } from '../src/phone/dialect/dialect.js';
import { MANUAL } from '../src/phone/dialect/facts.js';
import { resolveProfile } from '../src/phone/models.js';
import { testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

type Row = Record<string, unknown>;

/** Every key of the capture is there, with a string value; and the formats match. */
function sameShape(got: Row, capturedKeys: readonly string[]): void {
  for (const k of capturedKeys) {
    assert.ok(k in got, `missing key ${k} (have ${Object.keys(got).join(', ')})`);
    assert.equal(typeof got[k] === 'string' || typeof got[k] === 'object', true, `${k} is ${typeof got[k]}`);
  }
}

describe('the Edge E350 8.6.0 dialect', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone({
      model: 'Edge E350',
      firmware: '8.6.0',
      set: { 'httpd.rest.auth.basic.enabled': '1', 'device.syslog.serverName': '192.0.2.5' },
    });
  });
  after(() => p.stop());

  it('config/get: {"Value", "Source"} with the source in lower case; unknown names in InvalidParams', async () => {
    await p.post('/api/v1/mgmt/config/set', { data: { 'reg.1.label': 'Desk' } });
    p.phone.config.set('DEVICE', { 'locInfo.room': 'R1' });
    const a = await p.post('/api/v1/mgmt/config/get', {
      data: ['reg.2.address', 'device.syslog.serverName', 'reg.1.label', 'locInfo.room', 'no.such.name'],
    });
    assert.deepEqual(a.body, {
      data: {
        'reg.2.address': { Value: '', Source: 'default' },
        'device.syslog.serverName': { Value: '192.0.2.5', Source: 'config' },
        'reg.1.label': { Value: 'Desk', Source: 'local' },
        'locInfo.room': { Value: 'R1', Source: 'device' },
      },
      InvalidParams: ['no.such.name'],
      Status: '2000',
    });
  });

  it('v1 device/info: plain MAC, "hardwareEndpoint", "::" without IPv6, "0 Day 2:26:00"', async () => {
    const d = (await p.get('/api/v1/mgmt/device/info')).body['data'] as Row;
    sameShape(d, [
      'ModelNumber',
      'FirmwareRelease',
      'DeviceType',
      'DeviceVendor',
      'UpTimeSinceLastReboot',
      'IPV4Address',
      'IPV6Address',
      'MACAddress',
      'AttachedHardware',
    ]);
    assert.match(String(d['MACAddress']), /^[0-9a-f]{12}$/);
    assert.equal(d['DeviceType'], 'hardwareEndpoint');
    assert.equal(d['DeviceVendor'], 'Poly');
    assert.equal(d['IPV6Address'], '::');
    assert.match(String(d['FirmwareRelease']), /^8\.6\.0\.\d{4}$/);
    assert.match(String(d['UpTimeSinceLastReboot']), /^\d+ Day \d+:\d\d:\d\d$/);
    assert.deepEqual((d['AttachedHardware'] as Row)['EM'], []);
  });

  it('network/stats: counters as strings, "0 day 2:26:00"', async () => {
    const d = (await p.get('/api/v1/mgmt/network/stats')).body['data'] as Row;
    assert.deepEqual(Object.keys(d).sort(), ['RxPackets', 'TxPackets', 'UpTime']);
    assert.match(String(d['UpTime']), /^\d+ day \d+:\d\d:\d\d$/);
    assert.match(String(d['RxPackets']), /^\d+$/);
    assert.equal(typeof d['TxPackets'], 'string');
  });

  it('lineInfo: the configured lines only, "registered"/"private" in lower case, every value a string', async () => {
    const lines = (await p.get('/api/v1/mgmt/lineInfo')).body['data'] as Row[];
    assert.equal(lines.length, 1);
    const l = lines[0] as Row;
    sameShape(l, ['LineNumber', 'RegistrationStatus', 'LineType', 'SIPAddress', 'Label', 'UserID']);
    assert.equal(l['RegistrationStatus'], 'registered');
    assert.equal(l['LineType'], 'private');
    assert.ok(Object.values(l).every((v) => typeof v === 'string'));
  });

  it('network/info: the captured keys, "1000Mbps", CDPCompatibility, "::" without IPv6', async () => {
    const d = (await p.get('/api/v1/mgmt/network/info')).body['data'] as Row;
    sameShape(d, [
      'DHCP',
      'DHCPServer',
      'DHCPBootServerUseOption',
      'DHCPBootServerOption',
      'DHCPBootServerOptionType',
      'DHCPOption60Format',
      'IPV4Address',
      'IPV6Address',
      'DefaultGateway',
      'SubnetMask',
      'DNSServer',
      'AlternateDNSServer',
      'DNSDomain',
      'SNTPAddress',
      'LANPortStatus',
      'LANSpeed',
      'LLDP',
      'CDPCompatibility',
      'VLANID',
      'VLANDiscoveryMode',
      'VLANIDOption',
      'ProvServerAddress',
      'ProvServerType',
      'UpgradeServer',
      'ProvServerUser',
      'ZTPStatus',
    ]);
    assert.equal(d['LANSpeed'], '1000Mbps');
    assert.equal(d['IPV6Address'], '::');
    assert.equal(d['DHCP'], 'enabled');
  });
});

describe('the Trio 8800 7.2.2 dialect', () => {
  it('runningConfig: DHCP, DNS, Provisioning, SNTP, Syslog beside Network; "::" for IPv6 fields without an address', async () => {
    const p = await testPhone({ model: 'Trio 8800', firmware: '7.2.2' });
    try {
      const d = (await p.get('/api/v1/mgmt/device/runningConfig')).body['data'] as Record<string, Row>;
      for (const section of ['Network', 'DHCP', 'DNS', 'Provisioning', 'SNTP', 'Syslog']) assert.ok(section in d, section);
      assert.ok(!('DHCP' in (d['Network'] as Row)));
      sameShape(d['DHCP'] as Row, [
        'Option60Format',
        'Feature',
        'OfferTimeout',
        'BootServerOption',
        'BootServerUseOption',
        'BootServerOptionType',
        'VLANDiscovery',
        'VLANDiscoveryOption',
      ]);
      sameShape(d['DNS'] as Row, ['Domain', 'PrimaryServer', 'Feature', 'SecondaryServer']);
      for (const k of ['IPv6Address', 'IPv6Gateway', 'IPv6LinkAddress', 'IPv6ULAAddress']) assert.equal((d['Network'] as Row)[k], '::', k);
      const v2 = (await p.get('/api/v2/mgmt/device/info')).body['data'] as Row;
      for (const k of ['IPv6Address', 'IPv6LinkAddress', 'IPv6ULAAddress']) assert.equal(v2[k], '::', `v2 ${k}`);
      assert.match(String(v2['MACAddress']), /^[0-9a-f]{12}$/i);
    } finally {
      await p.stop();
    }
  });
});

describe('the dialect table', () => {
  it('resolves every fact for every family, each with its source', () => {
    for (const [model, firmware] of [
      ['VVX 450', '6.4.3'],
      ['Trio 8800', '7.2.2'],
      ['Edge E350', '8.6.0'],
      ['CCX 600', '9.5.0'],
      ['Trio C60', '9.5.0'],
    ] as const) {
      const rows = dialectRows(resolveProfile(model, firmware));
      assert.equal(rows.size, Object.keys(MANUAL).length, model);
      for (const [, f] of rows) assert.ok(f.source.length > 20, `${model}: ${f.fact} has no source`);
      assert.match(rows.get('configGetKeys')?.source ?? '', /Edge E350/);
    }
  });
});

describe('call answers as devices give them', () => {
  it('callLogs Duration in words ("" never answered, "4 mins 49 secs"), StartTime local; v1 callStatus with a 0x handle and LineId', async () => {
    const { ManualClock } = await import('../src/phone/clock.js');
    const { Switchboard } = await import('../src/network/switchboard.js');
    const { randomIds } = await import('../src/runtime/random-ids.js');
    const clock = new ManualClock(Date.UTC(2026, 7, 12, 18, 20, 48));
    const sb = new Switchboard(clock, randomIds);
    sb.scripts.set('5550101', { behaviour: 'answer' });
    sb.scripts.set('5550102', { behaviour: 'no-answer' });
    const p = await testPhone({ clock, switchboard: sb, set: { 'device.sntp.gmtOffset': '3600' } });
    try {
      await p.post('/api/v1/callctrl/dial', { data: { Dest: '5550101' } });
      const v1 = (await p.get('/api/v1/webCallControl/callStatus')).body['data'] as Row;
      assert.match(String(v1['CallHandle']), /^0x[0-9a-f]+$/);
      assert.equal(v1['LineId'], '1');
      assert.equal(v1['DurationInSeconds'], '0');
      clock.advance(289_000);
      // Codecs with their payload type and the stream's category, as phones write them ("3:G.722.1", "0:Voice").
      const stats = (await p.get('/api/v1/mgmt/media/sessionStats')).body['data'] as { Streams: Row[] }[];
      assert.match(String(stats[0]?.Streams[0]?.['RxCodec']), /^\d+:G\.722$/);
      assert.equal(stats[0]?.Streams[0]?.['Category'], '0:Voice');
      p.phone.calls.endAll();
      await p.post('/api/v1/callctrl/dial', { data: { Dest: '5550102' } });
      p.phone.calls.endAll();
      const logs = (await p.get('/api/v1/mgmt/callLogs')).body['data'] as { Placed: Row[] };
      assert.deepEqual(
        logs.Placed.map((r) => [r['StartTime'], r['Duration']]),
        [
          ['2026-08-12T19:25:37', ''],
          ['2026-08-12T19:20:48', '4 mins 49 secs'],
        ],
      );
    } finally {
      await p.stop();
    }
  });
});
