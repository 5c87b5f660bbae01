import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOk, assertStatus, recordingServer, testPhone } from './helpers.js';

const UPDATE = '/api/v1/mgmt/updateConfiguration';

describe("updateConfiguration fetches the provisioning server's files and applies them at CONFIG", () => {
  it('fetches <mac>.cfg or 000000000000.cfg and the files it lists, with the provisioning credentials', async () => {
    const files: Record<string, string> = {
      '/prov/000000000000.cfg':
        '<?xml version="1.0" standalone="yes"?>\n<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="site.cfg, [PHONE_MAC_ADDRESS]-phone.cfg" MISC_FILES="" />',
      '/prov/site.cfg':
        '<polycomConfig><device device.sntp.serverName="ntp.example.com" device.syslog.facility="99" not.a.param="1"/><loc locInfo.city="Oslo"/></polycomConfig>',
    };
    const p = await testPhone();
    const mac = p.phone.identity.mac.toLowerCase();
    files[`/prov/${mac}-phone.cfg`] = '<phone><reg reg.2.address="2002" reg.2.label="Desk"/></phone>';
    const basic = `Basic ${Buffer.from('prov:pw').toString('base64')}`;
    const server = await recordingServer((r) => {
      if (r.headers['authorization'] !== basic) return { status: 401, headers: { 'www-authenticate': 'Basic realm="provisioning"' } };
      return files[r.url] ? { status: 200, body: files[r.url] } : { status: 404 };
    });
    try {
      assertOk(
        await p.post('/api/v1/mgmt/config/set', {
          data: { 'device.prov.serverName': `${server.url}/prov`, 'device.prov.user': 'prov', 'device.prov.password': 'pw' },
        }),
        '/api/v1/mgmt/config/set',
      );
      p.phone.config.set('CONFIG', { 'locInfo.room': 'stale' });
      const a = await p.post(UPDATE);
      assertOk(a, UPDATE);
      assert.equal((a.body['data'] as Record<string, string>)['ProvisioningState'], 'CompletedWithErrors');
      assert.deepEqual(
        server.received.filter((r) => r.method === 'GET').map((r) => r.url),
        [
          `/prov/${mac}.cfg`,
          `/prov/${mac}.cfg`,
          '/prov/000000000000.cfg',
          '/prov/site.cfg',
          `/prov/${mac}-phone.cfg`,
          '/prov/sip.ld',
          `/prov/${mac}-directory.xml`,
          '/prov/000000000000-directory.xml',
        ],
      );
      // the credentials go once the server asks for them, and then with every file at once
      assert.deepEqual(
        server.received.filter((r) => r.method === 'GET').map((r) => r.headers['authorization']),
        [undefined, basic, basic, basic, basic, basic, basic, basic],
      );
      const c = p.phone.config;
      assert.deepEqual(c.get('device.sntp.serverName'), { value: 'ntp.example.com', source: 'CONFIG' });
      assert.deepEqual(c.get('reg.2.address'), { value: '2002', source: 'CONFIG' });
      assert.equal(c.get('device.syslog.facility')?.source, 'DEFAULT', 'an invalid value is skipped');
      assert.equal(c.get('locInfo.room')?.source, 'DEFAULT', 'the CONFIG layer is replaced, not merged');
      assert.equal(c.get('apps.restapi.enabled')?.value, '1', 'boot provisioning stays');
      const lines = (await p.get('/api/v2/mgmt/lineInfo?line=2')).body['data'] as Record<string, string>[];
      assert.equal(lines[0]?.['Label'], 'Desk');
    } finally {
      await server.close();
      await p.stop();
    }
  });

  it('answers 4006 without a provisioning server, 5000 when it fails, and schemes follow device.prov.serverType', async () => {
    // an FTP client waits for a greeting an HTTP server never sends: ended by the transfer deadline
    const p = await testPhone({ transferTimeoutMs: 300 });
    try {
      assertStatus(await p.post(UPDATE), '4006', 400);
      const server = await recordingServer(() => ({ status: 404 }));
      try {
        const host = server.url.replace('http://', '');
        await p.post('/api/v1/mgmt/config/set', { data: { 'device.prov.serverName': host, 'device.prov.serverType': '2' } });
        assertStatus(await p.post(UPDATE), '5000', 500);
        assert.equal(server.received.length, 2);
        await p.post('/api/v1/mgmt/config/set', { data: { 'device.prov.serverType': '0' } });
        assertStatus(await p.post(UPDATE), '5000', 500);
        assert.equal(server.received.length, 2, 'FTP is not fetched over HTTP');
      } finally {
        await server.close();
      }
      const broken = await recordingServer(() => ({ status: 200, body: '<APPLICATION CONFIG_FILES="a.cfg"' }));
      try {
        await p.post('/api/v1/mgmt/config/set', { data: { 'device.prov.serverName': broken.url, 'device.prov.serverType': '2' } });
        assertStatus(await p.post(UPDATE), '5000', 500);
      } finally {
        await broken.close();
      }
    } finally {
      await p.stop();
    }
  });

  it('answers 4001 while initialising', async () => {
    const p = await testPhone({ timing: { initMs: 5000 }, set: { 'device.prov.serverName': 'http://127.0.0.1:1/' } });
    try {
      assertStatus(await p.post(UPDATE), '4001', 400);
    } finally {
      await p.stop();
    }
  });
});

// Software updates found by provisioning: test/software-update.test.ts.
