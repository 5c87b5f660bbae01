import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { dispatch } from '../../api/dispatch.js';
import { operations } from '../../api/index.js';
import type { Operation } from '../../api/operation.js';
import type { CallNetwork, Inbox } from '../../phone/calls/signal.js';
import { ManualClock } from '../../phone/clock.js';
import { DIALECT_MODES } from '../../phone/dialect/dialect.js';
import type { DialectMode } from '../../phone/dialect/dialect.js';
import { models } from '../../phone/models.js';
import type { Phone } from '../../phone/phone.js';
import { unitPhone } from '../../phone/test-phone.js';
import { okEnvelope } from './envelope.js';
import { dataComparator, dataSerializer, isExact, isRead } from './serializers.js';

/** A read of the given output schema, for the tests of one serialiser or comparator. */
function testRead(name: string, output: TSchema): Operation {
  return { name, methods: ['GET'], paths: [`/${name}`], inputFrom: 'none', returnCodes: [2000], output, handler: () => ({}) };
}

/** As a client that signed with SHA-256 Digest (sessions are created only then). */
const SILENT: Inbox = { receive: () => undefined };

const AUTH = { method: 'digest-sha256', user: 'Polycom' } as const;

/** The answers of every read (GET, no body) on this phone now, by operation and path. */
function reads(phone: Phone): { op: Operation; path: string; data: unknown }[] {
  const out: { op: Operation; path: string; data: unknown }[] = [];
  for (const op of operations) {
    if (!isRead(op)) continue;
    for (const path of op.paths) {
      const o = dispatch(op, phone, op.inputFrom === 'query' ? {} : undefined, path, op.transports?.[0] ?? 'http', AUTH);
      assert.ok(!(o instanceof Promise), `${op.name} answers synchronously`);
      if (o.kind === 'ok' && o.reply.data !== undefined) out.push({ op, path, data: o.reply.data });
    }
  }
  return out;
}

/**
 * A phone of each model in each dialect, seen initialising, idle, in calls (connected, ringing, held), after them and
 * in the Skype profile.
 */
function* samples(): Generator<{ what: string; mode: DialectMode; phone: Phone }> {
  for (const model of models) {
    for (const mode of DIALECT_MODES) {
      const clock = new ManualClock(Date.UTC(2026, 7, 12, 18, 20, 48));
      // Every number rings and answers 100 ms later.
      const network: CallNetwork = {
        connect: (dest, offer) => {
          clock.schedule(100, () => {
            offer.caller.receive({ type: 'ringing' });
            offer.caller.receive({ type: 'answered' });
          });
          return { inbox: SILENT, party: { number: dest, name: 'Far "End"', address: '127.0.0.1' } };
        },
      };
      const bootConfig = {
        'reg.1.address': '2001',
        'voIpProt.server.1.address': '127.0.0.1',
        'reg.1.label': 'Desk "A"',
        'reg.1.displayName': 'Desk \\ A',
      };
      const { phone } = unitPhone(model.name, { dialect: mode, clock, network, bootConfig });
      const what = `${model.name} (${mode})`;
      phone.start();
      yield { what: `${what} initialising`, mode, phone };
      clock.advance(60_000);
      yield { what: `${what} idle`, mode, phone };
      phone.calls.dial(1, '5550101');
      clock.advance(1_000);
      phone.calls.incoming(1, {
        from: { number: '5550199', name: 'Ringing \\ Caller', address: '127.0.0.1' },
        callId: 'in-1@127.0.0.1',
        caller: SILENT,
      });
      assert.equal(phone.calls.all().length, 2, `${what}: a call connected and one ringing`);
      assert.ok(phone.calls.active(), `${what}: the dialled call connected`);
      yield { what: `${what} in calls`, mode, phone };
      phone.calls.hold();
      yield { what: `${what} with a call held`, mode, phone };
      phone.calls.endAll();
      clock.advance(1_000);
      yield { what: `${what} after calls`, mode, phone };
      if (phone.config.has('device.baseProfile')) {
        phone.config.set('WEB', { 'device.baseProfile': 'SkypeForBusiness' });
        yield { what: `${what} in the Skype profile`, mode, phone };
      }
      phone.shutdown();
    }
  }
}

describe('compiled serialisers', () => {
  it('write the same bytes as JSON.stringify for every read of every model, dialect and call state', () => {
    const compiled = new Set<string>();
    let compared = 0;
    for (const { what, mode, phone } of samples()) {
      for (const { op, path, data } of reads(phone)) {
        const serialize = dataSerializer(op, mode);
        if (!serialize) continue;
        compiled.add(`${op.name} ${mode}`);
        assert.equal(serialize(data), JSON.stringify(data), `${what}: ${path}`);
        assert.equal(okEnvelope({ data }, serialize), JSON.stringify({ data, Status: '2000' }), `${what}: ${path} envelope`);
        compared++;
      }
    }
    // Every compiled serialiser met at least one answer; the hot reads are compiled.
    for (const op of operations) {
      for (const mode of DIALECT_MODES) {
        if (dataSerializer(op, mode)) assert.ok(compiled.has(`${op.name} ${mode}`), `${op.name} (${mode}): no sample answer compared`);
      }
    }
    for (const name of ['Management.DeviceInfo', 'Management.DeviceInfoV2', 'Management.LineInfo', 'WebCallControl.CallStatus']) {
      assert.ok(compiled.has(`${name} device`), `${name} has a compiled serialiser`);
    }
    assert.ok(compared > 1000, `${compared} answers compared`);
  });

  it('are made only from exact schemas: optional keys, unions, records, free values, formats and constants keep JSON.stringify', () => {
    assert.equal(isExact(Type.Object({ a: Type.String(), b: Type.Array(Type.Object({ c: Type.Integer() })) })), true);
    assert.equal(isExact(Type.Object({ a: Type.Boolean(), n: Type.Number() })), true);
    for (const loose of [
      Type.Union([Type.String(), Type.Integer()]),
      Type.Record(Type.String(), Type.String()),
      Type.Unknown(),
      Type.Any(),
      Type.Object({ a: Type.String({ format: 'date-time' }) }),
      Type.Object({ a: Type.Literal('x') }),
      Type.Object({ a: Type.String() }, { additionalProperties: true }),
      Type.Object({}, { additionalProperties: Type.String() }),
      Type.Tuple([Type.String()]),
      Type.Object({ a: Type.Optional(Type.String()) }),
      Type.Null(),
      Type.Object({ a: Type.Array(Type.Union([Type.String(), Type.Null()])) }),
    ]) {
      assert.equal(isExact(loose), false, JSON.stringify(loose));
    }
  });

  it('fall back to JSON.stringify for a value their schema does not describe, never losing the answer', () => {
    const op = testRead('Test.Read', Type.Object({ A: Type.String(), N: Type.Number() }));
    const serialize = dataSerializer(op, 'device');
    assert.ok(serialize);
    assert.equal(serialize({ A: 'x', N: 1 }), '{"A":"x","N":1}');
    assert.equal(serialize({ N: 1 }), '{"N":1}', 'a required key missing');
    assert.equal(serialize({ A: 'x', N: Number.NaN }), '{"A":"x","N":null}', 'not a number');
    assert.equal(dataSerializer(op, 'manual'), serialize, 'the manual dialect uses output when there is no manualOutput');
  });

  it('come with a comparator: the same answer is found the same, a change in any value the schema lists is seen', () => {
    let leaves = 0;
    for (const { what, mode, phone } of samples()) {
      for (const { op, path, data } of reads(phone)) {
        const same = dataComparator(op, mode);
        const serialize = dataSerializer(op, mode);
        if (!same || !serialize) continue;
        assert.equal(same(structuredClone(data), data), true, `${what}: ${path}`);
        // Every string, number and boolean in the answer changed in turn (then put back): other bytes, not the same.
        const kept = structuredClone(data);
        const bytes = serialize(data);
        const visit = (v: unknown, set: (y: unknown) => void): void => {
          if (Array.isArray(v)) v.forEach((x, j) => visit(x, (y) => (v[j] = y)));
          else if (typeof v === 'object' && v !== null) {
            const o = v as Record<string, unknown>;
            for (const k of Object.keys(o)) visit(o[k], (y) => (o[k] = y));
          } else {
            set(typeof v === 'string' ? `${v}x` : typeof v === 'number' ? v + 1 : !v);
            if (serialize(data) !== bytes) {
              assert.equal(same(kept, data), false, `${what}: ${path}, ${String(v)} changed`);
              leaves++;
            }
            set(v);
          }
        };
        visit(data, () => undefined);
        assert.equal(same(kept, data), true, `${what}: ${path} put back`);
      }
    }
    assert.ok(leaves > 10_000, `${leaves} changes seen`);
  });

  it('comparators: a missing or odd value is never the same, an element more is a change, other keys do not count', () => {
    const op = testRead(
      'Test.Compare',
      Type.Object({ A: Type.String(), L: Type.Array(Type.Object({ N: Type.Number(), B: Type.Boolean() })) }),
    );
    const same = dataComparator(op, 'device');
    assert.ok(same);
    const v = { A: 'a', L: [{ N: 1, B: true }] };
    assert.equal(same(v, structuredClone(v)), true);
    assert.equal(same(v, { ...v, extra: 1 }), true, 'a key the schema does not list is not written');
    assert.equal(
      same(v, {
        A: 'a',
        L: [
          { N: 1, B: true },
          { N: 1, B: true },
        ],
      }),
      false,
    );
    assert.equal(same(v, { A: 'a', L: [] }), false);
    assert.equal(same(v, { L: v.L }), false, 'a required value missing');
    assert.equal(same({ A: 'a', L: [{ N: Number.NaN, B: true }] }, { A: 'a', L: [{ N: Number.NaN, B: true }] }), false, 'NaN');
    const date = new Date(0);
    assert.equal(same({ A: date, L: [] }, { A: date, L: [] }), false, 'an object where a string belongs');
    assert.equal(same({ A: 'a', L: 'no' }, { A: 'a', L: 'no' }), false, 'a string where an array belongs');
    assert.equal(same(null, null), false);
  });
});
