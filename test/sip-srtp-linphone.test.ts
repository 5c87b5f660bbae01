/**
 * SRTP with SDES keys against a second real softphone: Debian's linphone (linphonec; liblinphone 5.1 with libsrtp2,
 * `media_encryption=srtp` in its configuration, mandatory or optional) and polysim register to Kamailio and call each
 * other with sec.srtp.* set as a Poly phone is. Both ways the media is SRTP and each side decodes the other's:
 * polysim counts packets that authenticated (none dropped or missing) and says SRTPCall True in sessionStats;
 * linphone plays polysim's 400 Hz tone (what it records of its speaker: its decoder gets only what libsrtp
 * authenticated) and logs no packet that failed to unprotect. Also: both suites, a hold that keeps the keys, polysim's
 * offer of a secure and a plain stream (taken by linphone with SRTP mandatory, refused by linphone with SRTP optional),
 * and a plain offer to each.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { toneIn } from './baresip.js';
import { assertOk, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
import { startLinphone } from './linphone.js';
import type { Linphone } from './linphone.js';
import { needs } from './peers.js';
import type { RtpStats } from '../src/sip/rtp.js';

type Row = Record<string, string>;
const STATUS = '/api/v2/webCallControl/callStatus';
const STATS = '/api/v1/mgmt/media/sessionStats';

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

/** The SIP call's RTP counters (the one call of the phone). */
function rtpStats(p: TestPhone): RtpStats {
  const [call] = p.phone.calls.all();
  const stats = call ? (p.phone.network.media?.(call.callId) as RtpStats | undefined) : undefined;
  assert.ok(stats, 'a call with media');
  return stats;
}

/** polysim decodes linphone's media: SRTP with `suite`, every packet authenticated, SRTPCall True. */
async function polysimDecrypts(p: TestPhone, suite: string): Promise<void> {
  await waitFor(() => rtpStats(p).packetsReceived > 25, 8000);
  const s = rtpStats(p);
  assert.deepEqual([s.secure, s.srtpSuite, s.packetsLost, s.srtpDropped], [true, suite, 0, 0], JSON.stringify(s));
  const session = (assertOk(await p.get(STATS), STATS)['data'] as Row[])[0];
  assert.equal(session?.['SRTPCall'], 'True');
}

/**
 * linphone decoded polysim's media (checked once its call `id` ended, when its recording is whole): it played
 * polysim's tone, and logged (since `log`, a logMark) no SRTP or SRTCP packet that failed to unprotect.
 */
async function linphoneDecrypted(soft: Linphone, id: number, from: number, log: number): Promise<void> {
  await soft.waitLine(new RegExp(`^Call ${id} with .* ended`), 8000, from);
  const heard = toneIn(soft.heard(), 400, 0.5);
  assert.ok(heard.seconds > 0.5 && heard.share > 0.8, `linphone heard ${JSON.stringify(heard)}`);
  await assert.rejects(soft.waitLog(/srtp_unprotect\S*\(\) failed/, 0, log), 'no packet failed to unprotect');
}

describe('SRTP (SDES) with linphone through Kamailio', { skip: needs('kamailio', 'linphonec'), timeout: 120_000 }, () => {
  let kamailio: Kamailio;
  let alice: TestPhone;
  let mandatory: Linphone; // 2001: SRTP or nothing
  let optional: Linphone; // 2002: SRTP offered, plain taken
  let at = '';
  before(async () => {
    // linphone's addresses name 127.0.0.1 without a port (test/linphone.ts): Kamailio answers for it at 5060 too
    kamailio = await startKamailio({ algorithm: 'MD5', domain: '127.0.0.1:5060' });
    at = `${kamailio.address}:${kamailio.port}`;
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    [alice, mandatory, optional] = await Promise.all([
      testPhone({ number: '1001', sipPort: 0, registrar, sipPassword: 'secret-{number}', set: { 'reg.1.displayName': 'Alice' } }),
      startLinphone({ user: '2001', registrar: at, password: 'secret-2001', srtp: 'srtp-mandatory' }),
      startLinphone({ user: '2002', registrar: at, password: 'secret-2002', srtp: 'srtp' }),
    ]);
    await waitFor(() => alice.phone.lines.get(1).registered, 8000);
  });
  // a test that failed half-way leaves no call behind for the next one
  afterEach(async () => {
    for (const c of await calls(alice)) await alice.post('/api/v1/callctrl/endCall', { data: { Ref: c['CallHandle'] } });
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
    await waitFor(() => alice.ua?.rtpSessions === 0, 8000);
  });
  after(async () => {
    await mandatory?.stop();
    await optional?.stop();
    await alice?.stop();
    await kamailio?.stop();
  });

  const srtp = (set: Record<string, string>): void =>
    alice.phone.config.set('LOCAL', {
      'sec.srtp.enable': '1',
      'sec.srtp.offer': '0',
      'sec.srtp.require': '0',
      'sec.srtp.offer.HMAC_SHA1_80': '1',
      'sec.srtp.offer.HMAC_SHA1_32': '0',
      ...set,
    });

  /** polysim calls the softphone, which answers; its id of the call. */
  async function polysimCalls(soft: Linphone, number: string): Promise<{ id: number; handle: string }> {
    const from = soft.lines.length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: number, Line: 1 });
    const incoming = await soft.waitLine(/^Receiving new incoming call from "Alice" .*, assigned id \d+/, 8000, from);
    soft.command('answer');
    const connected = await callIn(alice, 'Connected');
    return { id: Number(/assigned id (\d+)/.exec(incoming)?.[1]), handle: connected['CallHandle'] as string };
  }

  it('linphone (SRTP mandatory) calls polysim, which requires SRTP: answered with its key, media decrypted both ways', async () => {
    srtp({ 'sec.srtp.require': '1' });
    const from = mandatory.lines.length;
    const log = mandatory.logMark();
    mandatory.command(`call sip:1001@${at}`);
    const id = Number(/assigned id (\d+)/.exec(await mandatory.waitLine(/^Establishing call id .*, assigned id \d+/, 8000, from))?.[1]);
    const ringing = await callIn(alice, 'Offering');
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await mandatory.waitLine(new RegExp(`^Media streams established with .* for call ${id} `), 8000, from);
    await polysimDecrypts(alice, 'AES_CM_128_HMAC_SHA1_80');
    // long enough a call for what linphone plays to be judged
    await waitFor(() => rtpStats(alice).packetsSent > 50, 8000);
    mandatory.command('terminate');
    await linphoneDecrypted(mandatory, id, from, log);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
  });

  it('polysim requiring SRTP calls linphone (SRTP optional): media decrypted both ways, in both suites; a hold keeps the keys', async () => {
    for (const [suite, set] of [
      ['AES_CM_128_HMAC_SHA1_80', {}],
      ['AES_CM_128_HMAC_SHA1_32', { 'sec.srtp.offer.HMAC_SHA1_80': '0', 'sec.srtp.offer.HMAC_SHA1_32': '1' }],
    ] as const) {
      srtp({ 'sec.srtp.require': '1', ...set });
      const from = optional.lines.length;
      const log = optional.logMark();
      const { id, handle } = await polysimCalls(optional, '2002');
      await polysimDecrypts(alice, suite);
      if (suite === 'AES_CM_128_HMAC_SHA1_80') {
        // hold and resume: re-INVITEs that keep the keys; the media goes on authenticating
        let mark = optional.lines.length;
        await post(alice, '/api/v1/callctrl/holdCall', { Ref: handle });
        await optional.waitLine(new RegExp(`^Call ${id} has been paused by `), 8000, mark);
        mark = optional.lines.length;
        await post(alice, '/api/v1/callctrl/resumeCall', { Ref: handle });
        await optional.waitLine(/^Media streams established/, 8000, mark);
        const before = rtpStats(alice).packetsReceived;
        await waitFor(() => rtpStats(alice).packetsReceived > before + 25, 8000);
        // every packet since authenticated (a sequence number linphone skips around its pause may count as lost)
        assert.equal(rtpStats(alice).srtpDropped, 0);
      }
      await waitFor(() => rtpStats(alice).packetsSent > 50, 8000);
      await post(alice, '/api/v1/callctrl/endCall', { Ref: handle });
      await linphoneDecrypted(optional, id, from, log);
    }
  });

  it('polysim offers SRTP beside plain RTP (sec.srtp.offer): linphone with SRTP mandatory takes the secure stream, with SRTP optional it refuses (488)', async () => {
    srtp({ 'sec.srtp.offer': '1' });
    const from = mandatory.lines.length;
    const log = mandatory.logMark();
    const { id, handle } = await polysimCalls(mandatory, '2001');
    await polysimDecrypts(alice, 'AES_CM_128_HMAC_SHA1_80');
    await waitFor(() => rtpStats(alice).packetsSent > 50, 8000);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: handle });
    await linphoneDecrypted(mandatory, id, from, log);
    // liblinphone 5.1 with SRTP optional declines the offer's first stream and finds nothing to answer with
    const mark = optional.logMark();
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2002', Line: 1 });
    await optional.waitLog(/SIP\/2\.0 488 Not acceptable here/, 8000, mark);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
    assert.deepEqual(alice.ua?.dialogs() ?? [], []);
  });

  it('a plain offer from polysim: linphone with SRTP optional takes it plain, with SRTP mandatory refuses it', async () => {
    srtp({});
    const { handle } = await polysimCalls(optional, '2002');
    await waitFor(() => rtpStats(alice).packetsReceived > 25, 8000);
    assert.equal(rtpStats(alice).secure, false);
    assert.equal((assertOk(await alice.get(STATS), STATS)['data'] as Row[])[0]?.['SRTPCall'], 'False');
    await post(alice, '/api/v1/callctrl/endCall', { Ref: handle });
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
    const mark = mandatory.logMark();
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await mandatory.waitLog(/SIP\/2\.0 488 Not acceptable here/, 8000, mark);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
    assert.deepEqual(alice.ua?.dialogs() ?? [], []);
  });
});
