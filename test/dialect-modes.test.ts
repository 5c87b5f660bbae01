/**
 * The two dialects side by side, driven from the dialect table: for every device row whose answer differs from the
 * manual's, a phone within the row's scope answers as the row says under `--dialect device` and as the manual's pages
 * under `--dialect manual` (a new row is exercised without a new test). And scopes are real: a row applies where it
 * was seen, or where it says why, and the manual's answer wins elsewhere.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { operationAt } from '../src/api/index.js';
import { ManualClock } from '../src/phone/clock.js';
import { dialectOf, dialectRows, inScope } from '../src/phone/dialect/dialect.js';
import { DEVICE_ROWS, MANUAL, MANUAL_ROWS } from '../src/phone/dialect/facts.js';
import type { Dialect, DialectMode, Fact, Scope } from '../src/phone/dialect/facts.js';
import { atLeast } from '../src/phone/firmware.js';
import { families, models, resolveProfile } from '../src/phone/models.js';
import type { FamilyId } from '../src/phone/models.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

type Json = Record<string, unknown>;

interface Probed {
  readonly phone: TestPhone;
  readonly clock: ManualClock;
  readonly mode: DialectMode;
}

/** Sends a request and checks the answer against the operation's schema for the phone's dialect. */
async function call(p: Probed, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ http: number; body: Json }> {
  const res = await p.phone.raw(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const answer = JSON.parse(await res.text()) as Json;
  assert.equal(typeof answer['Status'], 'string', `${path}: Status is a string in both dialects`);
  const op = operationAt(path);
  const schema = p.mode === 'manual' ? (op?.manualOutput ?? op?.output) : op?.output;
  if (answer['Status'] === '2000' && schema) {
    const errors = [...Value.Errors(schema, answer['data'])].slice(0, 3).map((e) => `${e.path} ${e.message}`);
    assert.deepEqual(errors, [], `${p.mode} ${path}: data does not match its schema`);
  }
  return { http: res.status, body: answer };
}

const data = (a: { body: Json }): Json => a.body['data'] as Json;

/**
 * How each fact shows in an answer: one request (and what it needs first), read back as the fact's value. The type
 * demands a probe for every fact of the table.
 */
const PROBES: { readonly [K in keyof Dialect]: (p: Probed) => Promise<Dialect[K]> } = {
  configGetKeys: async (p) =>
    'Value' in (data(await call(p, 'POST', '/api/v1/mgmt/config/get', { data: ['locInfo.city'] }))['locInfo.city'] as Json)
      ? 'device'
      : 'manual',
  unknownConfigNames: async (p) => {
    const a = await call(p, 'POST', '/api/v1/mgmt/config/get', { data: ['locInfo.city', 'no.such.name'] });
    if (a.body['Status'] === '4000') return 'status4000';
    assert.deepEqual(a.body['InvalidParams'], ['no.such.name']);
    return 'InvalidParams';
  },
  v1Mac: async (p) => (String(data(await call(p, 'GET', '/api/v1/mgmt/device/info'))['MACAddress']).includes(':') ? 'colons' : 'plain'),
  v1DeviceType: async (p) => String(data(await call(p, 'GET', '/api/v1/mgmt/device/info'))['DeviceType']),
  vendor: async (p) => {
    const v1 = String(data(await call(p, 'GET', '/api/v1/mgmt/device/info'))['DeviceVendor']);
    assert.equal(String(data(await call(p, 'GET', '/api/v2/mgmt/device/info'))['DeviceVendor']), v1, 'v1 and v2 agree');
    return v1;
  },
  noIpv6: async (p) => String(data(await call(p, 'GET', '/api/v1/mgmt/device/info'))['IPV6Address']),
  networkStats: async (p) => {
    const d = data(await call(p, 'GET', '/api/v1/mgmt/network/stats'));
    return typeof d['RxPackets'] === 'number' ? 'manual' : 'device';
  },
  lineInfoCase: async (p) => {
    const rows = (await call(p, 'GET', '/api/v1/mgmt/lineInfo')).body['data'] as Json[];
    return String(rows[0]?.['LineType']) === 'private' ? 'lower' : 'title';
  },
  lineInfoLines: async (p) => {
    const rows = (await call(p, 'GET', '/api/v1/mgmt/lineInfo')).body['data'] as Json[];
    return rows.length === p.phone.phone.profile.model.lines ? 'all' : 'configured';
  },
  lanSpeedUnit: async (p) => (String(data(await call(p, 'GET', '/api/v1/mgmt/network/info'))['LANSpeed']).endsWith('Mbps') ? 'Mbps' : 'MB'),
  cdpKey: async (p) =>
    'CDPCompatibility' in data(await call(p, 'GET', '/api/v1/mgmt/network/info')) ? 'CDPCompatibility' : 'CDPCompability',
  v1CallStatus: async (p) => {
    await call(p, 'POST', '/api/v1/callctrl/dial', { data: { Dest: '5550101' } });
    const d = data(await call(p, 'GET', '/api/v1/webCallControl/callStatus'));
    p.phone.phone.calls.endAll();
    return 'LineId' in d && String(d['CallHandle']).startsWith('0x') ? 'device' : 'manual';
  },
  callLogDuration: async (p) => {
    await call(p, 'POST', '/api/v1/callctrl/dial', { data: { Dest: '5550101' } });
    p.clock.advance(39_000);
    p.phone.phone.calls.endAll();
    const d = data(await call(p, 'GET', '/api/v1/mgmt/callLogs/placed'));
    const first = ((d['Placed'] ?? d['placed']) as Json[])[0];
    return first?.['Duration'] === '39 secs' ? 'words' : (assert.equal(first?.['Duration'], '39'), 'seconds');
  },
  callLogKeys: async (p) => ('Placed' in data(await call(p, 'GET', '/api/v1/mgmt/callLogs')) ? 'capitalised' : 'lower'),
  runningConfigSections: async (p) => ('DHCP' in data(await call(p, 'GET', '/api/v1/mgmt/device/runningConfig')) ? 'top' : 'nested'),
};

const ALL_FAMILIES = Object.keys(families) as FamilyId[];

/** A model and firmware within a scope: the first family it names, on its default firmware if that fits. */
function phoneIn(scope: Scope): { model: string; firmware: string } {
  for (const family of scope.families ?? ALL_FAMILIES) {
    const f = families[family];
    for (const firmware of [f.defaultFirmware, scope.from, f.minFirmware]) {
      const model = models.find((m) => m.family === family && m.restApi)?.name;
      if (model && firmware && inScope(scope, family, firmware)) {
        try {
          resolveProfile(model, firmware);
          return { model, firmware };
        } catch {
          // not a release of this family
        }
      }
    }
  }
  throw new Error(`no phone within ${JSON.stringify(scope)}`);
}

/** Phones per model, firmware and dialect, started once for every row that needs them. */
const started = new Map<string, Promise<Probed>>();
function phoneFor(model: string, firmware: string, mode: DialectMode): Promise<Probed> {
  const key = `${model}|${firmware}|${mode}`;
  let p = started.get(key);
  if (!p) {
    const clock = new ManualClock(Date.UTC(2026, 7, 12, 18, 20, 48));
    const switchboard = new Switchboard(clock, randomIds);
    switchboard.scripts.set('5550101', { behaviour: 'answer' });
    const set: Record<string, string> = resolveProfile(model, firmware).digestAuth ? { 'httpd.rest.auth.basic.enabled': '1' } : {};
    p = testPhone({ model, firmware, dialect: mode, clock, switchboard, set }).then((phone) => ({ phone, clock, mode }));
    started.set(key, p);
  }
  return p;
}
after(async () => {
  for (const p of started.values()) await (await p).phone.stop();
});

const differing = DEVICE_ROWS.filter((r) => r.value !== MANUAL[r.fact].value);

describe('device and manual dialects, row by row of the table', () => {
  it("has rows whose answers differ from the manual's (else this test exercises nothing)", () => {
    assert.ok(differing.length >= 10, `${differing.length} rows`);
  });

  for (const row of differing) {
    const at = phoneIn(row.scope);
    it(`${row.fact}: ${JSON.stringify(row.value)} on a ${at.model} ${at.firmware}, ${JSON.stringify(MANUAL[row.fact].value)} under --dialect manual`, async () => {
      const probe = PROBES[row.fact] as (p: Probed) => Promise<unknown>;
      // The row in force for this phone is this one (no earlier row of the fact shadows it).
      assert.equal(dialectRows(resolveProfile(at.model, at.firmware)).get(row.fact), row);
      assert.equal(await probe(await phoneFor(at.model, at.firmware, 'device')), row.value, 'device dialect');
      assert.equal(await probe(await phoneFor(at.model, at.firmware, 'manual')), MANUAL[row.fact].value, 'manual dialect');
    });
  }
});

describe('scopes are real', () => {
  const rowOf = (fact: keyof Dialect, model: string, firmware?: string, mode?: DialectMode): Fact | undefined =>
    dialectRows(resolveProfile(model, firmware), mode).get(fact);

  it('a row scoped to Edge E does not apply to a VVX, nor to an Edge E below the release it was seen on', () => {
    for (const fact of ['cdpKey', 'lanSpeedUnit'] as const) {
      assert.equal(rowOf(fact, 'Edge E350', '8.6.0')?.origin, 'device', fact);
      assert.equal(rowOf(fact, 'Edge E350', '8.6.0')?.value, fact === 'cdpKey' ? 'CDPCompatibility' : 'Mbps');
      assert.equal(rowOf(fact, 'VVX 450')?.origin, 'manual', `${fact} on a VVX`);
      assert.equal(rowOf(fact, 'CCX 600')?.origin, 'manual', `${fact} on a CCX`);
      assert.equal(rowOf(fact, 'Edge E350', '8.5.0')?.origin, 'manual', `${fact} on Edge E 8.5`);
    }
    assert.equal(rowOf('runningConfigSections', 'Trio 8800', '7.2.2')?.value, 'top');
    assert.equal(rowOf('runningConfigSections', 'Trio 8800', '7.2.0')?.value, 'nested');
    assert.equal(rowOf('runningConfigSections', 'VVX 450')?.value, 'nested');
  });

  it('families pick their own row: Poly on PVOS, Polycom on UCS', () => {
    assert.equal(dialectOf(resolveProfile('CCX 600')).vendor, 'Poly');
    assert.equal(dialectOf(resolveProfile('Edge E350')).vendor, 'Poly');
    assert.equal(dialectOf(resolveProfile('VVX 450')).vendor, 'Polycom');
    assert.equal(dialectOf(resolveProfile('Trio 8800')).vendor, 'Polycom');
    assert.match(rowOf('vendor', 'VVX 450')?.source ?? '', /Trio 7\.2/);
  });

  it("any table: a row honours its families and firmware, the manual's row wins outside", () => {
    const only: Fact = {
      fact: 'v1DeviceType',
      origin: 'device',
      scope: { families: ['EdgeE'], from: '8.4.0', below: '9.0.0' },
      seen: [],
      value: 'edge',
      source: 'test',
    };
    const table = [only, ...MANUAL_ROWS];
    const pick = (model: string, firmware: string): unknown =>
      dialectRows(resolveProfile(model, firmware), 'device', table).get('v1DeviceType')?.value;
    assert.equal(pick('Edge E450', '8.6.0'), 'edge');
    assert.equal(pick('Edge E450', '8.3.0'), 'HardwareEndPoint');
    assert.equal(pick('Edge E450', '9.1.0'), 'HardwareEndPoint');
    assert.equal(pick('VVX 450', '6.4.3'), 'HardwareEndPoint');
    assert.equal(pick('CCX 600', '9.5.0'), 'HardwareEndPoint');
  });

  it("under --dialect manual every fact is the manual's, on every family", () => {
    for (const m of ['VVX 450', 'Trio 8800', 'Edge E350', 'CCX 600', 'Trio C60', 'Trio 8300']) {
      const rows = dialectRows(resolveProfile(m), 'manual');
      assert.equal(rows.size, Object.keys(MANUAL).length, m);
      for (const [fact, r] of rows) assert.equal(r.value, MANUAL[fact].value, `${m} ${fact}`);
    }
  });

  it('a row applies beyond where it was seen only with the reason written down', () => {
    const within = (scope: Scope, seen: readonly Scope[]): boolean =>
      (scope.families ?? ALL_FAMILIES).every((f) =>
        seen.some(
          (s) =>
            (!s.families || s.families.includes(f)) &&
            (!s.from || (scope.from !== undefined && atLeast(scope.from, s.from))) &&
            (!s.below || (scope.below !== undefined && atLeast(s.below, scope.below))),
        ),
      );
    for (const r of DEVICE_ROWS) {
      assert.ok(r.seen.length > 0 && r.source.length > 20, `${r.fact}: where was it seen?`);
      if (!within(r.scope, r.seen)) assert.ok((r.widened ?? '').length > 20, `${r.fact} applies beyond where it was seen without a reason`);
    }
    // The rows seen on one family only stay there.
    for (const fact of ['cdpKey', 'lanSpeedUnit', 'runningConfigSections'] as const) {
      const r = DEVICE_ROWS.find((x) => x.fact === fact);
      assert.ok(r && within(r.scope, r.seen) && r.widened === undefined, fact);
    }
  });
});
