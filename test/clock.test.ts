/**
 * The fleet clock, moved as a user moves it: through the control API, the SDK and `polysim clock`. Uptime, call
 * durations, call logs and no-answer timeouts follow it; a stopped clock stays where it is; bad values are refused
 * and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { polysimClock } from '@polysim/client';
import { parseFleetFile } from '../src/runtime/fleet-file.js';
import type { Fleet } from '../src/runtime/fleet.js';
import type { ControlApp } from '../src/control/app.js';
import { MovableClock } from '../src/phone/movable-clock.js';
import { ManualClock } from '../src/phone/clock.js';
import { cli, listenControl, PASSWORD, testFleet, waitFor } from './helpers.js';

const START = Date.UTC(2027, 0, 4, 9, 0, 0);
const auth = { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` };

/** The `data` of a phone's answer, which must be 200 and Status 2000. */
function assertOk(a: { status: number; body: Record<string, unknown> }, what: string): Record<string, unknown> {
  assert.equal(a.status, 200, `${what}: ${JSON.stringify(a.body)}`);
  assert.equal(a.body['Status'], '2000', what);
  return a.body['data'] as Record<string, unknown>;
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...auth, ...(init.headers as object) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the fleet clock, moved through the control API', () => {
  let fleet: Fleet;
  let control: ControlApp;
  let url: string;
  before(async () => {
    // stopped: it moves only when the test moves it
    fleet = await testFleet({ count: 2, firstNumber: 3001, clockSpeed: 0, clockStart: START, timing: { initMs: 0 } });
    await Promise.all(
      fleet.phones.map((r) => (r.phone.isReady ? undefined : new Promise<void>((ok) => r.phone.once('ready', () => ok())))),
    );
    ({ control, url } = await listenControl(fleet));
  });
  after(async () => {
    await control.close();
    await fleet.stop();
  });

  const phoneUrl = (i: number): string => (fleet.phones[i] as Fleet['phones'][number]).httpUrl;

  it('reads its time and speed; a stopped clock stays where it is', async () => {
    assert.ok(fleet.clock instanceof MovableClock);
    const first = await json(`${url}/clock`);
    assert.deepEqual(first, { status: 200, body: { now: new Date(START).toISOString(), epochMs: START, speed: 0 } });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await json(`${url}/clock`)).body['epochMs'], START);
  });

  it('a jump moves uptime, a call and its log entry, and rings a call out to its no-answer timeout', async () => {
    const uptime = async (): Promise<Record<string, string>> =>
      (assertOk(await json(`${phoneUrl(0)}/api/v2/mgmt/device/info`), 'device/info')['UpTime'] as Record<string, string>) ?? {};
    const before = await uptime();
    // a call from phone 1 to phone 2, answered, then an hour and a half later ended
    assertOk(
      await json(`${phoneUrl(0)}/api/v1/callctrl/dial`, { method: 'POST', body: JSON.stringify({ data: { Dest: '3002' } }) }),
      'dial',
    );
    const ringing = await json(`${phoneUrl(1)}/api/v2/webCallControl/callStatus`);
    const ref = ((assertOk(ringing, 'callStatus') as unknown as Record<string, string>[])[0] ?? {})['CallHandle'];
    assertOk(
      await json(`${phoneUrl(1)}/api/v1/callctrl/answerCall`, { method: 'POST', body: JSON.stringify({ data: { Ref: ref } }) }),
      'answer',
    );
    const moved = await json(`${url}/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 90 * 60_000 }) });
    assert.deepEqual(moved.body, { now: '2027-01-04T10:30:00.000Z', epochMs: START + 90 * 60_000, speed: 0 });
    const after = await uptime();
    assert.equal(Number(after['Hours']) * 60 + Number(after['Minutes']) - (Number(before['Hours']) * 60 + Number(before['Minutes'])), 90);
    assertOk(await json(`${phoneUrl(1)}/api/v1/callctrl/endCall`, { method: 'POST', body: JSON.stringify({ data: { Ref: ref } }) }), 'end');
    const logs = assertOk(await json(`${phoneUrl(1)}/api/v1/mgmt/callLogs`), 'callLogs') as Record<string, Record<string, string>[]>;
    assert.deepEqual(logs['Received']?.[0], {
      LineNumber: '1',
      StartTime: '2027-01-04T09:00:00',
      RemotePartyName: '3001',
      RemotePartyNumber: '3001',
      Duration: '1 hours 30 mins 0 secs',
    });

    // an unanswered call rings until the no-answer timeout of the fleet clock, not of real time
    assertOk(
      await json(`${phoneUrl(0)}/api/v1/callctrl/dial`, { method: 'POST', body: JSON.stringify({ data: { Dest: '3002' } }) }),
      'dial',
    );
    await waitFor(() => fleet.phones[1]?.phone.calls.all().length === 1);
    await json(`${url}/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 10 * 60_000 }) });
    assert.equal(fleet.phones[1]?.phone.calls.all().length, 0, 'no longer ringing');
    assert.equal(fleet.phones[1]?.phone.callLog().filter((r) => r.kind === 'missed').length, 1);
  });

  it('runs at a speed from now on, without a jump', async () => {
    const at = fleet.clock.now();
    const set = await json(`${url}/clock`, { method: 'PUT', body: JSON.stringify({ speed: 3600 }) });
    assert.equal(set.status, 200);
    assert.equal(set.body['speed'], 3600);
    assert.ok((set.body['epochMs'] as number) - at < 3600 * 1000, 'no jump: less than a real second of fast time');
    const t0 = Date.now();
    const c0 = fleet.clock.now();
    await new Promise((r) => setTimeout(r, 40));
    const c1 = fleet.clock.now();
    const t1 = Date.now();
    assert.ok(c1 - c0 >= 3600 * 35 && c1 - c0 <= 3600 * (t1 - t0 + 1), `${c1 - c0} ms of clock in ${t1 - t0} real ms`);
    assert.equal((await json(`${url}/clock`, { method: 'PUT', body: JSON.stringify({ speed: 0 }) })).body['speed'], 0);
  });

  it('refuses what is not a speed or a jump (400), and keeps its time', async () => {
    const at = fleet.clock.now();
    for (const body of [{ speed: -1 }, { speed: 'fast' }, { speed: 1e9 }, {}])
      assert.equal((await json(`${url}/clock`, { method: 'PUT', body: JSON.stringify(body) })).status, 400, JSON.stringify(body));
    for (const body of [{ ms: -1 }, { ms: 1.5 }, { ms: 1e15 }, { seconds: 1 }])
      assert.equal((await json(`${url}/clock/advance`, { method: 'POST', body: JSON.stringify(body) })).status, 400, JSON.stringify(body));
    assert.equal(fleet.clock.now(), at);
  });

  it('the SDK and `polysim clock` read and move it', async () => {
    const clock = polysimClock(url);
    const was = (await clock.read()).epochMs;
    assert.equal((await clock.advance(1000)).epochMs, was + 1000);
    const run = cli(['clock', '--control', url, '--advance', '2h', '--json']);
    assert.equal(await run.code, 0, run.stderr());
    assert.equal((JSON.parse(run.stdout()) as { epochMs: number }).epochMs, was + 1000 + 7_200_000);
    const text = cli(['clock', '--control', url, '--speed', '0']);
    assert.equal(await text.code, 0, text.stderr());
    assert.match(text.stdout(), /^2027-01-04T\S+Z {2}speed 0x \(stopped\)\n$/);
    const bad = cli(['clock', '--control', url, '--advance', '2 weeks']);
    assert.equal(await bad.code, 2);
    const gone = cli(['clock', '--control', 'http://127.0.0.1:9', '--json']);
    assert.equal(await gone.code, 3);
    assert.match(gone.stderr(), /no answer/);
  });
});

describe('the fleet clock in a fleet file', () => {
  it('takes a speed and a start; refuses a start that is no date', () => {
    const plan = parseFleetFile('f.yaml', 'clock: { speed: 60, start: "2027-01-04T09:00:00Z" }\nphones: [{}]\n');
    assert.equal(plan.clockSpeed, 60);
    assert.equal(plan.clockStart, START);
    assert.throws(() => parseFleetFile('f.yaml', 'clock: { start: "2027-13-45T99:00:00Z" }\nphones: [{}]\n'), /clock\.start/);
    assert.throws(() => parseFleetFile('f.yaml', 'clock: { speed: -2 }\nphones: [{}]\n'), /clock\.speed/);
  });
});

describe('a fleet that powers on over a spread', () => {
  it('phone i comes up at its random moment of the spread, in fleet order, on the fleet clock', async () => {
    const clock = new ManualClock(START);
    const draws = [0.9, 0.1, 0.5, 0.3];
    const starting = testFleet({
      count: 4,
      firstNumber: 5001,
      clock,
      bootSpreadMs: 10_000,
      random: () => draws.shift() ?? 0,
      timing: { initMs: 0 },
    });
    let fleet: Fleet | undefined;
    void starting.then((f) => (fleet = f));
    // nothing is up before its moment: move the clock a second at a time until the last phone started
    for (let s = 0; s < 20 && !fleet; s++) {
      await new Promise((r) => setTimeout(r, 50));
      clock.advance(1000);
    }
    await starting;
    try {
      const bootedAt = (fleet as Fleet).phones.map((r) => clock.now() - r.phone.uptimeMs() - START);
      assert.deepEqual(bootedAt, [1000, 3000, 5000, 9000]);
    } finally {
      await fleet?.stop();
    }
  });

  it('refuses a spread past an hour', async () => {
    await assert.rejects(testFleet({ count: 1, firstNumber: 5101, bootSpreadMs: 3_600_001 }), /--boot-spread/);
  });
});
