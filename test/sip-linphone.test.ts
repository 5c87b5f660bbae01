/**
 * A second real softphone as the far end: Debian's linphone (linphonec, headless) and polysim phones register to
 * Kamailio and call each other through it: linphone calls polysim and the reverse with RTP both ways, hold from
 * either side, linphone hangs up and is hung up on, linphone transfers polysim (REFER) to a second polysim phone
 * and to a number that does not exist (the call stays, held, and resumes), and instant messages (SIP MESSAGE) go
 * both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertOk, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { startLinphone } from './linphone.js';
import type { Linphone } from './linphone.js';
import { needs } from './peers.js';

type Row = Record<string, string>;
const STATUS = '/api/v2/webCallControl/callStatus';
const STATS = '/api/v1/mgmt/media/sessionStats';

async function calls(p: TestPhone): Promise<Row[]> {
  return (assertOk(await p.get(STATUS), STATUS)['data'] as Row[]) ?? [];
}

async function callIn(p: TestPhone, state: string, ms = 8000): Promise<Row> {
  let found: Row | undefined;
  await waitFor(async () => {
    found = (await calls(p)).find((c) => c['CallState'] === state);
    return found !== undefined;
  }, ms);
  return found as Row;
}

async function post(p: TestPhone, path: string, data: unknown): Promise<void> {
  assertOk(await p.post(path, { data }), path);
}

/** RTP packets the phone's first call has received and sent. */
async function rtp(p: TestPhone): Promise<{ received: number; sent: number }> {
  const stats = assertOk(await p.get(STATS), STATS)['data'] as { Streams: Row[] }[];
  const stream = stats[0]?.Streams[0];
  return { received: Number(stream?.['PacketsReceived'] ?? 0), sent: Number(stream?.['PacketsSent'] ?? 0) };
}

describe('linphone (a real softphone) and polysim through Kamailio', { skip: needs('kamailio', 'linphonec') }, () => {
  let kamailio: Kamailio;
  let alice: TestPhone;
  let bob: TestPhone;
  let soft: Linphone;
  let at = '';
  before(async () => {
    // linphone's addresses name 127.0.0.1 without a port (test/linphone.ts): Kamailio answers for it at 5060 too
    kamailio = await startKamailio({ algorithm: 'MD5', domain: '127.0.0.1:5060' });
    at = `${kamailio.address}:${kamailio.port}`;
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    alice = await testPhone({
      number: '1001',
      sipPort: 0,
      registrar,
      sipPassword: 'secret-{number}',
      set: { 'reg.1.displayName': 'Alice' },
    });
    bob = await testPhone({ number: '1002', sipPort: 0, registrar, sipPassword: 'secret-{number}', set: { 'reg.1.displayName': 'Bob' } });
    soft = await startLinphone({ user: '2001', registrar: at, password: 'secret-2001' });
    await waitFor(() => alice.phone.lines.get(1).registered && bob.phone.lines.get(1).registered, 8000);
  });
  after(async () => {
    await soft?.stop();
    await alice?.stop();
    await bob?.stop();
    await kamailio?.stop();
  });

  it('linphone calls polysim: it rings, polysim answers, RTP flows both ways, linphone hangs up', async () => {
    const from = soft.lines.length;
    const log = soft.logMark();
    soft.command(`call sip:1001@${at}`);
    const ringing = await callIn(alice, 'Offering');
    assert.equal(ringing['RemotePartyNumber'], '2001');
    await soft.waitLine(/^Call \d+ to .* ringing\./, 8000, from);
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await soft.waitLine(/^Media streams established with .* for call \d+ \(audio\)/, 8000, from);
    await callIn(alice, 'Connected');
    // linphone's tone reaches polysim, and polysim sends its own
    await waitFor(async () => {
      const { received, sent } = await rtp(alice);
      return received > 20 && sent > 20;
    }, 8000);
    soft.command('terminate');
    await soft.waitLine(/^Call \d+ with .* ended/, 8000, from);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
    // and polysim's RTP reached linphone: the count it logs when the call's stream ends
    const [, count] = await soft.waitLog(/ortp-message-received\s+(\d+) packets/, 8000, log);
    assert.ok(Number(count) > 10, `linphone received ${count} RTP packets`);
  });

  it('polysim calls linphone; polysim holds and resumes, linphone holds and resumes; polysim hangs up', async () => {
    const from = soft.lines.length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await soft.waitLine(/^Receiving new incoming call from "Alice" <sip:1001@.*>, assigned id \d+/, 8000, from);
    soft.command('answer');
    const connected = await callIn(alice, 'Connected');
    await soft.waitLine(/^Media streams established/, 8000, from);
    let mark = soft.lines.length;
    await post(alice, '/api/v1/callctrl/holdCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Hold');
    await soft.waitLine(/^Call \d+ has been paused by /, 8000, mark);
    mark = soft.lines.length;
    await post(alice, '/api/v1/callctrl/resumeCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Connected');
    await soft.waitLine(/^Media streams established/, 8000, mark);
    mark = soft.lines.length;
    soft.command('pause');
    await soft.waitLine(/^Call \d+ with .* is now paused\./, 8000, mark);
    // the far end holds the call: it shows Held
    await callIn(alice, 'Held');
    mark = soft.lines.length;
    soft.command('resume');
    await soft.waitLine(/^Media streams established/, 8000, mark);
    await callIn(alice, 'Connected');
    await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
    await soft.waitLine(/^Call \d+ with .* ended/, 8000, from);
  });

  /** linphone calls Alice, she answers; its call is up. */
  async function linphoneCallsAlice(): Promise<number> {
    const from = soft.lines.length;
    soft.command(`call sip:1001@${at}`);
    const ringing = await callIn(alice, 'Offering');
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await soft.waitLine(/^Media streams established/, 8000, from);
    return from;
  }

  it('linphone transfers polysim to another polysim phone: held until the target answers, NOTIFY 200, linphone leaves', async () => {
    const from = await linphoneCallsAlice();
    soft.command(`transfer sip:1002@${at}`);
    // Alice keeps the original call on hold while she calls Bob
    const toBob = await callIn(bob, 'Offering');
    const held = (await calls(alice)).find((c) => c['RemotePartyNumber'] === '2001');
    assert.equal(held?.['CallState'], 'Hold', JSON.stringify(await calls(alice)));
    await soft.waitLine(/^Call \d+ has been paused by /, 8000, from);
    await post(bob, '/api/v1/callctrl/answerCall', { Ref: toBob['CallHandle'] });
    // the final NOTIFY (sipfrag 200) tells linphone the transfer worked: it hangs up itself
    await soft.waitLine(/^The distant endpoint .* of call \d+ has been transfered/, 8000, from);
    await soft.waitLine(/^Call \d+ with .* ended/, 8000, from);
    await waitFor(async () => {
      const now = await calls(alice);
      return now.length === 1 && now[0]?.['RemotePartyNumber'] === '1002' && now[0]?.['CallState'] === 'Connected';
    }, 8000);
    const [withBob] = await calls(alice);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: withBob?.['CallHandle'] });
    await waitFor(async () => (await calls(bob)).length === 0, 8000);
  });

  it('linphone transfers polysim to a number that does not exist (404): the call stays with polysim, held, and resumes', async () => {
    const from = await linphoneCallsAlice();
    const log = soft.logMark();
    soft.command(`transfer sip:1999@${at}`);
    // Kamailio answers 404; the final NOTIFY (sipfrag 404) reaches linphone: its transfer failed (it prints no line
    // for that, it logs it). linphone may answer the NOTIFY 491 while its hold re-INVITE's ACK is on its way, and the
    // phone sends it again up to three times after 0 to 2 s each (RFC 3261 14.1): the wait allows for all of them.
    // The first NOTIFY (sipfrag 100 Trying) may be answered 491 the same way; it is not sent again (a final one
    // follows), and linphone then goes to its error state from OutgoingInit, never having seen progress.
    await soft.waitLog(
      /Transfer state for CallSession \S+ changed from \[LinphoneCallOutgoing(?:Init|Progress)\] to \[LinphoneCallError\]/,
      15_000,
      log,
    );
    await soft.waitLine(/^Call \d+ has been paused by /, 8000, from);
    const [held, ...others] = await calls(alice);
    assert.deepEqual([held?.['RemotePartyNumber'], held?.['CallState'], others.length], ['2001', 'Hold', 0], JSON.stringify(held));
    const mark = soft.lines.length;
    await post(alice, '/api/v1/callctrl/resumeCall', { Ref: held?.['CallHandle'] });
    await callIn(alice, 'Connected');
    await soft.waitLine(/^Media streams established/, 8000, mark);
    soft.command('terminate');
    await soft.waitLine(/^Call \d+ with .* ended/, 8000, mark);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
  });

  it('SIP MESSAGE both ways: polysim to linphone (it prints it), linphone to polysim (kept in the inbox)', async () => {
    const from = soft.lines.length;
    // what the control API's POST /phones/{index}/lines/{line}/messages does
    assert.deepEqual(await alice.ua?.sendMessage(1, '2001', 'hello from polysim'), { status: 200, reason: 'Ok' });
    await soft.waitLine(/^Message received from sip:1001@127\.0\.0\.1: hello from polysim$/, 8000, from);
    // linphone's chat: the text is the rest of the line
    soft.command(`chat sip:1001@${at} hello from linphone`);
    await waitFor(() => alice.phone.messages.all().some((m) => m.direction === 'in'), 8000);
    const got = alice.phone.messages.all().filter((m) => m.direction === 'in');
    assert.deepEqual(
      got.map((m) => [m.line, m.peer, m.text, m.read]),
      [[1, 'sip:2001@127.0.0.1', 'hello from linphone', false]],
    );
    assert.equal(alice.phone.messages.unread, 1);
  });
});
