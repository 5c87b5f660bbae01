/**
 * Provisioning as the phone does it by itself: at every boot, before it is ready, and on the prov.polling.*
 * schedule, moved by the phone's clock. A server that fails keeps the last good configuration; a poll that changes
 * a device.* parameter reboots the phone, other changes apply at once. Each run is a 'provisioning' event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import type { ProvisioningReport } from '../src/phone/provisioner.js';
import { polysimEvents } from '@polysim/client';
import type { Fleet } from '../src/runtime/fleet.js';
import { listenControl, PASSWORD, recordingServer, testFleet, testPhone, waitFor } from './helpers.js';

const MASTER = '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="site.cfg"/>';
const site = (city: string, extra = ''): string => `<polycomConfig><loc locInfo.city="${city}"/>${extra}</polycomConfig>`;

async function setup(values: Record<string, string>, files: Record<string, { status: number; body?: string }>) {
  const clock = new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
  const server = await recordingServer((r) => files[r.url] ?? { status: 404 });
  const reports: ProvisioningReport[] = [];
  const p = await testPhone({ clock, set: { 'device.prov.serverName': `${server.url}/p`, ...values } });
  p.phone.on('provisioning', (r) => reports.push(r));
  await waitFor(() => p.phone.isReady);
  // the boot's run is over: what follows is polls
  reports.length = 0;
  return { clock, server, p, reports };
}

describe('the phone provisions itself at boot', () => {
  it('fetches its files before it is ready, and again at every reboot; a failing server keeps the last good values', async () => {
    const files: Record<string, { status: number; body?: string }> = {
      '/p/000000000000.cfg': { status: 200, body: MASTER },
      '/p/site.cfg': { status: 200, body: site('Oslo') },
    };
    const { clock, server, p } = await setup({}, files);
    const reports: ProvisioningReport[] = [];
    p.phone.on('provisioning', (r) => reports.push(r));
    try {
      const mac = p.phone.identity.mac.toLowerCase();
      // what it reads (it also puts its boot log: log-upload.ts), the contact directory last (directory-sync.ts)
      assert.deepEqual(
        server.received.filter((r) => r.method === 'GET').map((r) => r.url),
        [`/p/${mac}.cfg`, '/p/000000000000.cfg', '/p/site.cfg', `/p/${mac}-directory.xml`, '/p/000000000000-directory.xml'],
      );
      assert.deepEqual(p.phone.config.get('locInfo.city'), { value: 'Oslo', source: 'CONFIG' });

      // the server breaks; the reboot's run fails, the phone comes up with what it had
      files['/p/site.cfg'] = { status: 500 };
      p.phone.goDown('reboot');
      clock.advance(p.phone.timing.rebootMs);
      await waitFor(() => p.phone.isReady);
      assert.equal(reports.at(-1)?.trigger, 'boot');
      assert.equal(reports.at(-1)?.ok, false);
      assert.match(reports.at(-1)?.error ?? '', /site\.cfg/);
      assert.equal(p.phone.config.value('locInfo.city'), 'Oslo', 'the last good configuration stays');

      // prov.startupCheck.enabled=0: no run at boot
      const before = server.received.length;
      p.phone.config.set('LOCAL', { 'prov.startupCheck.enabled': '0' });
      p.phone.goDown('restart');
      clock.advance(p.phone.timing.restartMs);
      await waitFor(() => p.phone.isReady);
      assert.equal(server.received.length, before);
    } finally {
      await p.stop();
      await server.close();
    }
  });
});

describe('the phone polls its provisioning server', () => {
  it('rel: every period from boot; a changed value applies at once, a device.* change reboots the phone', async () => {
    const files: Record<string, { status: number; body?: string }> = {
      '/p/000000000000.cfg': { status: 200, body: MASTER },
      '/p/site.cfg': { status: 200, body: site('Oslo') },
    };
    const { clock, server, p, reports } = await setup(
      { 'prov.polling.enabled': '1', 'prov.polling.mode': 'rel', 'prov.polling.period': '3600' },
      files,
    );
    try {
      const fetched = (): number => server.received.filter((r) => r.url === '/p/site.cfg').length;
      assert.equal(fetched(), 1, 'the boot run');
      clock.advance(3_599_000);
      assert.equal(fetched(), 1);
      files['/p/site.cfg'] = { status: 200, body: site('Bergen') };
      clock.advance(1000);
      await waitFor(() => reports.length === 1);
      assert.equal(fetched(), 2);
      assert.deepEqual(
        { trigger: reports[0]?.trigger, ok: reports[0]?.ok, changed: reports[0]?.changed, then: reports[0]?.then },
        { trigger: 'poll', ok: true, changed: ['locInfo.city'], then: 'none' },
      );
      assert.equal(p.phone.config.value('locInfo.city'), 'Bergen');
      assert.ok(p.phone.isReady, 'no reboot for a location');

      // the next poll brings a device.* change: the phone reboots, and provisions again as it boots
      files['/p/site.cfg'] = { status: 200, body: site('Bergen', '<device device.sntp.serverName="ntp.example.com"/>') };
      clock.advance(3_600_000);
      await waitFor(() => reports.length === 2);
      assert.equal(reports[1]?.then, 'reboot');
      assert.equal(p.phone.isUp, false, 'rebooting');
      clock.advance(p.phone.timing.rebootMs);
      await waitFor(() => p.phone.isReady);
      assert.equal(reports[2]?.trigger, 'boot');
      assert.equal(p.phone.config.value('device.sntp.serverName'), 'ntp.example.com');
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('abs: at prov.polling.time of local time, every day; a new schedule takes effect at once', async () => {
    const files = { '/p/000000000000.cfg': { status: 200, body: MASTER }, '/p/site.cfg': { status: 200, body: site('Oslo') } };
    // 10:00 UTC is 05:00 at UTC-5; the poll is at 06:30 local, 11:30 UTC
    const { clock, server, p, reports } = await setup(
      { 'prov.polling.enabled': '1', 'prov.polling.mode': 'abs', 'prov.polling.time': '06:30', 'device.sntp.gmtOffset': '-18000' },
      files,
    );
    try {
      clock.advance(90 * 60_000 - 1000);
      assert.equal(reports.length, 0);
      clock.advance(1000);
      await waitFor(() => reports.length === 1);
      clock.advance(24 * 3_600_000);
      await waitFor(() => reports.length === 2);
      // turned off: no more polls
      p.phone.config.set('LOCAL', { 'prov.polling.enabled': '0' });
      clock.advance(3 * 24 * 3_600_000);
      assert.equal(reports.length, 2);
      assert.equal(server.received.filter((r) => r.url === '/p/site.cfg').length, 3);
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('random: once a day, somewhere in the window from prov.polling.time to prov.polling.timeRandomEnd', async () => {
    const files = { '/p/000000000000.cfg': { status: 200, body: MASTER }, '/p/site.cfg': { status: 200, body: site('Oslo') } };
    const { clock, server, p, reports } = await setup(
      {
        'prov.polling.enabled': '1',
        'prov.polling.mode': 'random',
        'prov.polling.time': '22:00',
        'prov.polling.timeRandomEnd': '23:00',
      },
      files,
    );
    try {
      clock.advance(12 * 3_600_000 - 1000); // to 21:59:59 UTC
      assert.equal(reports.length, 0);
      clock.advance(3_600_000 + 1000); // to 23:00 UTC
      await waitFor(() => reports.length === 1);
      const at = new Date(reports[0]?.startedAt as number);
      assert.equal(at.getUTCHours(), 22, at.toISOString());
    } finally {
      await p.stop();
      await server.close();
    }
  });
});

describe('provisioning runs on the event stream', () => {
  it('a run asked for over REST shows as a provisioning event, with what it fetched and changed', async () => {
    const files: Record<string, { status: number; body?: string }> = {
      '/p/000000000000.cfg': { status: 200, body: MASTER },
      '/p/site.cfg': { status: 200, body: site('Tromsø') },
    };
    const server = await recordingServer((r) => files[r.url] ?? { status: 404 });
    const fleet = await testFleet({ count: 1, firstNumber: 4001, timing: { initMs: 0 }, set: { 'prov.startupCheck.enabled': '0' } });
    const { control, url } = await listenControl(fleet);
    const abort = new AbortController();
    try {
      const events = polysimEvents(url, { signal: abort.signal });
      const r = fleet.phones[0] as Fleet['phones'][number];
      r.phone.config.set('LOCAL', { 'device.prov.serverName': `${server.url}/p` });
      const first = await events.next(); // the snapshot
      assert.equal(first.value?.type, 'snapshot');
      const res = await fetch(`${r.httpUrl}/api/v1/mgmt/updateConfiguration`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` },
      });
      assert.equal(res.status, 200);
      for (;;) {
        const { value } = await events.next();
        if (value?.type !== 'provisioning') continue;
        assert.equal(value.trigger, 'request');
        assert.equal(value.ok, true);
        assert.deepEqual(value.files, ['000000000000.cfg', 'site.cfg']);
        assert.ok(value.changed.includes('locInfo.city'));
        assert.equal(value.then, 'none');
        break;
      }
    } finally {
      abort.abort();
      await control.close();
      await fleet.stop();
      await server.close();
    }
  });
});

describe('the phone uploads its override files', () => {
  it('<mac>-phone.cfg when settings change on the phone, <mac>-web.cfg for the web level; never a secret', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
    const server = await recordingServer(() => ({ status: 201 }));
    const p = await testPhone({
      clock,
      set: { 'device.prov.serverName': `${server.url}/p`, 'prov.startupCheck.enabled': '0', 'prov.autoConfigUpload.enabled': '1' },
    });
    const reports: { operation: string; ok: boolean; detail?: string }[] = [];
    // the boot log goes up too (log-upload.ts): only the override files are looked at here
    p.phone.on('transfer', (r) => {
      if (r.operation === 'configUpload') reports.push(r);
    });
    const cfgPuts = () => server.received.filter((r) => r.url.endsWith('.cfg'));
    try {
      const mac = p.phone.identity.mac.toLowerCase();
      const set = await p.post('/api/v1/mgmt/config/set', { data: { 'reg.2.address': '2002', 'reg.2.auth.password': 'sip-secret' } });
      assert.equal(set.body['Status'], '2000');
      await p.post('/api/v1/mgmt/config/set', { data: { 'reg.2.label': 'Desk' } });
      clock.advance(999);
      assert.equal(cfgPuts().length, 0, 'changes settle for a second');
      clock.advance(1);
      await waitFor(() => reports.length === 1);
      assert.deepEqual(reports[0], { operation: 'configUpload', ok: true, detail: `${server.url}/p/${mac}-phone.cfg` });
      const [put] = cfgPuts();
      assert.equal(put?.method, 'PUT');
      assert.equal(put?.url, `/p/${mac}-phone.cfg`);
      const cfg = put?.body.toString() ?? '';
      assert.match(cfg, /reg\.2\.address="2002"/);
      assert.match(cfg, /reg\.2\.label="Desk"/);
      assert.ok(!cfg.includes('sip-secret') && !cfg.includes('reg.2.auth.password'), 'no secret');

      // the web level, into prov.configUploadPath
      p.phone.config.set('LOCAL', { 'prov.configUploadPath': 'overrides/' });
      clock.advance(1000);
      await waitFor(() => reports.length === 2);
      p.phone.config.set('WEB', { 'reg.1.label': 'Front desk' });
      clock.advance(1000);
      await waitFor(() => reports.length === 3);
      assert.equal(cfgPuts().at(-1)?.url, `/p/overrides/${mac}-web.cfg`);
      assert.match(cfgPuts().at(-1)?.body.toString() ?? '', /reg\.1\.label="Front desk"/);

      // switched off: nothing more goes
      p.phone.config.set('LOCAL', { 'prov.autoConfigUpload.enabled': '0', 'reg.3.address': '3003' });
      clock.advance(5000);
      assert.equal(reports.length, 3);
    } finally {
      await p.stop();
      await server.close();
    }
  });
});

describe("a provisioning server's faults", () => {
  it('a listed file missing, truncated or bad XML, a 500, a slow server, wrong credentials: the last good values stay', async () => {
    const files: Record<string, { status: number; body?: string; delayMs?: number; headers?: Record<string, string> }> = {
      '/p/000000000000.cfg': { status: 200, body: MASTER },
      '/p/site.cfg': { status: 200, body: site('Oslo') },
    };
    const server = await recordingServer(async (r) => {
      const f = files[r.url] ?? { status: 404 };
      if (f.delayMs) await new Promise((ok) => setTimeout(ok, f.delayMs));
      return f;
    });
    const clock = new ManualClock(Date.UTC(2027, 0, 4, 10, 0, 0));
    const p = await testPhone({
      clock,
      transferTimeoutMs: 300,
      set: {
        'device.prov.serverName': `${server.url}/p`,
        'prov.polling.enabled': '1',
        'prov.polling.mode': 'rel',
        'prov.polling.period': '60',
      },
    });
    const reports: ProvisioningReport[] = [];
    p.phone.on('provisioning', (r) => reports.push(r));
    try {
      assert.equal(p.phone.config.value('locInfo.city'), 'Oslo');
      const faults: [string, () => void, RegExp][] = [
        ['a listed file missing', () => (files['/p/site.cfg'] = { status: 404 }), /site\.cfg/],
        ['a 500', () => (files['/p/site.cfg'] = { status: 500 }), /500/],
        ['truncated', () => (files['/p/site.cfg'] = { status: 200, body: site('Nowhere').slice(0, 30) }), /./],
        ['bad XML', () => (files['/p/site.cfg'] = { status: 200, body: '<polycomConfig><loc locInfo.city="Nowhere"' }), /./],
        ['slow', () => (files['/p/site.cfg'] = { status: 200, body: site('Nowhere'), delayMs: 1000 }), /300 ms|deadline|time/i],
        ['master missing', () => (files['/p/000000000000.cfg'] = { status: 404 }), /000000000000\.cfg/],
      ];
      for (const [kind, breakIt, why] of faults) {
        breakIt();
        const before = reports.length;
        clock.advance(60_000);
        await waitFor(() => reports.length > before, 5000);
        const r = reports.at(-1) as ProvisioningReport;
        assert.equal(r.ok, false, kind);
        assert.match(r.error ?? '', why, `${kind}: ${r.error}`);
        assert.equal(p.phone.config.value('locInfo.city'), 'Oslo', `${kind}: the last good configuration stays`);
        files['/p/000000000000.cfg'] = { status: 200, body: MASTER };
      }
      // mended: the next poll takes the new values
      files['/p/site.cfg'] = { status: 200, body: site('Bergen') };
      const before = reports.length;
      clock.advance(60_000);
      await waitFor(() => reports.length > before, 5000);
      assert.equal(p.phone.config.value('locInfo.city'), 'Bergen');
    } finally {
      await p.stop();
      await server.close();
    }
  });
});
