/**
 * Property-based tests (fast-check), seeded and bounded so that `npm test` stays fast; `npm run fuzz` runs the same
 * generators for 100,000+ cases (scripts/fuzz.ts, figures in docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDigest } from '../src/gate/auth/digest.js';
import { CfgError, parseCfg } from '../src/phone/config/cfg-xml.js';
import { parseSip, SipParseError, streamMessageLength } from '../src/sip/codec/message.js';
import { parsePush } from '../src/webapps/push.js';
import { sipMessage } from './fuzz/arbitraries.js';
import { newPushTally, pushCase, PushSender } from './fuzz/push.js';
import { controlCase, newControlTally, sendControl } from './fuzz/control.js';
import { httpCase, newTally, sendHttp, sendSip, sipMessages } from './fuzz/harness.js';
import { listenControl, testFleet, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

const SEED = 20261126;

describe('parsers under arbitrary input', () => {
  it('the SIP parser throws nothing but SipParseError, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          sipMessage(5060),
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
        ),
        fc.boolean(),
        (buf, datagram) => {
          try {
            parseSip(buf, datagram);
          } catch (err) {
            if (!(err instanceof SipParseError)) throw err;
          }
          const n = streamMessageLength(buf);
          assert.ok(n === undefined || (Number.isInteger(n) && n >= 0));
        },
      ),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('the Digest header parser never throws', () => {
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => `Digest ${s}`),
      fc
        .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { maxLength: 8 })
        .map((kv) => `Digest ${kv.map(([k, v]) => `${k}="${v}"`).join(', ')}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        const p = parseDigest(h);
        assert.ok(p === undefined || typeof p === 'object');
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('the configuration file parser throws nothing but CfgError', () => {
    const xml = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.nat(300), fc.string({ maxLength: 30 })).map(([d, s]) => `${'<a>'.repeat(d)}${s}${'</a>'.repeat(d)}`),
      fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9.]{0,20}$/), fc.string({ maxLength: 20 })).map(
        (attrs) =>
          `<PHONE_CONFIG><ALL ${Object.entries(attrs)
            .map(([k, v]) => `${k}="${v.replace(/[<&"]/g, '')}"`)
            .join(' ')}/></PHONE_CONFIG>`,
      ),
    );
    fc.assert(
      fc.property(xml, (x) => {
        try {
          parseCfg(x);
        } catch (err) {
          if (!(err instanceof CfgError)) throw err;
        }
      }),
      { numRuns: 1000, seed: SEED },
    );
  });
});

describe('the push document parser under arbitrary input', () => {
  it('returns a push or nothing, whatever the text', () => {
    fc.assert(
      fc.property(pushCase(), (c) => {
        const r = parsePush(c.body.toString('latin1'));
        assert.ok(r === undefined || (['data', 'url'].includes(r.kind) && typeof r.content === 'string'));
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});

describe('a phone under generated pushes', () => {
  it("answers every push with one of the push server's statuses, and goes on", async () => {
    const p = await testPhone({
      set: {
        'apps.push.username': 'Push',
        'apps.push.password': 'Fuzz-push-1',
        'apps.push.messageType': '5',
        'httpd.cfg.lockWebUI.enable': '0',
      },
    });
    try {
      const t = newPushTally();
      const sender = new PushSender(p.httpUrl, 'Push', 'Fuzz-push-1');
      for (const c of fc.sample(pushCase(), { numRuns: 300, seed: SEED })) {
        await sender.send(c, t);
        p.phone.calls.endAll();
      }
      assert.deepEqual(t.unexpected, []);
      assert.ok((t.byStatus['200'] ?? 0) > 30 && (t.byStatus['400'] ?? 0) > 30, JSON.stringify(t.byStatus));
      assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
    } finally {
      await p.stop();
    }
  });
});

describe('a phone under generated requests', () => {
  let p: TestPhone;
  before(async () => {
    p = await testPhone({
      sipPort: 0,
      set: { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '0', 'httpd.cfg.lockWebUI.enable': '0' },
    });
  });
  after(() => p.stop());

  it('every operation, inputs drawn from its schema: answers within the envelope, no 5500', async () => {
    const t = newTally();
    await fc.assert(
      fc.asyncProperty(httpCase(), async (c) => {
        await sendHttp(p.httpUrl, p.auth, c, t);
      }),
      { numRuns: 400, seed: SEED },
    );
    assert.deepEqual(t.outsideEnvelope, []);
    assert.deepEqual(t.unexpected5xx, []);
    assert.ok((t.byStatus['2000'] ?? 0) > 40, `some requests succeed: ${JSON.stringify(t.byStatus)}`);
    assert.ok((t.byStatus['4000'] ?? 0) > 10, `some are refused as invalid: ${JSON.stringify(t.byStatus)}`);
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
  });

  it("SIP messages, valid, bent and garbage: only the NOTIFY rules' answers, and the phone goes on", async () => {
    const t = newTally();
    await sendSip(p.sip?.port ?? 0, sipMessages(p.sip?.port ?? 0, 1500, SEED), t);
    assert.deepEqual(t.badSip, []);
    assert.ok((t.byStatus['SIP 200'] ?? 0) > 50, JSON.stringify(t.byStatus));
    assert.ok((t.byStatus['SIP 400'] ?? 0) > 100, JSON.stringify(t.byStatus));
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
  });
});

describe('the control port under generated requests', () => {
  it('every documented path, right and wrong: no 500, no request left unanswered, and the phones answer after', async () => {
    const fleet = await testFleet({ count: 2, firstNumber: 3201, timing: { initMs: 0 } });
    const { control, url } = await listenControl(fleet);
    try {
      const t = newControlTally();
      for (const c of fc.sample(controlCase(2), { numRuns: 400, seed: SEED })) await sendControl(url, c, t);
      assert.deepEqual(t.failed, []);
      assert.ok((t.byStatus['200'] ?? 0) > 40 && (t.byStatus['404'] ?? 0) > 10, JSON.stringify(t.byStatus));
      for (const r of fleet.phones)
        assert.equal((await fetch(`${url}/phones/${fleet.phones.indexOf(r) + 1}/api/v2/mgmt/device/info`)).status, 200);
    } finally {
      await control.close();
      await fleet.stop();
    }
  });
});
