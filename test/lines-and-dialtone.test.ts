/** Lines register only with a call server; dial tone with nothing dialled times out (issue: answer as phones do). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { assertStatus, callStates, testPhone } from './helpers.js';

type Row = Record<string, unknown>;
const lineV2 = async (p: Awaited<ReturnType<typeof testPhone>>, n: number): Promise<Row> =>
  ((await p.get(`/api/v2/mgmt/lineInfo?line=${n}`)).body['data'] as Row[])[0] as Row;

describe('lines and their call servers', () => {
  it('a development phone registers line 1 to the built-in switchboard, shown as its call server', async () => {
    const p = await testPhone({ sipPort: 0 });
    try {
      const line = await lineV2(p, 1);
      assert.equal(line['RegistrationStatus'], 'Registered');
      const servers = line['CallServers'] as Row[];
      assert.equal(servers.length, 1);
      assert.equal(servers[0]?.['Address'], '127.0.0.1');
      assert.equal(servers[0]?.['Port'], String(p.sip?.port));
      const v1 = ((await p.get('/api/v1/mgmt/lineInfo')).body['data'] as Row[])[0] as Row;
      assert.equal(v1['ProxyAddress'], '127.0.0.1');
    } finally {
      await p.stop();
    }
  });

  it('a line with an address but no call server is unregistered, and dialling on it answers 4002', async () => {
    const p = await testPhone({
      factory: true,
      set: { 'apps.restapi.enabled': '1', 'device.auth.localAdminPassword': 'Secret-123', 'reg.1.address': '2001' },
    });
    try {
      assert.equal((await lineV2(p, 1))['RegistrationStatus'], 'Unregistered');
      assertStatus(await p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } }), '4002', 400);
      await p.post('/api/v1/mgmt/config/set', { data: { 'reg.1.server.1.address': '192.0.2.10', 'reg.1.server.1.port': '5070' } });
      const line = await lineV2(p, 1);
      assert.equal(line['RegistrationStatus'], 'Registered');
      assert.deepEqual(
        (line['CallServers'] as Row[]).map((s) => [s['Address'], s['Port']]),
        [['192.0.2.10', '5070']],
      );
    } finally {
      await p.stop();
    }
  });
});

describe('dial tone', () => {
  it('goes back to idle after call.dialtoneTimeOut seconds with nothing dialled, and logs no call', async () => {
    const clock = new ManualClock();
    const p = await testPhone({ clock });
    try {
      await p.post('/api/v1/mgmt/simulateHook', { data: { Type: 'Up' } });
      assert.deepEqual(await callStates(p), [':Dialtone']);
      clock.advance(59_000);
      assert.deepEqual(await callStates(p), [':Dialtone']);
      clock.advance(1_000);
      assert.deepEqual(await callStates(p), [], 'idle after 60 s');
      assert.deepEqual(p.phone.callLog(), []);

      await p.post('/api/v1/mgmt/config/set', { data: { 'call.dialtoneTimeOut': '5' } });
      await p.post('/api/v1/mgmt/simulateKeyEvent', { data: { Type: 'Tap', KeyName: 'Line1' } });
      assert.deepEqual(await callStates(p), [':Dialtone']);
      clock.advance(5_000);
      assert.deepEqual(await callStates(p), []);

      await p.post('/api/v1/mgmt/config/set', { data: { 'call.dialtoneTimeOut': '0' } });
      await p.post('/api/v1/mgmt/simulateKeyEvent', { data: { Type: 'Tap', KeyName: 'Line1' } });
      clock.advance(3_600_000);
      assert.deepEqual(await callStates(p), [':Dialtone'], '0: never');
    } finally {
      await p.stop();
    }
  });
});
