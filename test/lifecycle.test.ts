import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { assertOk, testPhone, waitFor } from './helpers.js';

const up = async (url: string): Promise<boolean> => {
  try {
    await fetch(`${url}/api/v2/mgmt/device/info`);
    return true;
  } catch {
    return false;
  }
};

describe('reboot, restart and factory reset', () => {
  it('safeRestart answers 2000, then the phone is away (connections refused) and comes back on the same ports', async () => {
    // Away long enough that a loaded machine still sees the refusal before the phone is back.
    const p = await testPhone({ timing: { restartMs: 1500 } });
    try {
      const port = p.listeners.httpPort;
      const bootedAt = p.phone.bootedAt;
      assertOk(await p.post('/api/v1/mgmt/safeRestart'), '/api/v1/mgmt/safeRestart');
      await waitFor(async () => !(await up(p.httpUrl)));
      const err = await fetch(`${p.httpUrl}/api/v2/mgmt/device/info`).catch((e: unknown) => e as Error);
      assert.ok(err instanceof Error);
      assert.match(String((err as Error & { cause?: { code?: string } }).cause?.code), /ECONNREFUSED|ECONNRESET/);
      await waitFor(() => up(p.httpUrl), 10_000);
      assert.equal(p.listeners.httpPort, port);
      assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
      assert.equal(p.phone.bootedAt, bootedAt, 'a restart restarts the application, not the device');
    } finally {
      await p.stop();
    }
  });

  it('safeReboot resets the uptime and forgets runtime state, keeping configuration', async () => {
    const clock = new ManualClock();
    const p = await testPhone({ clock });
    try {
      await p.post('/api/v1/mgmt/config/set', { data: { 'locInfo.room': 'R1' } });
      p.phone.boot.webSignInCode = 'marker';
      clock.advance(3_725_000);
      const before = (await p.get('/api/v2/mgmt/device/info')).body['data'] as { UpTime: Record<string, string> };
      assert.deepEqual(before.UpTime, { Days: '0', Hours: '1', Minutes: '2', Seconds: '5' });
      assertOk(await p.post('/api/v1/mgmt/safeReboot'), '/api/v1/mgmt/safeReboot');
      await waitFor(async () => !(await up(p.httpUrl)));
      clock.advance(p.phone.timing.rebootMs);
      await waitFor(() => up(p.httpUrl));
      clock.advance(2_000);
      const afterInfo = (await p.get('/api/v2/mgmt/device/info')).body['data'] as { UpTime: Record<string, string> };
      assert.deepEqual(afterInfo.UpTime, { Days: '0', Hours: '0', Minutes: '0', Seconds: '2' });
      assert.equal(p.phone.boot.webSignInCode, undefined);
      assert.equal(p.phone.config.get('locInfo.room')?.value, 'R1');
    } finally {
      await p.stop();
    }
  });

  it('factoryReset clears every layer and the call log, reboots, and comes back with its boot provisioning', async () => {
    const p = await testPhone();
    try {
      p.phone.config.set('LOCAL', { 'locInfo.room': 'R1' });
      p.phone.config.set('WEB', { 'locInfo.seat': 'S1' });
      p.phone.addCallLog({ kind: 'placed', line: 1, startTime: Date.now(), remoteName: 'Bob', remoteNumber: '1002', durationSeconds: 5 });
      assertOk(await p.post('/api/v1/mgmt/factoryReset'), '/api/v1/mgmt/factoryReset');
      await waitFor(async () => !p.phone.isUp);
      await waitFor(() => p.phone.isReady && up(p.httpUrl));
      assert.equal(p.phone.config.get('locInfo.room')?.source, 'DEFAULT');
      assert.equal(p.phone.config.get('locInfo.seat')?.source, 'DEFAULT');
      assert.deepEqual(p.phone.callLog(), []);
      assertOk(await p.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info');
    } finally {
      await p.stop();
    }
  });

  it('while initialising after boot the phone reports it and config/set answers 4001', async () => {
    const p = await testPhone({ timing: { initMs: 400 } });
    try {
      const info = (await p.get('/api/v2/mgmt/device/info')).body['data'] as Record<string, string>;
      assert.equal(info['ReadyToUse'], 'False');
      assert.equal((await p.post('/api/v1/mgmt/config/set', { data: { 'locInfo.room': 'R' } })).body['Status'], '4001');
      await waitFor(() => p.phone.isReady);
      assertOk(await p.post('/api/v1/mgmt/config/set', { data: { 'locInfo.room': 'R' } }), '/api/v1/mgmt/config/set');
      assert.equal(((await p.get('/api/v2/mgmt/device/info')).body['data'] as Record<string, string>)['ReadyToUse'], 'True');
    } finally {
      await p.stop();
    }
  });
});
