/** The parameter catalogue: the names real clients set and read, from Poly's templates and the hand-written catalog. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandCatalog } from '../src/phone/config/layered-config.js';
import { resolveProfile } from '../src/phone/models.js';
import { PASSWORD, testPhone } from './helpers.js';

/** Names the real-device notes list as set and read by clients and provisioning templates. */
const IN_USE = [
  'tcpIpApp.sntp.address',
  'tcpIpApp.sntp.gmtOffset',
  'tcpIpApp.sntp.daylightSavings.enable',
  'softkey.1.enable',
  'up.Pagination.enabled',
  'feature.acousticFenceUI.enabled',
  'video.callRate',
  'up.screenCapture.enabled',
  'device.syslog.serverName',
  'reg.1.server.1.address',
  'reg.1.server.1.port',
  'reg.1.server.1.transport',
  'reg.1.server.1.expires',
  'sec.srtp.enable',
  'sec.srtp.offer',
  'sec.srtp.require',
  'tone.dtmf.level',
  'tone.dtmf.onTime',
  'lcl.ml.lang',
  'qos.ip.rtp.dscp',
  'qos.ip.callControl.dscp',
  'device.auth.localAdminPassword',
];

describe('the parameter catalogue', () => {
  it('holds thousands of parameters per model, with the indexed families', () => {
    const vvx = expandCatalog(resolveProfile('VVX 450'));
    assert.ok(vvx.size >= 1500, `${vvx.size} parameters`);
    for (const family of [
      'reg.3.',
      'voIpProt.server.1.',
      'softkey.2.',
      'attendant.resourceList.1.',
      'lineKey.',
      'dialplan.',
      'tcpIpApp.',
      'up.',
      'feature.',
      'video.',
      'sec.',
      'tone.',
      'lcl.',
      'qos.',
      'call.',
      'apps.',
    ]) {
      assert.ok(
        [...vvx.keys()].some((n) => n.startsWith(family)),
        `no ${family}* parameter`,
      );
    }
    assert.equal(expandCatalog(resolveProfile('VVX 450')), vvx, 'expanded once per model and firmware, shared by a fleet');
  });

  it('config/get and config/set of every name clients use answer 2000', async () => {
    const p = await testPhone();
    try {
      const got = await p.post('/api/v1/mgmt/config/get', { data: IN_USE });
      assert.equal(got.body['Status'], '2000');
      assert.equal(got.body['InvalidParams'], undefined, `unknown: ${JSON.stringify(got.body['InvalidParams'])}`);
      assert.deepEqual(Object.keys(got.body['data'] as object).sort(), [...IN_USE].sort());
      const params = p.phone.config.params;
      const values = Object.fromEntries(
        IN_USE.map((n) => {
          const t = params.get(n)?.spec.type;
          if (n === 'device.auth.localAdminPassword') return [n, PASSWORD];
          return [
            n,
            t?.kind === 'bool'
              ? '1'
              : t?.kind === 'int'
                ? String(Math.max(t.min, Math.min(t.max, 5)))
                : t?.kind === 'enum'
                  ? t.values[0]
                  : t?.kind === 'host'
                    ? '192.0.2.7'
                    : 'x',
          ];
        }),
      );
      const set = await p.post('/api/v1/mgmt/config/set', { data: values });
      assert.equal(set.body['Status'], '2000', set.text);
      const back = (await p.post('/api/v1/mgmt/config/get', { data: ['video.callRate', 'tone.dtmf.level'] })).body['data'] as Record<
        string,
        { Value: string; Source: string }
      >;
      assert.deepEqual(back['video.callRate'], { Value: values['video.callRate'], Source: 'local' });
    } finally {
      await p.stop();
    }
  });
});
