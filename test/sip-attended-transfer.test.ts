/**
 * Attended transfer (REFER with Replaces, RFC 3891, RFC 5589) against real softphones, polysim in each role:
 * Debian's linphone (linphonec, whose `transfer <call> --to-call <call>` is an attended transfer: baresip 1.0.0's
 * command interface has blind transfer only) transfers polysim to another polysim phone, which takes the Replaces,
 * and to baresip, which has no Replaces (1.0.0 neither says nor does it: the INVITE rings as a new call); polysim
 * transfers linphone to baresip, and another polysim phone to linphone, which takes the Replaces. After each, what
 * the phones show (callStatus, sipStatus) and what their user agents keep (SIP dialogs, RTP sessions) agree: no
 * dialog or media outlives its call, on polysim's side or the peers'. The transferor learns the outcome from the
 * NOTIFYs: linphone prints that its far end was transferred, a polysim transferor leaves at once (not after its
 * 32 s fallback).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startBaresip } from './baresip.js';
import type { Baresip } from './baresip.js';
import { assertOk, callStates, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { startLinphone } from './linphone.js';
import type { Linphone } from './linphone.js';
import { needs } from './peers.js';

type Row = Record<string, string>;
const SIP_STATUS = '/api/v1/webCallControl/sipStatus';
const CALL_STATUS = '/api/v2/webCallControl/callStatus';

async function post(p: TestPhone, path: string, data: unknown): Promise<void> {
  assertOk(await p.post(path, { data }), path);
}

/** Waits until the phone's calls, as "number:state" sorted, are `expected`. */
async function statesAre(p: TestPhone, expected: string[], ms = 8000): Promise<void> {
  let seen: string[] = [];
  await waitFor(async () => JSON.stringify((seen = (await callStates(p)).sort())) === JSON.stringify(expected), ms).catch(() =>
    assert.deepEqual(seen, expected),
  );
}

async function handle(p: TestPhone, number: string): Promise<string> {
  const rows = (assertOk(await p.get(CALL_STATUS), CALL_STATUS)['data'] as Row[]) ?? [];
  const row = rows.find((r) => r['RemotePartyNumber'] === number);
  assert.ok(row, `a call with ${number}: ${JSON.stringify(rows)}`);
  return row['CallHandle'] as string;
}

/**
 * What the phone and its user agent keep agree: sipStatus lists as live (not Disconnected) exactly the calls of
 * callStatus, each has its SIP dialog, and the user agent keeps no other dialog (not terminated) but, for a call that
 * took another's place by Replaces, the replacing dialog's Call-ID (`replaced`: how many such).
 */
async function noGhosts(p: TestPhone, replaced = 0): Promise<void> {
  const live = p.phone.calls.all().map((c) => c.callId);
  const users = (assertOk(await p.get(SIP_STATUS), SIP_STATUS)['data'] as { User: { Calls: Row[] }[] }).User;
  const listed = users.flatMap((u) => u.Calls.filter((c) => c['CallState'] !== 'Disconnected').map((c) => c['CallID']));
  assert.deepEqual(listed.sort(), [...live].sort(), 'sipStatus lists the live calls');
  const dialogs = (p.ua?.dialogs() ?? []).filter((v) => v.state !== 'terminated').flatMap((v) => v.callIds);
  for (const id of live) assert.ok(dialogs.includes(id), `call ${id} has its dialog: ${JSON.stringify(dialogs)}`);
  const others = dialogs.filter((id) => !live.includes(id));
  assert.ok(others.length <= (live.length > 0 ? replaced : 0), `dialogs without a call: ${JSON.stringify({ live, dialogs })}`);
}

describe('attended transfer with linphone and baresip through Kamailio', { skip: needs('kamailio', 'linphonec', 'baresip') }, () => {
  let kamailio: Kamailio;
  let alice: TestPhone; // 1001
  let bob: TestPhone; // 1002
  let soft: Linphone; // 2001: takes Replaces
  let plain: Baresip; // 2002: no Replaces
  let at = '';
  before(async () => {
    // linphone's addresses name 127.0.0.1 without a port (test/linphone.ts): Kamailio answers for it at 5060 too
    kamailio = await startKamailio({ algorithm: 'MD5', domain: '127.0.0.1:5060' });
    at = `${kamailio.address}:${kamailio.port}`;
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    const common = { sipPort: 0, registrar, sipPassword: 'secret-{number}' };
    [alice, bob, soft, plain] = await Promise.all([
      testPhone({ ...common, number: '1001', set: { 'reg.1.displayName': 'Alice' } }),
      testPhone({ ...common, number: '1002', set: { 'reg.1.displayName': 'Bob' } }),
      startLinphone({ user: '2001', registrar: at, password: 'secret-2001' }),
      startBaresip({ user: '2002', registrar: at, password: 'secret-2002' }),
    ]);
    await waitFor(() => alice.phone.lines.get(1).registered && bob.phone.lines.get(1).registered, 8000);
    // the transferor's screen: an attended (consultative) transfer
    await post(alice, '/api/v1/mgmt/transferType/set', { Type: 'Consultative' });
  });
  // whatever a test left (when it failed half-way), the next starts from nothing
  afterEach(async () => {
    for (const p of [alice, bob])
      for (const c of p.phone.calls.all()) await p.post('/api/v1/callctrl/endCall', { data: { Ref: c.handle } }).catch(() => undefined);
    soft.command('terminate all');
    for (let n = 0; n < 3; n++) await plain.command('hangup').catch(() => undefined);
    await waitFor(async () => (await soft.calls()).length === 0 && (await plain.command('listcalls')).includes('Active calls (0)'), 8000);
    await waitFor(() => alice.phone.calls.all().length === 0 && bob.phone.calls.all().length === 0, 8000);
  });
  after(async () => {
    await soft?.stop();
    await plain?.stop();
    await alice?.stop();
    await bob?.stop();
    await kamailio?.stop();
  });

  /** linphone calls the phone, which answers; linphone's id of the call. */
  async function linphoneCalls(p: TestPhone, number: string): Promise<number> {
    const from = soft.lines.length;
    soft.command(`call sip:${number}@${at}`);
    const id = Number(/assigned id (\d+)/.exec(await soft.waitLine(/^Establishing call id to .*, assigned id \d+/, 8000, from))?.[1]);
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'), 8000);
    await post(p, '/api/v1/callctrl/answerCall', {});
    await soft.waitLine(new RegExp(`^Media streams established with .* for call ${id} `), 8000, from);
    return id;
  }

  /** The transferor's screen: Transfer, the target's number, Select (the consultation call goes out). */
  async function consult(p: TestPhone, dest: string): Promise<void> {
    await post(p, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Transfer' });
    await post(p, '/api/v1/mgmt/simulateTextInput', { Value: dest });
    await post(p, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Select' });
  }

  it('linphone transfers polysim (attended) to another polysim phone, which takes the Replaces: no dialog or media is left over', async () => {
    const first = await linphoneCalls(alice, '1001');
    let mark = soft.lines.length;
    soft.command('pause');
    await soft.waitLine(new RegExp(`^Call ${first} with .* is now paused`), 8000, mark);
    await statesAre(alice, ['2001:Held']);
    const second = await linphoneCalls(bob, '1002');
    const consultation = await handle(bob, '2001');
    mark = soft.lines.length;
    soft.command(`transfer ${first} --to-call ${second}`);
    await soft.waitLine(new RegExp(`^Performing attended transfer of call ${first} to call ${second}`), 8000, mark);
    // Bob's call stays (its far end replaced: Alice); its dialog with linphone ends with his BYE
    await statesAre(bob, ['1001:Connected']);
    assert.equal(await handle(bob, '1001'), consultation, 'the consultation call goes on with a new far end');
    await soft.waitLine(new RegExp(`^Call ${second} with .* ended`), 8000, mark);
    // Alice's NOTIFY with the new call's 200 tells linphone it worked; linphone hangs up, the call ends as transferred
    await soft.waitLine(new RegExp(`^The distant endpoint .* of call ${first} has been transfered`), 8000, mark);
    await soft.waitLine(new RegExp(`^Call ${first} with .* ended`), 8000, mark);
    await statesAre(alice, ['1002:Connected']);
    assert.equal(alice.phone.calls.recentlyEnded().at(-1)?.endReason, 'transferred');
    assert.deepEqual(await soft.calls(), []);
    await noGhosts(alice);
    await noGhosts(bob, 1);
    // two RTP sessions in the process, Alice's and Bob's ends of their call, and media flows on it
    assert.equal(alice.ua?.rtpSessions, 2);
    const [aliceCall] = alice.phone.calls.all();
    const received = (): number => alice.phone.network.media?.(aliceCall?.callId ?? '')?.packetsReceived ?? 0;
    const before = received();
    await waitFor(() => received() > before + 10, 8000);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: aliceCall?.handle });
    await statesAre(bob, []);
    await noGhosts(alice);
    await noGhosts(bob);
    await waitFor(() => alice.ua?.rtpSessions === 0, 8000);
  });

  it('linphone transfers polysim (attended) to baresip, which has no Replaces: a new call rings, NOTIFY 200, nothing is left on polysim', async () => {
    const first = await linphoneCalls(alice, '1001');
    let mark = soft.lines.length;
    soft.command('pause');
    await soft.waitLine(new RegExp(`^Call ${first} with .* is now paused`), 8000, mark);
    const from = plain.events.length;
    soft.command(`call sip:2002@${at}`);
    const second = Number(/assigned id (\d+)/.exec(await soft.waitLine(/^Establishing call id .*, assigned id \d+/, 8000, mark))?.[1]);
    await plain.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await plain.command('accept');
    await soft.waitLine(new RegExp(`^Media streams established with .* for call ${second} `), 8000, mark);
    mark = soft.lines.length;
    const ringing = plain.events.length;
    soft.command(`transfer ${first} --to-call ${second}`);
    // Alice holds linphone's call and calls baresip, which rings: its INVITE's Replaces means nothing to baresip
    const incoming = await plain.waitEvent('CALL_INCOMING', undefined, 8000, ringing);
    assert.match(String(incoming.peeruri), /^sip:1001@/);
    await statesAre(alice, ['2001:Hold', '2002:RingBack']);
    await plain.command('accept'); // baresip holds linphone's call and takes Alice's
    await soft.waitLine(new RegExp(`^The distant endpoint .* of call ${first} has been transfered`), 8000, mark);
    await soft.waitLine(new RegExp(`^Call ${first} with .* ended`), 8000, mark);
    await statesAre(alice, ['2002:Connected']);
    await noGhosts(alice);
    assert.equal(alice.ua?.rtpSessions, 1, "Alice's call with baresip");
    // linphone keeps its consultation with baresip: ending it, when the target did not, is the transferor's part
    // (liblinphone 5.1 leaves it to its user), not the transferee's
    assert.deepEqual(
      (await soft.calls()).map((c) => c.id),
      [second],
    );
    const closed = plain.events.length;
    await post(alice, '/api/v1/callctrl/endCall', { Ref: await handle(alice, '2002') });
    const bye = await plain.waitEvent('CALL_CLOSED', undefined, 8000, closed);
    assert.match(String(bye.peeruri), /^sip:1001@/);
    await noGhosts(alice);
    await waitFor(() => alice.ua?.rtpSessions === 0, 8000);
  });

  it('polysim transfers linphone (attended) to baresip, which has no Replaces: polysim ends the consultation itself, nothing is left', async () => {
    await linphoneCalls(alice, '1001');
    let from = plain.events.length;
    await consult(alice, '2002');
    await plain.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await plain.command('accept');
    await statesAre(alice, ['2001:Hold', '2002:Connected']);
    const mark = soft.lines.length;
    from = plain.events.length;
    await post(alice, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Transfer' });
    // linphone (the transferee) calls baresip with Replaces; baresip rings: a second call
    const incoming = await plain.waitEvent('CALL_INCOMING', undefined, 8000, from);
    assert.match(String(incoming.peeruri), /^sip:2001@/);
    await plain.command('accept');
    // linphone's NOTIFY 200 ends Alice's part at once: BYE to linphone, and BYE on the consultation baresip kept
    await soft.waitLine(/^Call \d+ with sip:1001@.* ended/, 8000, mark);
    const bye = await plain.waitEvent('CALL_CLOSED', undefined, 8000, from);
    assert.match(String(bye.peeruri), /^sip:1001@/, 'the consultation ended, by Alice');
    await statesAre(alice, []);
    await noGhosts(alice);
    await waitFor(() => alice.ua?.rtpSessions === 0, 8000);
    // linphone and baresip talk
    const left = await soft.calls();
    assert.deepEqual(
      left.map((c) => [/sip:(\d+)/.exec(c.peer)?.[1], c.state]),
      [['2002', 'StreamsRunning']],
    );
    assert.match(await plain.command('listcalls'), /Active calls \(1\)/);
  });

  it('polysim transfers polysim (attended) to linphone, which takes the Replaces: linphone ends the consultation, nothing is left', async () => {
    await post(alice, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    await waitFor(() => bob.phone.calls.all().some((c) => c.state === 'Offering'), 8000);
    await post(bob, '/api/v1/callctrl/answerCall', {});
    await statesAre(alice, ['1002:Connected']);
    const mark = soft.lines.length;
    await consult(alice, '2001');
    const fromAlice = await soft.waitLine(/^Receiving new incoming call from "Alice" .*, assigned id \d+/, 8000, mark);
    const consultation = Number(/assigned id (\d+)/.exec(fromAlice)?.[1]);
    soft.command('answer');
    await statesAre(alice, ['1002:Hold', '2001:Connected']);
    await post(alice, '/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: 'Transfer' });
    // Bob calls linphone with Replaces: linphone takes it in place of Alice's call, which it ends
    const fromBob = await soft.waitLine(/^Receiving new incoming call from "Bob" .*, assigned id \d+/, 8000, mark);
    const transferred = Number(/assigned id (\d+)/.exec(fromBob)?.[1]);
    await soft.waitLine(new RegExp(`^Call ${consultation} with "Alice" .* ended`), 8000, mark);
    await soft.waitLine(new RegExp(`^Call ${transferred} with "Bob" .* connected`), 8000, mark);
    // Bob's NOTIFY 200 ends Alice's part at once (before the 4 s after which Bob, the transferee, would end it)
    await statesAre(alice, [], 3000);
    await statesAre(bob, ['2001:Connected']);
    await noGhosts(alice);
    await noGhosts(bob);
    assert.equal(alice.ua?.rtpSessions, 1, "Bob's call with linphone");
    assert.deepEqual(
      (await soft.calls()).map((c) => [c.id, c.state]),
      [[transferred, 'StreamsRunning']],
    );
    await post(bob, '/api/v1/callctrl/endCall', { Ref: await handle(bob, '2001') });
    await soft.waitLine(new RegExp(`^Call ${transferred} with "Bob" .* ended`), 8000, mark);
    await noGhosts(bob);
    await waitFor(() => alice.ua?.rtpSessions === 0, 8000);
  });
});
