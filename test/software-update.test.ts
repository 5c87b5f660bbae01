import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import type { TransferReport } from '../src/phone/phone.js';
import { imageHeader, imageVersion } from '../src/phone/software-update.js';
import type { PhoneSpec } from '../src/runtime/phone-host.js';
import { assertOk, recordingServer, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const UPDATE = '/api/v1/mgmt/updateConfiguration';
const STATUS = '/api/v1/mgmt/device/softwareUpdateStatus';
const INFO = '/api/v1/mgmt/device/info';

/** A provisioning server offering `image` as APP_FILE_PATH `name` (polysim's image header names its release). */
async function imageServer(name: string, image: Buffer): Promise<Awaited<ReturnType<typeof recordingServer>>> {
  return recordingServer((r) => {
    if (r.url === '/fw/000000000000.cfg') return { status: 200, body: `<APPLICATION APP_FILE_PATH="${name}" CONFIG_FILES=""/>` };
    if (r.url === `/fw/${name}`) return { status: 200, body: image };
    return { status: 404 };
  });
}

const image = (version: string): Buffer => Buffer.concat([Buffer.from(imageHeader(version)), Buffer.from([0, 1, 2, 0xff, 0xfe])]);

async function data(p: TestPhone, path: string): Promise<Record<string, unknown>> {
  return assertOk(await p.get(path), path)['data'] as Record<string, unknown>;
}

/** Provisioning only when asked (boot provisioning: test/provisioning-boot.test.ts). */
function spec(clock: ManualClock, url: string, more: Partial<PhoneSpec> = {}): Partial<PhoneSpec> {
  return { clock, ...more, set: { 'device.prov.serverName': `${url}/fw/`, 'prov.startupCheck.enabled': '0', ...more.set } };
}

/** Installs (10 s on the phone's clock), reboots a second later, and waits until the phone answers again. */
async function installAndReboot(p: TestPhone, clock: ManualClock, alreadyMs = 0): Promise<void> {
  clock.advance(10_000 - alreadyMs);
  assert.equal((await data(p, STATUS))['updateStatus'], 3, 'SUCCESS');
  clock.advance(1000);
  assert.equal(p.phone.isUp, false, 'the phone reboots into the new release');
  clock.advance(p.phone.timing.rebootMs);
  await waitFor(async () => (await p.get(INFO).catch(() => undefined))?.http === 200);
}

describe('software updates: the phone comes back running the release the server offers', () => {
  it('reads the release from the image header (polysim stand-in), not from the file name', () => {
    assert.equal(imageVersion(image('6.4.3.5018')), '6.4.3.5018');
    assert.equal(imageVersion(Buffer.from('POLYSIM-IMAGE 9.5.0\r\nrest')), '9.5.0');
    assert.equal(imageVersion(Buffer.from('a phone application image')), undefined);
    assert.equal(imageVersion(Buffer.from('POLYSIM-IMAGE latest\n')), undefined);
    assert.equal(imageVersion(Buffer.alloc(0)), undefined);
  });

  it('a VVX 450 on 6.3.0 offered 6.4.3 installs it, reboots, and runs 6.4.3: device/info, parameters, rules', async () => {
    const clock = new ManualClock();
    const server = await imageServer('3111-48840-001.sip.ld', image('6.4.3'));
    const p = await testPhone(spec(clock, server.url, { firmware: '6.3.0' }));
    try {
      assert.match(String((await data(p, INFO))['FirmwareRelease']), /^6\.3\.0\./);
      // apps.restapi.sipNotify.enabled exists from UCS 6.4.2 (the catalogue's release rule)
      const before = await p.post('/api/v1/mgmt/config/get', { data: ['apps.restapi.sipNotify.enabled'] });
      assert.deepEqual(before.body['InvalidParams'], ['apps.restapi.sipNotify.enabled']);
      assert.equal(p.phone.profile.sipNotify, false);

      assertOk(await p.post(UPDATE), UPDATE);
      assert.ok(
        server.received.some((r) => r.url === '/fw/3111-48840-001.sip.ld'),
        'the image was downloaded',
      );
      assert.deepEqual(await data(p, STATUS), { updateStatus: 2, description: '3111-48840-001.sip.ld', updateProgress: 0 });
      clock.advance(5000);
      assert.equal((await data(p, STATUS))['updateProgress'], 50);
      await installAndReboot(p, clock, 5000);

      assert.equal(p.phone.profile.firmware, '6.4.3');
      assert.match(String((await data(p, INFO))['FirmwareRelease']), /^6\.4\.3\./);
      const after = await p.post('/api/v1/mgmt/config/get', { data: ['apps.restapi.sipNotify.enabled'] });
      assert.equal(after.body['InvalidParams'], undefined);
      assert.ok('apps.restapi.sipNotify.enabled' in (after.body['data'] as object));
      assert.equal(p.phone.profile.sipNotify, true, 'the rules of 6.4.3: SIP NOTIFY exists from 6.4.2');
      assert.deepEqual(await data(p, STATUS), { updateStatus: 0, description: '3111-48840-001.sip.ld', updateProgress: 0 });

      // The same release offered again: nothing happens.
      assertOk(await p.post(UPDATE), UPDATE);
      assert.equal((await data(p, STATUS))['updateStatus'], 0, 'the release it runs changes nothing');
      clock.advance(20_000);
      assert.equal(p.phone.isUp, true);
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('the dialect follows the release: an Edge E350 on 8.5.0 updated to 8.6.0 answers network/info as 8.6 phones do', async () => {
    const clock = new ManualClock();
    const server = await imageServer('2200-86390-001.sip.ld', image('8.6.0.1321'));
    const p = await testPhone(
      spec(clock, server.url, { model: 'Edge E350', firmware: '8.5.0', set: { 'httpd.rest.auth.basic.enabled': '1' } }),
    );
    try {
      // The manual prints CDPCompability; Edge E 8.6 phones were captured writing CDPCompatibility (dialect/facts.ts).
      const before = await data(p, '/api/v1/mgmt/network/info');
      assert.ok('CDPCompability' in before && !('CDPCompatibility' in before));
      assertOk(await p.post(UPDATE), UPDATE);
      await installAndReboot(p, clock);
      assert.equal((await data(p, INFO))['FirmwareRelease'], '8.6.0.1321');
      const after = await data(p, '/api/v1/mgmt/network/info');
      assert.ok('CDPCompatibility' in after && !('CDPCompability' in after));
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('a phone with a data dir runs the installed release after its host restarts; --factory brings back the shipped one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polysim-swupdate-'));
    const clock = new ManualClock();
    const server = await imageServer('3111-48840-001.sip.ld', image('6.4.3'));
    try {
      const first = await testPhone(spec(clock, server.url, { firmware: '6.3.0', dataDir: dir }));
      try {
        assertOk(await first.post(UPDATE), UPDATE);
        await installAndReboot(first, clock);
        assert.equal(first.phone.profile.firmware, '6.4.3');
      } finally {
        await first.stop();
      }
      const second = await testPhone(spec(clock, server.url, { firmware: '6.3.0', dataDir: dir }));
      try {
        assert.equal(second.phone.profile.firmware, '6.4.3');
        assert.match(String((await data(second, INFO))['FirmwareRelease']), /^6\.4\.3\./);
      } finally {
        await second.stop();
      }
      const factory = await testPhone(spec(clock, server.url, { firmware: '6.3.0', dataDir: dir, factory: true }));
      try {
        assert.equal(factory.phone.profile.firmware, '6.3.0', 'the phone as shipped');
      } finally {
        await factory.stop();
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an older release offered is installed (phones downgrade when told); boot values it lacks are passed over', async () => {
    const clock = new ManualClock();
    const server = await imageServer('3111-48840-001.sip.ld', image('6.3.0'));
    // apps.restapi.sipNotify.enabled exists from 6.4.2: the 6.3.0 phone boots without it
    const p = await testPhone(spec(clock, server.url, { set: { 'apps.restapi.sipNotify.enabled': '1' } }));
    try {
      assert.equal(p.phone.profile.firmware, '6.4.3');
      assert.throws(() => p.phone.runRelease(p.phone.profile), /only while it is down/);
      assertOk(await p.post(UPDATE), UPDATE);
      await installAndReboot(p, clock);
      assert.equal(p.phone.profile.firmware, '6.3.0');
      assert.match(String((await data(p, INFO))['FirmwareRelease']), /^6\.3\.0\./);
      assert.equal(p.phone.config.has('apps.restapi.sipNotify.enabled'), false);
      assert.equal(p.phone.isReady, true);
    } finally {
      await p.stop();
      await server.close();
    }
  });

  for (const [what, body, why] of [
    ['a release its family never ran (Trio UCS 7.2.2 on a VVX)', image('7.2.2'), /firmware 7\.2\.2 does not exist for VVX 450/],
    ['an image with no header naming its release', Buffer.from('a phone application image'), /no POLYSIM-IMAGE header/],
  ] as const) {
    it(`refuses ${what}: status names the refusal, a transfer report says why, no reboot`, async () => {
      const clock = new ManualClock();
      const server = await imageServer('3111-48840-001.sip.ld', body);
      const p = await testPhone(spec(clock, server.url));
      const reports: TransferReport[] = [];
      p.phone.on('transfer', (r) => reports.push(r));
      try {
        assertOk(await p.post(UPDATE), UPDATE);
        const status = await data(p, STATUS);
        assert.equal(status['updateStatus'], 0);
        assert.match(String(status['description']), /^3111-48840-001\.sip\.ld: refused, /);
        assert.match(String(status['description']), why);
        const report = reports.find((r) => r.operation === 'softwareUpdate');
        assert.equal(report?.ok, false);
        assert.match(String(report?.detail), why);
        clock.advance(20_000);
        assert.equal(p.phone.isUp, true, 'no reboot');
        assert.equal(p.phone.profile.firmware, '6.4.3');
      } finally {
        await p.stop();
        await server.close();
      }
    });
  }
});
