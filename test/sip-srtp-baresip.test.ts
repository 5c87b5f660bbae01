/**
 * SRTP with SDES keys against a real softphone: Debian's baresip (its srtp module, libre's SDES) and polysim
 * register to Kamailio and call each other with sec.srtp.* set as a Poly phone is. Both ways the media is SRTP and
 * each side decodes the other's: polysim counts packets that authenticated (none dropped) and says SRTPCall True in
 * sessionStats; baresip plays polysim's tone (its decoder only gets what libsrtp authenticated). Also: the 32-bit
 * tag suite, the plain stream of polysim's offer taken by a baresip without SRTP, and 488 when SRTP is required and
 * the far end offers none.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startBaresip } from './baresip.js';
import type { Baresip } from './baresip.js';
import { assertOk, testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { startKamailio } from './kamailio.js';
import type { Kamailio } from './kamailio.js';
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

/**
 * Whether baresip receives polysim's audio since `mark` (an offset into its output): its status line shows a
 * received bit rate, which it counts after its SRTP module has authenticated and decrypted each packet, and it
 * logged no RTP packet that failed to decrypt.
 */
async function baresipReceives(soft: Baresip, mark: number): Promise<void> {
  await waitFor(() => /audio=\d+\/[1-9]\d* \(bit\/s\)/.test(soft.output().slice(mark)), 8000);
  assert.doesNotMatch(soft.output().slice(mark), /failed to decrypt RTP/);
}

/** Media flowed both ways, decoded: polysim's authenticated packets and SRTPCall, baresip's received audio. */
async function securedBothWays(p: TestPhone, soft: Baresip, suite: string, mark: number): Promise<void> {
  await waitFor(() => rtpStats(p).packetsReceived > 25, 8000);
  const s = rtpStats(p);
  assert.equal(s.secure, true);
  assert.equal(s.srtpSuite, suite);
  // every RTP packet of baresip's authenticated: none missing from the sequence (what SRTP drops is baresip's plain
  // RTCP, its APP "PING" as the call starts and its BYE as it ends, which are no SRTCP)
  assert.equal(s.packetsLost, 0, JSON.stringify(s));
  const session = (assertOk(await p.get(STATS), STATS)['data'] as Row[])[0];
  assert.equal(session?.['SRTPCall'], 'True');
  await baresipReceives(soft, mark);
}

describe('SRTP (SDES) with baresip through Kamailio', { skip: needs('kamailio', 'baresip'), timeout: 120_000 }, () => {
  let kamailio: Kamailio;
  let alice: TestPhone;
  let secure: Baresip;
  let plain: Baresip;
  let target: string;
  before(async () => {
    kamailio = await startKamailio({ algorithm: 'MD5' });
    const registrar = { address: kamailio.address, port: kamailio.port, transport: 'UDPOnly' as const };
    target = `${kamailio.address}:${kamailio.port}`;
    alice = await testPhone({ number: '1001', sipPort: 0, registrar, sipPassword: 'secret-{number}' });
    await waitFor(() => alice.phone.lines.get(1).registered, 8000);
    secure = await startBaresip({ user: '2001', registrar: target, password: 'secret-2001', mediaenc: 'srtp-mand' });
    plain = await startBaresip({ user: '2002', registrar: target, password: 'secret-2002' });
  });
  // a test that failed half-way leaves no call behind for the next one
  afterEach(async () => {
    for (const c of await calls(alice)) await alice.post('/api/v1/callctrl/endCall', { data: { Ref: c['CallHandle'] } });
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
  });
  after(async () => {
    await secure?.stop();
    await plain?.stop();
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

  it('baresip (RTP/SAVP) calls polysim, which requires SRTP: answered with its key, media decrypted both ways', async () => {
    srtp({ 'sec.srtp.require': '1' });
    const from = secure.events.length;
    const mark = secure.output().length;
    await secure.command('dial', `sip:1001@${target}`);
    const ringing = await callIn(alice, 'Offering');
    await post(alice, '/api/v1/callctrl/answerCall', { Ref: ringing['CallHandle'] });
    await secure.waitEvent('CALL_ESTABLISHED', undefined, 8000, from);
    await securedBothWays(alice, secure, 'AES_CM_128_HMAC_SHA1_80', mark);
    await secure.command('hangup');
    await secure.waitEvent('CALL_CLOSED', undefined, 8000, from);
    await waitFor(async () => (await calls(alice)).length === 0, 8000);
  });

  it('polysim offers SRTP beside plain RTP (sec.srtp.offer): baresip takes the secure stream; a hold keeps the keys', async () => {
    srtp({ 'sec.srtp.offer': '1' });
    const from = secure.events.length;
    const mark = secure.output().length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await secure.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await secure.command('accept');
    const connected = await callIn(alice, 'Connected');
    await securedBothWays(alice, secure, 'AES_CM_128_HMAC_SHA1_80', mark);
    // hold and resume: re-INVITEs that keep the keys; the media goes on authenticating (none dropped by SRTP). A
    // packet or two baresip sent while the call was held may be missing from the sequence: a gap, not a failure.
    await post(alice, '/api/v1/callctrl/holdCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Hold');
    await post(alice, '/api/v1/callctrl/resumeCall', { Ref: connected['CallHandle'] });
    await callIn(alice, 'Connected');
    const before = rtpStats(alice).packetsReceived;
    await waitFor(() => rtpStats(alice).packetsReceived > before + 25, 8000);
    assert.equal(rtpStats(alice).srtpDropped, 0);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
    await secure.waitEvent('CALL_CLOSED', undefined, 8000, from);
  });

  it('the 32-bit tag suite (sec.srtp.offer.HMAC_SHA1_32 alone) is negotiated and works both ways', async () => {
    srtp({ 'sec.srtp.require': '1', 'sec.srtp.offer.HMAC_SHA1_80': '0', 'sec.srtp.offer.HMAC_SHA1_32': '1' });
    const from = secure.events.length;
    const mark = secure.output().length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2001', Line: 1 });
    await secure.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await secure.command('accept');
    const connected = await callIn(alice, 'Connected');
    await securedBothWays(alice, secure, 'AES_CM_128_HMAC_SHA1_32', mark);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
    await secure.waitEvent('CALL_CLOSED', undefined, 8000, from);
  });

  it('a baresip without SRTP takes the plain stream of the offer; with SRTP required, its plain offer gets 488', async () => {
    srtp({ 'sec.srtp.offer': '1' });
    let from = plain.events.length;
    const mark = plain.output().length;
    await post(alice, '/api/v1/callctrl/dial', { Dest: '2002', Line: 1 });
    await plain.waitEvent('CALL_INCOMING', undefined, 8000, from);
    await plain.command('accept');
    const connected = await callIn(alice, 'Connected');
    await waitFor(() => rtpStats(alice).packetsReceived > 25, 8000);
    assert.equal(rtpStats(alice).secure, false);
    assert.equal((assertOk(await alice.get(STATS), STATS)['data'] as Row[])[0]?.['SRTPCall'], 'False');
    await baresipReceives(plain, mark);
    await post(alice, '/api/v1/callctrl/endCall', { Ref: connected['CallHandle'] });
    await plain.waitEvent('CALL_CLOSED', undefined, 8000, from);

    srtp({ 'sec.srtp.require': '1' });
    from = plain.events.length;
    await plain.command('dial', `sip:1001@${target}`);
    const closed = await plain.waitEvent('CALL_CLOSED', undefined, 8000, from);
    assert.match(String(closed.param), /488/);
    assert.deepEqual(await calls(alice), []);
  });
});
