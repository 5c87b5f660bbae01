import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { assertOk, assertStatus, PASSWORD, testPhone } from './helpers.js';

const exec = promisify(execFile);
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const STATUS2 = '/api/v2/webCallControl/callStatus';
type Row = Record<string, string>;

async function calls(p: TestPhone, query = ''): Promise<Row[]> {
  return assertOk(await p.get(`${STATUS2}${query}`), STATUS2)['data'] as Row[];
}

/** pollForStatus answers over HTTPS only; the phone's certificate is self-signed. */
async function pollHttps(p: TestPhone): Promise<unknown> {
  const { stdout } = await exec('curl', ['-sk', '-u', `Polycom:${PASSWORD}`, `${p.httpsUrl}/api/v1/mgmt/pollForStatus`]);
  return JSON.parse(stdout);
}

async function ok(p: TestPhone, path: string, data?: unknown): Promise<void> {
  assertOk(await p.post(path, data === undefined ? undefined : { data }), path);
}

describe('calls between phones of one switchboard', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;
  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001', set: { 'reg.1.displayName': 'Alice' } });
    b = await testPhone({ switchboard: sb, clock, number: '1002', set: { 'reg.1.displayName': 'Bob' } });
    c = await testPhone({ switchboard: sb, clock, number: '1003', set: { 'reg.1.displayName': 'Carol' } });
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await c.stop();
  });

  it('A calls B: B rings, answers; both sides see the call connected', async (t) => {
    if (lacks(t, 'curl')) return;
    assertStatus(await a.get('/api/v1/webCallControl/callStatus'), '4007', 400);
    assert.deepEqual(await calls(a), []);
    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    const [out] = await calls(a);
    assert.equal(out?.['CallState'], 'RingBack');
    assert.equal(out?.['Type'], 'Outgoing');
    assert.equal(out?.['RemotePartyName'], 'Bob');
    const [inc] = await calls(b);
    assert.equal(inc?.['CallState'], 'Offering');
    assert.equal(inc?.['Ringing'], '1');
    assert.equal(inc?.['RemotePartyNumber'], '1001');
    assert.equal(inc?.['RemotePartyName'], 'Alice');
    const led = (await b.get('/api/v1/mgmt/ledStatus')).body['data'] as { Lines: Row[] };
    assert.deepEqual(led.Lines[0], { LineNumber: '1', Color: 'green', State: 'flashing' });
    await ok(b, '/api/v1/callctrl/answerCall', { Ref: inc?.['CallHandle'] });
    clock.advance(7000);
    const [aCall] = await calls(a);
    const [bCall] = await calls(b);
    assert.equal(aCall?.['CallState'], 'Connected');
    assert.equal(bCall?.['CallState'], 'Connected');
    assert.equal(aCall?.['Media Direction'], 'sendrecv');
    assert.equal(aCall?.['DurationSeconds'], '7');
    assert.equal(aCall?.['UIAppearanceIndex'], '1*');
    const v1 = assertOk(await a.get('/api/v1/webCallControl/callStatus'), '/api/v1/webCallControl/callStatus')['data'] as Row;
    assert.equal(v1['CallHandle'], `0x${String(aCall?.['CallHandle'])}`, 'v1 writes the handle with 0x, v2 without (as devices do)');
    assert.equal(v1['DurationInSeconds'], '7');
    assert.match(v1['RemotePartyNumber'] ?? '', /^sip:1002@127\.0\.0\.1$/);
    const poll = (await a.get('/api/v1/mgmt/pollForStatus')).http;
    assert.equal(poll, 404, 'pollForStatus is HTTPS only');
    const secure = await pollHttps(a);
    assert.deepEqual(secure, { data: { State: 'Active', StateData: 'Active call duration 00:00:07' }, Status: '2000' });
  });

  it('A holds: B sees remote hold; A resumes', async () => {
    await ok(a, '/api/v1/callctrl/holdCall');
    const [aCall] = await calls(a);
    const [bCall] = await calls(b);
    assert.equal(aCall?.['CallState'], 'Hold');
    assert.equal(aCall?.['Media Direction'], 'sendonly');
    assert.equal(bCall?.['CallState'], 'Held');
    assert.equal(bCall?.['Media Direction'], 'recvonly');
    assertStatus(await a.post('/api/v1/callctrl/mute', { data: { state: '1' } }), '4003', 400);
    await ok(a, '/api/v1/callctrl/resumeCall', { Ref: aCall?.['CallHandle'] });
    assert.equal((await calls(b))[0]?.['CallState'], 'Connected');
    assertStatus(await a.post('/api/v1/callctrl/resumeCall'), '4003', 400);
  });

  it('mute and DTMF', async () => {
    await ok(a, '/api/v1/callctrl/mute', { state: 1 });
    assertStatus(await a.post('/api/v1/callctrl/mute', { data: { state: '1' } }), '4003', 400);
    assert.equal((await calls(a))[0]?.['Muted'], '1');
    const led = (await a.get('/api/v1/mgmt/ledStatus')).body['data'] as { Mute: Row };
    assert.deepEqual(led.Mute, { Color: 'red', State: 'on' });
    await ok(a, '/api/v1/callctrl/mute', { state: '0' });
    assertStatus(await a.post('/api/v1/callctrl/mute', { data: { state: 'yes' } }), '4000', 400);
    await ok(a, '/api/v1/callctrl/sendDTMF', { Digits: '12#' });
    await ok(a, '/api/v1/callctrl/sendDTMF', { Digits: 4 });
    assert.equal(b.phone.calls.all()[0]?.dtmfReceived, '12#4');
    assertStatus(await a.post('/api/v1/callctrl/sendDTMF', { data: { Digits: '9x' } }), '4000', 400);
  });

  it('sessionStats grows with connected time; communicationInfo reports RxTx', async () => {
    const before = (
      assertOk(await a.get('/api/v1/mgmt/media/sessionStats'), '/api/v1/mgmt/media/sessionStats')['data'] as { Streams: Row[] }[]
    )[0]?.Streams[0];
    clock.advance(10_000);
    const later = ((await a.get('/api/v1/mgmt/media/sessionStats')).body['data'] as { Streams: Row[] }[])[0]?.Streams[0];
    assert.equal(Number(later?.['PacketsSent']) - Number(before?.['PacketsSent']), 500);
    assert.ok(Number(later?.['OctetsReceived']) > Number(before?.['OctetsReceived']));
    const ci = assertOk(await a.get('/api/v1/mgmt/media/communicationInfo'), '/api/v1/mgmt/media/communicationInfo')['data'] as Record<
      string,
      unknown
    >;
    assert.deepEqual(ci['CommunicationType'], ['RxTx']);
    const power = await testPhone({
      model: 'CCX 600',
      switchboard: sb,
      clock,
      number: '1009',
      set: { 'httpd.rest.auth.basic.enabled': '1' },
    });
    try {
      await ok(power, '/api/v1/callctrl/dial', { Dest: '1002' });
      assert.equal((await power.get('/api/v1/mgmt/powerStatus')).body['CurrentState'], 'PowerInCall');
      await ok(power, '/api/v1/callctrl/endCall', { Ref: power.phone.calls.all()[0]?.handle });
    } finally {
      await power.stop();
    }
    // B's second (missed) call is gone again.
    assert.equal((await calls(b)).length, 1);
  });

  it("A blind-transfers B to C: C rings with B as caller, A's call ends; C answers B", async () => {
    const [aCall] = await calls(a);
    await ok(a, '/api/v1/callctrl/transferCall', { Ref: aCall?.['CallHandle'], TransferDest: '1003' });
    assert.deepEqual(await calls(a), []);
    const [bCall] = await calls(b);
    assert.equal(bCall?.['RemotePartyNumber'], '1003');
    const [cCall] = await calls(c);
    assert.equal(cCall?.['CallState'], 'Offering');
    assert.equal(cCall?.['RemotePartyNumber'], '1002');
    await ok(c, '/api/v1/callctrl/answerCall');
    assert.equal((await calls(b))[0]?.['CallState'], 'Connected');
    const logs = assertOk(await a.get('/api/v1/mgmt/callLogs/placed'), '/api/v1/mgmt/callLogs/placed')['data'] as { Placed: Row[] };
    assert.equal(logs.Placed[0]?.['RemotePartyNumber'], '1002');
    assert.equal(logs.Placed[0]?.['Duration'], '17 secs');
  });

  it('a conference of three: C calls A, holds, calls... and joins', async () => {
    // B and C are connected. C holds B, calls A, A answers, C joins both.
    await ok(c, '/api/v1/callctrl/dial', { Dest: '1001' });
    assert.equal((await calls(c)).find((r) => r['RemotePartyNumber'] === '1002')?.['CallState'], 'Hold', 'dialling holds the active call');
    await ok(a, '/api/v1/callctrl/answerCall');
    await ok(c, '/api/v1/callctrl/joinCalls');
    const conf = await calls(c);
    assert.deepEqual(
      conf.map((r) => r['CallState']),
      ['Connected', 'Connected'],
    );
    assert.equal((await calls(b))[0]?.['CallState'], 'Connected', 'B is resumed into the conference');
    await ok(c, '/api/v1/callctrl/holdCall', { Ref: conf[0]?.['CallHandle'] });
    assert.deepEqual(
      (await calls(c)).map((r) => r['CallState']),
      ['Hold', 'Hold'],
      'holding a member holds the conference',
    );
    assert.equal((await calls(a))[0]?.['CallState'], 'Held');
    await ok(c, '/api/v1/callctrl/resumeCall');
    assert.deepEqual(
      (await calls(c)).map((r) => r['CallState']),
      ['Connected', 'Connected'],
    );
    await ok(b, '/api/v1/callctrl/endCall', { Ref: (await calls(b))[0]?.['CallHandle'] });
    const rest = await calls(c);
    assert.equal(rest.length, 1);
    assert.equal(rest[0]?.['RemotePartyNumber'], '1001');
    await ok(a, '/api/v1/callctrl/endCall', { Ref: a.phone.calls.all()[0]?.callId });
    assert.deepEqual(await calls(c), []);
    assert.deepEqual(await calls(a), []);
  });

  it('reject, ignore and missed calls land in the right call logs on both sides', async (t) => {
    if (lacks(t, 'curl')) return;
    await ok(a, '/api/v1/callctrl/dial', { Dest: 'sip:1002@127.0.0.1' });
    await ok(b, '/api/v1/callctrl/rejectCall');
    assert.deepEqual(await calls(a), []);
    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002' });
    await ok(b, '/api/v1/callctrl/ignoreCall');
    assert.equal((await calls(b))[0]?.['Ringing'], '0');
    assert.equal((await calls(b))[0]?.['CallState'], 'Offering');
    assertStatus(await b.post('/api/v1/callctrl/endCall', { data: { Ref: b.phone.calls.all()[0]?.handle } }), '4003', 400);
    await ok(a, '/api/v1/callctrl/endCall', { Ref: a.phone.calls.all()[0]?.handle });
    const logs = (await b.get('/api/v1/mgmt/callLogs')).body['data'] as Record<string, Row[]>;
    assert.deepEqual(
      logs['Missed']?.map((r) => r['RemotePartyNumber']),
      ['1001', '1001', '1009'],
      'newest first',
    );
    assert.equal(logs['Missed']?.[0]?.['RemotePartyName'], 'Alice');
    assert.equal(logs['Received']?.length, 1);
    const sip = (await b.post('/api/v1/webCallControl/sipStatus')).body['data'] as { User: { Calls: Row[] }[] };
    assert.ok(sip.User[0]?.Calls.some((x) => x['CallState'] === 'Disconnected'));
    clock.advance(41_000);
    const later = (await b.get('/api/v1/webCallControl/sipStatus')).body['data'] as { User: { Calls: Row[]; Events: Row[] }[] };
    assert.deepEqual(later.User[0]?.Calls, []);
    assert.equal(later.User[0]?.Events[0]?.['RegistrationState'], 'Registered');
    assert.deepEqual(await pollHttps(a), { data: { State: 'Idle', StateData: 'Time of last call 2026-11-25T09:00:17' }, Status: '2000' });
  });

  it('the input rules: 4002, 4005, 4007 and 4000', async () => {
    assertStatus(await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: 2 } }), '4002', 400);
    assertStatus(await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: 13 } }), '4005', 400);
    assertStatus(await a.post('/api/v1/callctrl/dial', { data: { Line: 1 } }), '4000', 400);
    assertStatus(await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Type: 'FAX' } }), '4000', 400);
    assertStatus(await a.post('/api/v1/callctrl/endCall', { data: {} }), '4000', 400);
    assertStatus(await a.post('/api/v1/callctrl/endCall', { data: { Ref: 'deadbeef' } }), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/answerCall'), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/holdCall'), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/joinCalls'), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/transferCall', { data: { Ref: 'deadbeef', TransferDest: '1003' } }), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/transferCall', { data: { Ref: 'deadbeef' } }), '4000', 400);
    assertStatus(await a.post('/api/v1/callctrl/mute', { data: { state: '1' } }), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/sendDTMF', { data: { Digits: '1' } }), '4007', 400);
    assertStatus(await a.post('/api/v1/callctrl/sendDTMF', {}), '4000', 400);
    assertStatus(await a.get(`${STATUS2}?sequence=1`), '4000', 400);
    assertStatus(await a.get(`${STATUS2}?handle=1&line=1`), '4000', 400);
    assertStatus(await a.get(`${STATUS2}?handle=abc`), '4007', 400);
    assert.deepEqual(await calls(a, '?line=1'), []);
  });
});

describe('every view of the phone agrees on its calls', () => {
  it('callStatus v1/v2, lineInfo, ledStatus, pollForStatus, callLogs and uixml tell the same story', async (t) => {
    if (lacks(t, 'curl')) return;
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const sb = new Switchboard(clock, randomIds);
    const a = await testPhone({ switchboard: sb, clock, number: '1001' });
    try {
      const views = async () => {
        const v1 = await a.get('/api/v1/webCallControl/callStatus');
        const v2 = (await a.get(STATUS2)).body['data'] as Row[];
        const line = ((await a.get('/api/v2/mgmt/lineInfo?line=1')).body['data'] as Record<string, unknown>[])[0] as Record<
          string,
          unknown
        >;
        const led = ((await a.get('/api/v1/mgmt/ledStatus')).body['data'] as { Lines: Row[]; Speaker: Row }).Lines[0];
        const poll = (await pollHttps(a)) as { data: Row };
        const ui = (await a.get('/api/v1/mgmt/uixml')).body['data'] as string;
        return { v1, v2, line, led, poll: poll.data, ui };
      };
      let v = await views();
      assert.equal(v.v1.body['Status'], '4007');
      assert.deepEqual(v.v2, []);
      assert.equal(v.line['Active'], 'False');
      assert.deepEqual(v.led, { LineNumber: '1', State: 'off' });
      assert.deepEqual(v.poll, { State: 'Idle', StateData: '' });
      assert.match(v.ui, /<Screen name="Idle">/);

      sb.scripts.set('5557', { behaviour: 'answer', answerAfterMs: 1000 });
      await a.post('/api/v1/callctrl/dial', { data: { Dest: '5557' } });
      clock.advance(1000);
      clock.advance(12_000);
      v = await views();
      const handle = v.v2[0]?.['CallHandle'];
      assert.equal((v.v1.body['data'] as Row)['CallHandle'], `0x${String(handle)}`);
      assert.equal(v.v2[0]?.['CallState'], 'Connected');
      assert.equal(v.line['Active'], 'True');
      assert.deepEqual(v.line['CallAppearances'], [handle]);
      assert.deepEqual(v.led, { LineNumber: '1', Color: 'green', State: 'active' });
      assert.deepEqual(v.poll, { State: 'Active', StateData: 'Active call duration 00:00:12' });
      assert.match(v.ui, new RegExp(`<Call handle="${handle}" line="1" state="Connected" remote="5557"`));

      await a.post('/api/v1/callctrl/holdCall');
      v = await views();
      assert.equal(v.v2[0]?.['CallState'], 'Hold');
      assert.deepEqual(v.led, { LineNumber: '1', Color: 'green', State: 'slowFlashing' });
      assert.match(v.ui, /<Screen name="HeldCall">/);

      await a.post('/api/v1/callctrl/endCall', { data: { Ref: handle } });
      v = await views();
      assert.deepEqual(v.v2, []);
      assert.equal(v.line['Active'], 'False');
      assert.deepEqual(v.led, { LineNumber: '1', State: 'off' });
      assert.deepEqual(v.poll, { State: 'Idle', StateData: 'Time of last call 2026-11-25T12:00:13' });
      const placed = ((await a.get('/api/v1/mgmt/callLogs')).body['data'] as { Placed: Row[] }).Placed[0];
      assert.deepEqual(placed, {
        LineNumber: '1',
        StartTime: '2026-11-25T12:00:00',
        RemotePartyName: '',
        RemotePartyNumber: '5557',
        Duration: '12 secs',
      });
    } finally {
      await a.stop();
    }
  });
});
