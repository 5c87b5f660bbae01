/**
 * Derived from spec/endpoints.json (the manual's operations, corrected for OCR): every path of the device and
 * configuration operations is in the operation table with the manual's method, and answers over a real socket
 * with the manual's envelope.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { operationAt } from '../src/api/index.js';
import { testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

interface SpecOperation {
  operation: string;
  method: string;
  paths: string[];
  returnCodes: number[];
  transport?: string;
}
interface Spec {
  statusCodes: Record<string, string>;
  operations: SpecOperation[];
}

const spec = JSON.parse(readFileSync(new URL('../spec/endpoints.json', import.meta.url), 'utf8')) as Spec;

/** The operations of the device and configuration API (calls, sessions and SIP come with their own work). */
const DEVICE_AND_CONFIG = new Set([
  'Management.DeviceInfo',
  'Management.DeviceInfoV2',
  'Management.DeviceSoftwareUpdateStatus',
  'Management.DeviceStats',
  'Management.RunningConfig',
  'Management.NetworkInfo',
  'Management.NetworkStatistics',
  'Management.PCPortInfo',
  'Management.BluetoothInfo',
  'Management.LocationInformation',
  'Management.MrPairInfo',
  'Management.LineInfo',
  'Management.LineInfoV2',
  'Management.PowerStatus',
  'Management.GetTransferType',
  'Management.SetTransferType',
  'Management.GetConfig',
  'Management.SetConfig',
  'Management.ExportConfiguration',
  'Management.ConfigReset',
  'Management.FactoryReset',
  'Management.Reboot',
  'Management.Restart',
  'Management.UpdateConfiguration',
  'Network.UploadBgCapture',
  'WebCallControl.GetCurrentPresence',
  'Management.SkypeSignIn',
  'Management.SkypeSignOut',
  'Management.WebSignIn',
  'Management.WebSignInCancel',
]);

const ops = spec.operations.filter((o) => DEVICE_AND_CONFIG.has(o.operation));
/** Operations that take the phone away; they run last, each on its own phone. */
const GOES_AWAY = new Set(['Management.FactoryReset', 'Management.Reboot', 'Management.Restart']);

describe('spec/endpoints.json: every device and configuration path is served', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone({
      model: 'CCX 600',
      firmware: '9.5.0',
      set: {
        'httpd.rest.auth.basic.enabled': '1',
        'device.baseProfile': 'SkypeForBusiness',
        'diags.pcap.enabled': '1',
        'diags.pcap.background.enabled': '1',
      },
    });
  });
  after(() => p.stop());

  it('covers all 30 operations of this area', () => {
    assert.equal(ops.length, DEVICE_AND_CONFIG.size);
  });

  it("the operation table has each path with the manual's name and method", () => {
    for (const o of ops) {
      for (const path of o.paths) {
        const op = operationAt(path);
        assert.ok(op, `${path} is not served`);
        assert.equal(op.name, o.operation, path);
        assert.ok(op.methods.includes(o.method as 'GET' | 'POST'), `${path} does not take ${o.method}`);
        for (const code of o.returnCodes) {
          if (code !== 4400 && code !== 4403 && code !== 5500) assert.ok(op.returnCodes.includes(code), `${path} lacks ${code}`);
        }
      }
    }
  });

  it("each path answers over a real socket with the manual's envelope", async () => {
    for (const o of ops.filter((x) => !GOES_AWAY.has(x.operation))) {
      for (const path of o.paths) {
        const a = o.method === 'GET' ? await p.get(path) : await p.post(path, {});
        assert.notEqual(a.http, 404, `${path}: ${a.text}`);
        assert.equal(a.headers.get('content-type'), 'application/json', path);
        const status = a.body['Status'];
        assert.equal(typeof status, 'string', `${path}: Status must be a string`);
        assert.ok(Object.hasOwn(spec.statusCodes, status as string), `${path}: unknown Status ${String(status)}`);
        if (o.method === 'GET') assert.equal(status, '2000', `${path}: ${a.text}`);
        if (status === '2000' && a.body['data'] === undefined) {
          const top = Object.keys(a.body).filter((k) => k !== 'Status');
          assert.ok(top.length === 0 || ['CurrentState', 'Presence'].includes(top[0] as string), `${path}: ${a.text}`);
        }
      }
    }
  });

  it('the operations that take the phone away answer 2000 first', async () => {
    for (const o of ops.filter((x) => GOES_AWAY.has(x.operation))) {
      const q = await testPhone();
      try {
        const a = await q.post(o.paths[0] as string);
        assert.deepEqual(a.body, { Status: '2000' }, o.operation);
      } finally {
        await q.stop();
      }
    }
  });
});
