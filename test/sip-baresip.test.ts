/**
 * A real softphone as the far end: Debian's baresip and polysim phones register to Kamailio (MD5 digest) and call
 * each other through it: baresip calls polysim and the reverse, hold from either side, baresip hangs up and is hung
 * up on, and baresip transfers polysim (REFER) to a second polysim phone, which polysim follows as a phone does, and
 * to targets that fail (404, 486), which polysim reports in its final NOTIFY. Instant messages (SIP MESSAGE) go both
 * ways.
 * A second baresip that has only G.722 (its spandsp codec) calls polysim and is called: both ends take G.722, RTP
 * flows both ways, and what baresip decodes of polysim's stream is polysim's 400 Hz tone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBaresip, toneIn } from './baresip.js';
import type { Baresip } from './baresip.js';
import { assertOk, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { needs } from './peers.js';

type Row = Record<string, string>;
const STATUS = '/api/v2/webCallControl/callStatus';

async function calls(p: TestPhone): Promise<Row[]> {
  return (assertOk(await p.get(STATUS), STATUS)['data'] as Row[]) ?? [];
}

async function callIn(p: TestPhone, state: string): Promise<Row> {
  let found: Row | undefined;
  await waitFor(async () => {
    found = (await calls(p)).find((c) => c['CallState'] === state);
    return found !== undefined;
  }, 8000);
  return found as Row;
}

async function post(p: TestPhone, path: string, data: unknown): Promise<void> {
  assertOk(await p.post(path, { data }), path);
}

async function audioStream(p: TestPhone): Promise<Row | undefined> {
  const path = '/api/v1/mgmt/media/sessionStats';
  const stats = assertOk(await p.get(path), path)['data'] as { Streams: Row[] }[];
  return stats[0]?.Streams[0];
}

describe('baresip (a real softphone) and polysim through Kamailio', { skip: needs('kamailio', 'baresip') }, () => {
  let kamailio: Kamailio;
  let alice: TestPhone;
  let bob: TestPhone;
  let soft: Baresip;
  let wide: Baresip;
  before(async () => {
    kamailio = await startKamailio({ algorithm: 'MD5' });
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    alice = await testPhone({
      number: '1001',
      sipPort: 0,
      registrar,
      sipPassword: 'secret-{number}',
      set: { 'reg.1.displayName': 'Alice' },
    });
    bob = await testPhone({ number: '1002', sipPort: 0, registrar, sipPassword: 'secret-{number}', set: { 'reg.1.displayName': 'Bob' } });
    await waitFor(() => alice.phone.lines.get(1).registered && bob.phone.lines.get(1).registered, 8000);
    soft = await startBaresip({
      user: '2001',
      registrar: `${kamailio.address}:${kamailio.port}`,
      password: 'secret-2001',
      // Alice, the one its `message` command writes to
      contacts: [`sip:1001@${kamailio.address}:${kamailio.port}`],
    });
    wide = await startBaresip({
      user: '2002',
      registrar: `${kamailio.address}:${kamailio.port}`,
      password: 'secret-2002',
      codecs: ['G722/16000/1'],
    });
  });
  after(async () => {
    await soft?.stop();
    await wide?.stop();
    await alice?.stop();
    await bob?.stop();
    await kamailio?.stop();
  });

  it('baresip calls polysim: it rings, polysim answers, media flows both ways, baresip hangs up', async () => {
    const from = soft.events.length;
    await soft.command('dial', `sip:1001@${kamailio.address}:${kamailio.port}`);
    const ringing = await callIn(alice, 'Offering');
    assert.equal(ringing['RemotePartyNumber'], '2001');
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await soft.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
    await callIn(alice, 'Connected');
    // RTP from baresip's sine tone reaches polysim, and polysim's reaches baresip.
    await waitFor(async () => {
      const stats = assertOk(await alice.get('/api/v1/mgmt/media/sessionStats'), '/api/v1/mgmt/media/sessionStats')['data'] as {
        Streams: Row[];
      }[];
      return Number(stats[0]?.Streams[0]?.['RxPackets'] ?? stats[0]?.Streams[0]?.['PacketsReceived'] ?? 0) > 10;
    }, 8000);
    await soft.command('hangup');
    await soft.waitEvent('CALL_CLOSED', undefined, 8000, from);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
  });

  it('polysim calls baresip; polysim holds and resumes, baresip holds and resumes; polysim hangs up', async () => {
    const from = soft.events.length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await soft.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await soft.command('accept');
    const connected = await callIn(alice, 'Connected');
    await post(alice, '/api/v1/callctrl/holdCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Hold');
    await post(alice, '/api/v1/callctrl/resumeCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Connected');
    await soft.command('hold');
    // The far end holds the call: it shows Held.
    await callIn(alice, 'Held');
    await soft.command('resume');
    await callIn(alice, 'Connected');
    await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
    await soft.waitEvent('CALL_CLOSED', undefined, 8000, from);
  });

  it('baresip transfers polysim to another polysim phone: the call is held until the target answers, then ends', async () => {
    const from = soft.events.length;
    await soft.command('dial', `sip:1001@${kamailio.address}:${kamailio.port}`);
    const ringing = await callIn(alice, 'Offering');
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await soft.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
    await soft.command('transfer', `sip:1002@${kamailio.address}:${kamailio.port}`);
    // Alice keeps the original call on hold while she calls Bob.
    const toBob = await callIn(bob, 'Offering');
    const held = (await calls(alice)).find((c) => c['RemotePartyNumber'] === '2001');
    assert.equal(held?.['CallState'], 'Hold', JSON.stringify(await calls(alice)));
    await post(bob, '/api/v1/callctrl/answerCall', { Ref: toBob['CallHandle'] });
    await soft.waitEvent('CALL_CLOSED', undefined, 10_000, from);
    await waitFor(async () => {
      const now = await calls(alice);
      return now.length === 1 && now[0]?.['RemotePartyNumber'] === '1002' && now[0]?.['CallState'] === 'Connected';
    }, 10_000);
    const [withBob] = await calls(alice);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: withBob?.['CallHandle'] });
    await waitFor(async () => (await calls(bob)).length === 0, 8000);
  });

  it('baresip transfers polysim to a target that fails (404 not found, 486 busy): the final NOTIFY says so, polysim does not hang up', async () => {
    // Bob is busy: one call a line, and he is in one (with the G.722 baresip)
    bob.phone.config.set('LOCAL', { 'call.callsPerLineKey': '1' });
    let from = wide.events.length;
    await wide.command('dial', `sip:1002@${kamailio.address}:${kamailio.port}`);
    await post(bob, '/api/v1/callctrl/answerCall', { Ref: (await callIn(bob, 'Offering'))['CallHandle'] });
    await wide.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
    try {
      for (const [target, outcome] of [
        ['1999', '404 Not Found'],
        ['1002', '486 Busy Here'],
      ] as const) {
        from = soft.events.length;
        await soft.command('dial', `sip:1001@${kamailio.address}:${kamailio.port}`);
        await post(alice, '/api/v1/callctrl/answerCall', { Ref: (await callIn(alice, 'Offering'))['CallHandle'] });
        await soft.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
        const [call] = alice.phone.calls.all();
        await soft.command('transfer', `sip:${target}@${kamailio.address}:${kamailio.port}`);
        // the final NOTIFY's sipfrag carries the target's answer, which baresip reports
        const failed = await soft.waitEvent('TRANSFER_FAILED', undefined, 8000, from);
        assert.equal(failed.param, outcome);
        // baresip 1.0.0 then hangs up itself (its ua.c frees a call whose transfer failed): the BYE is baresip's,
        // polysim kept the call until then; its placed call to the target is logged
        await waitFor(async () => (await calls(alice)).length === 0, 8000);
        const ended = alice.phone.calls.recentlyEnded().find((c) => c.callId === call?.callId);
        assert.equal(ended?.endReason, 'remote', `${outcome}: the call ended by baresip's BYE, not polysim's`);
        const placed = assertOk(await alice.get('/api/v1/mgmt/callLogs/placed'), '/api/v1/mgmt/callLogs/placed')['data'] as {
          Placed: Row[];
        };
        assert.equal(placed.Placed[0]?.['RemotePartyNumber'], target);
        assert.deepEqual(alice.ua?.dialogs() ?? [], [], `${outcome}: no dialog left`);
      }
    } finally {
      bob.phone.config.set('LOCAL', { 'call.callsPerLineKey': '24' });
      from = wide.events.length;
      await wide.command('hangup');
      await wide.waitEvent('CALL_CLOSED', undefined, 8000, from);
    }
  });

  it('SIP MESSAGE both ways with baresip: polysim to baresip (it shows it), baresip to polysim (kept in the inbox)', async () => {
    const mark = soft.output().length;
    // what the control API's POST /phones/{index}/lines/{line}/messages does
    assert.deepEqual(await alice.ua?.sendMessage(1, '2001', 'hello from polysim'), { status: 200, reason: 'OK' });
    await waitFor(() => soft.output().slice(mark).includes(`sip:1001@${kamailio.address}:${kamailio.port}: "hello from polysim"`), 8000);
    const before = alice.phone.messages.all().length;
    // baresip's `message` writes to its current contact, Alice
    await soft.command('message', 'hello from baresip');
    await waitFor(() => alice.phone.messages.all().length > before, 8000);
    const got = alice.phone.messages.all().filter((m) => m.direction === 'in');
    assert.deepEqual(
      got.map((m) => [m.line, m.peer.replace(/:\d+$/, ''), m.text, m.read]),
      [[1, 'sip:2001@127.0.0.1', 'hello from baresip', false]],
    );
    assert.equal(alice.phone.messages.unread, 1);
  });

  it("G.722 only: baresip calls polysim and polysim calls baresip; both take G.722 and hear the other's tone", async () => {
    const ways: [string, () => Promise<void>][] = [
      [
        'baresip calls',
        async () => {
          const from = wide.events.length;
          await wide.command('dial', `sip:1001@${kamailio.address}:${kamailio.port}`);
          const ringing = await callIn(alice, 'Offering');
          await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
          await wide.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
        },
      ],
      [
        'polysim calls',
        async () => {
          const from = wide.events.length;
          await post(alice, '/api/v1/callctrl/dial', { Dest: '2002', Line: 1 });
          await wide.waitEvent('CALL_INCOMING', undefined, 8000, from);
          await wide.command('accept');
          await wide.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
        },
      ],
    ];
    for (const [way, call] of ways) {
      const heardBefore = toneIn(wide.heard(), 400, 1).seconds;
      await call();
      const connected = await callIn(alice, 'Connected');
      // polysim: G.722 both ways, and baresip's packets counted
      await waitFor(async () => {
        const s = await audioStream(alice);
        return (
          s?.['RxCodec'] === '9:G.722' && s['TxCodec'] === '9:G.722' && Number(s['PacketsReceived']) > 25 && Number(s['PacketsSent']) > 25
        );
      }, 8000).catch(async () => assert.fail(`${way}: ${JSON.stringify(await audioStream(alice))}`));
      const s = (await audioStream(alice)) as Row;
      assert.equal(s['RxPayloadSize'], '160', `${way}: 20 ms of G.722 a packet`);
      // baresip decoded polysim's G.722 (spandsp) at 16 kHz: its speaker file holds the 400 Hz tone
      await waitFor(() => toneIn(wide.heard(), 400, 0.5).seconds > heardBefore + 0.6, 8000).catch(() =>
        assert.fail(`${way}: baresip heard ${JSON.stringify(toneIn(wide.heard(), 400, 0.5))}\n${wide.output().slice(-3000)}`),
      );
      const heard = toneIn(wide.heard(), 400, 0.5);
      assert.equal(heard.rate, 16000, `${way}: baresip decodes 16 kHz audio`);
      assert.ok(heard.share > 0.8, `${way}: ${JSON.stringify(heard)}`);
      const from = wide.events.length;
      await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
      await wide.waitEvent('CALL_CLOSED', undefined, 8000, from);
      await waitFor(async () => (await calls(alice)).length === 0, 8000);
    }
  });
});
