/**
 * The answers CTI and monitoring clients read, as those clients parse them: pollForStatus's StateData (a Home
 * Assistant integration looks for "Time of last call <local time>" and for "duration"), and sessionStats's Ref, which
 * two monitoring clients match with v1 callStatus's CallHandle (docs/fidelity.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Switchboard } from '../src/network/switchboard.js';
import { ManualClock } from '../src/phone/clock.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { assertOk, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

type Row = Record<string, string>;
interface Session {
  Ref: string;
  Streams: Row[];
}

const POLL = '/api/v1/mgmt/pollForStatus';
const V1 = '/api/v1/webCallControl/callStatus';
const STATS = '/api/v1/mgmt/media/sessionStats';
const DIAL = '/api/v1/callctrl/dial';

/** pollForStatus answers over HTTPS only. */
async function poll(p: TestPhone): Promise<Row> {
  return assertOk(await p.get(POLL, { secure: true }), POLL)['data'] as Row;
}

async function sessions(p: TestPhone): Promise<Session[]> {
  return assertOk(await p.get(STATS), STATS)['data'] as unknown as Session[];
}

/** v1 callStatus's CallHandle (read raw: the documented shape is the device dialect's, the manual's names LineID). */
async function v1Handle(p: TestPhone): Promise<string> {
  const a = (await (await p.raw(V1)).json()) as { Status: string; data: Row };
  assert.equal(a.Status, '2000');
  return a.data['CallHandle'] ?? '';
}

/** What the Home Assistant integration makes of an idle StateData: the local time after the phrase, or nothing. */
function lastCallTime(stateData: string): string | undefined {
  if (!stateData.includes('Time of last call')) return undefined;
  const text = stateData.split('Time of last call ').at(-1)?.trim() ?? '';
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text) ? text : undefined;
}

describe('pollForStatus StateData', () => {
  const clock = new ManualClock(Date.UTC(2025, 7, 3, 8, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let p: TestPhone;
  before(async () => {
    sb.scripts.set('5557', { behaviour: 'answer', answerAfterMs: 1000 });
    // Two hours east of GMT: StateData carries the phone's local time, as callStatus does.
    p = await testPhone({ switchboard: sb, clock, number: '1001', set: { 'device.sntp.gmtOffset': '7200' } });
  });
  after(() => p.stop());

  it('idle before any call has ended: Idle with nothing to tell', async () => {
    assert.deepEqual(await poll(p), { State: 'Idle', StateData: '' });
  });

  it('during a call: "Active call duration" and the time the call has lasted', async () => {
    assertOk(await p.post(DIAL, { data: { Dest: '5557' } }), DIAL);
    clock.advance(1000);
    clock.advance(5 * 60_000 + 12_000);
    const during = await poll(p);
    assert.deepEqual(during, { State: 'Active', StateData: 'Active call duration 00:05:12' });
    assert.ok(during['StateData']?.toLowerCase().includes('duration'), 'a client looking for "duration" finds it');
    clock.advance(3600_000);
    assert.equal((await poll(p))['StateData'], 'Active call duration 01:05:12');
  });

  it('idle after a call: "Time of last call" and the local time it ended', async () => {
    p.phone.calls.endAll();
    const idle = await poll(p);
    assert.deepEqual(idle, { State: 'Idle', StateData: 'Time of last call 2025-08-03T11:05:13' });
    assert.equal(lastCallTime(idle['StateData'] ?? ''), '2025-08-03T11:05:13', 'parsed as the integration parses it');
  });
});

describe('sessionStats Ref is the v1 CallHandle', () => {
  const clock = new ManualClock(Date.UTC(2026, 1, 2, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  const phones: TestPhone[] = [];
  before(() => {
    sb.scripts.set('5557', { behaviour: 'answer' });
    sb.scripts.set('5558', { behaviour: 'answer' });
  });
  after(async () => {
    for (const p of phones) await p.stop();
  });

  /** A phone with one call connected and a second held behind it, as clients meet two sessions. */
  async function twoCalls(dialect: 'device' | 'manual', number: string): Promise<TestPhone> {
    const p = await testPhone({ switchboard: sb, clock, number, dialect });
    phones.push(p);
    assertOk(await p.post(DIAL, { data: { Dest: '5557' } }), DIAL);
    clock.advance(2000);
    assertOk(await p.post(DIAL, { data: { Dest: '5558' } }), DIAL);
    clock.advance(2000);
    return p;
  }

  it('device dialect: the 0x handle of callStatus finds its session, whose audio stream has a 0x reference of its own', async () => {
    const p = await twoCalls('device', '2001');
    const handle = await v1Handle(p);
    assert.match(handle, /^0x[0-9a-f]{8}$/);
    const all = await sessions(p);
    assert.equal(all.length, 2, 'one session a connected call');
    // As AVISPL's PolycomTrio and TPx's itest-automation select the session of the call they watch.
    const mine = all.filter((s) => s.Ref === handle);
    assert.equal(mine.length, 1, `${handle} among ${all.map((s) => s.Ref).join(', ')}`);
    const stream = mine[0]?.Streams.find((s) => s['Category'] === '0:Voice');
    assert.match(stream?.['Ref'] ?? '', /^0x[0-9a-f]{8}$/);
    assert.notEqual(stream?.['Ref'], handle, "the stream's reference is its own");
    assert.deepEqual(
      all.map((s) => s.Ref).sort(),
      p.phone.calls
        .all()
        .map((c) => `0x${c.handle}`)
        .sort(),
    );
  });

  it('manual dialect: the bare handle of callStatus finds its session', async () => {
    const p = await twoCalls('manual', '2002');
    const handle = await v1Handle(p);
    assert.match(handle, /^[0-9a-f]{8}$/);
    assert.equal((await sessions(p)).filter((s) => s.Ref === handle).length, 1);
  });
});
