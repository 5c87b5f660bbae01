/**
 * SDES (RFC 4568) negotiation between two calls' media on loopback: what a=crypto lines are taken, the offer a Poly
 * phone makes (RTP/SAVP beside RTP/AVP, or RTP/SAVP alone when required), answers under the offer's tag with a key
 * of one's own, tags matched on the way back, keys kept by re-INVITEs, and SRTP media both ways with every packet
 * authenticated; a packet with a bad tag from the far end is dropped and counted.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { CallMedia } from './call-media.js';
import type { MediaEnv } from './call-media.js';
import { MediaEngine } from './media-engine.js';
import { RtpSession } from './rtp.js';
import type { SessionHost } from './rtp.js';
import { isProblem, readSdp } from './sdp.js';
import { CallKeys, newMasterKey, readCrypto, srtpPolicy } from './sdes.js';
import type { SrtpPolicy } from './sdes.js';
import { SrtpContext } from './srtp.js';

const KEY = 'WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ';

function policy(p: Partial<Parameters<typeof srtpPolicy>[0]> = {}): SrtpPolicy {
  return srtpPolicy({ enable: true, offer: false, require: false, offer80: true, offer32: false, requireMatchingTag: true, ...p });
}

function media(srtp: SrtpPolicy, engine?: MediaEngine): CallMedia {
  const env: MediaEnv = { media: engine, localAddress: '127.0.0.1', codecs: [0, 8], dtmf: { payload: 101 }, srtp };
  return new CallMedia(env, () => undefined);
}

const lines = (sdp: Buffer, prefix: string): string[] =>
  sdp
    .toString()
    .split('\r\n')
    .filter((l) => l.startsWith(prefix));

/** An m= line with its port, when not 0, as P. */
const port = (l: string): string =>
  l
    .split(' ')
    .map((t, i) => (i === 1 && t !== '0' ? 'P' : t))
    .join(' ');

/** One offer/answer between two media: the offerer's first offer, the answerer's reading and answer. */
function negotiate(a: CallMedia, b: CallMedia): { offer: Buffer; answer: Buffer } {
  const offer = a.sdp('sendrecv', true);
  const read = b.read(offer);
  assert.ok(!isProblem(read), JSON.stringify(read));
  b.accept(read);
  const answer = b.sdp('sendrecv');
  assert.equal(a.apply(answer, true), undefined);
  return { offer, answer };
}

describe('a=crypto lines', () => {
  it('are read with their key when usable, and without one when not', () => {
    const ok = readCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4 WSH=64`);
    assert.equal(ok?.tag, 1);
    assert.equal(ok?.key?.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(ok?.key?.keySalt.length, 30);
    assert.equal(ok?.key?.mkiLength, 4);
    for (const unusable of [
      `2 AES_256_CM_HMAC_SHA1_80 inline:${KEY}`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY};inline:${KEY}`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY.slice(4)}`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY} UNENCRYPTED_SRTP`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY} KDR=10`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|1:0`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|x`,
      `2 AES_CM_128_HMAC_SHA1_80 inline:!!${KEY.slice(2)}`,
      `2 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key`,
    ]) {
      const c = readCrypto(unusable);
      assert.equal(c?.tag, 2, unusable);
      assert.equal(c?.key, undefined, unusable);
    }
    for (const broken of [
      '',
      'x AES_CM_128_HMAC_SHA1_80 inline:a',
      '1234567890 AES_CM_128_HMAC_SHA1_80 inline:a',
      '1 AES_CM_128_HMAC_SHA1_80',
    ])
      assert.equal(readCrypto(broken), undefined, broken);
  });

  it('sec.srtp.* make the policy the administrator guide describes', () => {
    assert.deepEqual(policy(), { mode: 'optional', offer: false, suites: ['AES_CM_128_HMAC_SHA1_80'], requireMatchingTag: true });
    assert.equal(policy({ enable: false }).mode, 'off');
    assert.deepEqual([policy({ require: true }).mode, policy({ require: true }).offer], ['required', true]);
    assert.deepEqual(policy({ offer32: true }).suites, ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);
    assert.deepEqual(policy({ offer80: false }).suites, ['AES_CM_128_HMAC_SHA1_80']);
  });
});

describe('SDES offers and answers', () => {
  it('sec.srtp.offer: RTP/SAVP with a fresh key a suite, then the same stream plain; required: RTP/SAVP alone', () => {
    const a = media(policy({ offer: true, offer32: true }));
    const offer = a.sdp('sendrecv', true);
    assert.deepEqual(lines(offer, 'm=').map(port), ['m=audio P RTP/SAVP 0 8 101', 'm=audio P RTP/AVP 0 8 101']);
    const crypto = lines(offer, 'a=crypto:');
    assert.deepEqual(
      crypto.map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['a=crypto:1 AES_CM_128_HMAC_SHA1_80', 'a=crypto:2 AES_CM_128_HMAC_SHA1_32'],
    );
    assert.equal(new Set(crypto.map((l) => l.split('inline:')[1])).size, 2, 'a key a line');
    assert.deepEqual(lines(a.sdp('sendrecv', true), 'a=crypto:'), crypto, 'the same keys for the whole call');
    assert.notDeepEqual(lines(media(policy({ offer: true, offer32: true })).sdp('sendrecv', true), 'a=crypto:'), crypto, 'fresh per call');
    const required = media(policy({ require: true })).sdp('sendrecv', true);
    assert.deepEqual(
      lines(required, 'm=').map((l) => l.split(' ')[2]),
      ['RTP/SAVP'],
    );
    assert.deepEqual(lines(media(policy()).sdp('sendrecv', true), 'm=').length, 1, 'no SRTP offered by default');
  });

  it('the answerer takes the secure stream when it can, the plain one otherwise; both ends agree', () => {
    const a = media(policy({ offer: true }));
    const b = media(policy());
    const { answer } = negotiate(a, b);
    assert.deepEqual(lines(answer, 'm=').map(port), ['m=audio P RTP/SAVP 0 101', 'm=audio 0 RTP/AVP 0 8 101']);
    assert.match(lines(answer, 'a=crypto:')[0] ?? '', /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
    assert.ok(a.secure && b.secure);

    const c = media(policy({ offer: true }));
    const off = media(policy({ enable: false }));
    const plain = negotiate(c, off).answer;
    assert.deepEqual(lines(plain, 'm=').map(port), ['m=audio 0 RTP/SAVP 0 8 101', 'm=audio P RTP/AVP 0 101']);
    assert.deepEqual(lines(plain, 'a=crypto:'), []);
    assert.ok(!c.secure && !off.secure);
  });

  it('an answer must name a tag we offered with its suite, unless sec.srtp.requireMatchingTag=0', () => {
    const answerWith = (strict: boolean, line: string): boolean => {
      const a = media(policy({ offer: true, requireMatchingTag: strict }));
      a.sdp('sendrecv', true);
      const answer = `v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:${line}\r\nm=audio 0 RTP/AVP 0\r\n`;
      return a.apply(Buffer.from(answer), true) === undefined && a.secure;
    };
    assert.equal(answerWith(true, `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`), true);
    assert.equal(answerWith(true, `9 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`), false);
    assert.equal(answerWith(true, `1 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`), false);
    assert.equal(answerWith(false, `9 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`), true);
    assert.equal(answerWith(false, `9 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`), false);
  });

  it('a re-INVITE keeps the streams, the tag and the keys (and so the SRTP contexts); a new key makes new ones', () => {
    const keys = new CallKeys(policy({ offer: true }));
    const offered = keys.lines();
    const theirs = `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${newMasterKey('AES_CM_128_HMAC_SHA1_80').keySalt.toString('base64')}`;
    const crypto = (l: string) => {
      const c = readCrypto(l.slice('a=crypto:'.length));
      assert.ok(c);
      return c;
    };
    assert.equal(keys.takeAnswer([crypto(theirs)]), undefined);
    const pair = keys.pair;
    assert.deepEqual(keys.lines(), [offered[0]], 'the re-offer: our line in use');
    assert.equal(keys.takeAnswer([crypto(theirs)]), undefined);
    assert.equal(keys.pair?.tx, pair?.tx);
    assert.equal(keys.pair?.rx, pair?.rx);
    const rekeyed = `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${newMasterKey('AES_CM_128_HMAC_SHA1_80').keySalt.toString('base64')}`;
    assert.equal(keys.takeAnswer([crypto(rekeyed)]), undefined);
    assert.equal(keys.pair?.tx, pair?.tx, 'our key stays');
    assert.notEqual(keys.pair?.rx, pair?.rx, 'theirs changed');

    const a = media(policy({ offer: true }));
    const b = media(policy());
    negotiate(a, b);
    const reOffer = a.sdp('sendonly');
    assert.deepEqual(
      lines(reOffer, 'm=').map(port),
      ['m=audio P RTP/SAVP 0 101', 'm=audio 0 RTP/AVP 0 8 101'],
      'as many m= lines as before (RFC 3264 8)',
    );
    const first = b.sdp('sendrecv');
    const read = b.read(reOffer);
    assert.ok(!isProblem(read));
    b.accept(read);
    assert.deepEqual(lines(b.sdp('recvonly'), 'a=crypto:'), lines(first, 'a=crypto:'), 'the answerer keeps its key too');
  });

  it('what a policy refuses, readSdp says with the right Warning', () => {
    const sdp = (m: string, extra = ''): string => `v=0\r\nc=IN IP4 127.0.0.1\r\n${m}\r\n${extra}`;
    const savp = sdp('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}\r\n`);
    const problem = (text: string, mode: 'off' | 'optional' | 'required'): string => {
      const d = readSdp(text, mode);
      return isProblem(d) ? `${d.status} ${d.warning} ${d.text}` : `ok ${d?.proto}`;
    };
    assert.equal(problem(savp, 'off'), '488 302 incompatible transport protocol');
    assert.equal(problem(savp, 'optional'), 'ok RTP/SAVP');
    assert.equal(problem(savp, 'required'), 'ok RTP/SAVP');
    assert.equal(problem(sdp('m=audio 4000 RTP/AVP 0'), 'required'), '488 302 secure media (RTP/SAVP) required');
    assert.equal(problem(sdp('m=audio 4000 RTP/SAVP 0'), 'optional'), '488 399 no SRTP crypto suite in common');
    // crypto on a plain stream is no SRTP (RFC 4568 applies to RTP/SAVP): taken plain
    const d = readSdp(sdp('m=audio 4000 RTP/AVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}\r\n`), 'optional');
    assert.ok(d && !isProblem(d));
    assert.deepEqual([d.proto, d.crypto], ['RTP/AVP', []]);
    // more crypto lines than MAX_CRYPTO_LINES: the rest are not read
    const many = readSdp(
      sdp(
        'm=audio 4000 RTP/SAVP 0',
        `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${KEY}\r\n`.repeat(16) + `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}\r\n`,
      ),
      'optional',
    );
    assert.ok(isProblem(many));
  });
});

describe('SRTP media', () => {
  it('flows both ways between two calls, every packet authenticated and decrypted, RTCP too', async () => {
    const engine = new MediaEngine('tone', [40600, 40700], 5);
    const a = media(policy({ offer: true, offer80: false, offer32: true }), engine);
    const b = media(policy({ require: true }), engine);
    await a.open();
    await b.open();
    try {
      negotiate(a, b);
      assert.ok(a.remote && b.remote);
      a.configure(a.remote, 'sendrecv');
      b.configure(b.remote, 'sendrecv');
      const until = async (ok: () => boolean): Promise<void> => {
        const end = Date.now() + 5000;
        while (!ok()) {
          assert.ok(Date.now() < end, JSON.stringify([a.stats(), b.stats()]));
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(
        () => (a.stats()?.packetsReceived ?? 0) > 10 && (b.stats()?.packetsReceived ?? 0) > 10 && (b.stats()?.rtcpReceived ?? 0) > 0,
      );
      for (const s of [a.stats(), b.stats()]) {
        assert.equal(s?.secure, true);
        assert.equal(s?.srtpSuite, 'AES_CM_128_HMAC_SHA1_32');
        assert.equal(s?.srtpDropped, 0);
        assert.equal(s?.packetsLost, 0);
        assert.equal(s?.octetsReceived, (s?.packetsReceived ?? 0) * 160, 'the payload, not the tag, is counted');
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('a packet with a bad tag or no SRTP at all is dropped and counted, and latches nothing; nothing throws', async () => {
    const bound = (): Promise<ReturnType<typeof createSocket>> =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    const [rtp, rtcp, far, intruder] = await Promise.all([bound(), bound(), bound(), bound()]);
    const host: SessionHost = { content: 'tone', rtcpEveryTicks: 1000, add: () => undefined, remove: () => undefined };
    const session = new RtpSession(rtp, rtcp, rtp.address().port, host, () => undefined);
    const ours = newMasterKey('AES_CM_128_HMAC_SHA1_80');
    const theirs = newMasterKey('AES_CM_128_HMAC_SHA1_80');
    session.protect({ tx: new SrtpContext(ours), rx: new SrtpContext(theirs) });
    const farTx = new SrtpContext(theirs);
    const farRx = new SrtpContext(ours);
    const heard: Buffer[] = [];
    far.on('message', (m) => heard.push(m));
    try {
      session.configure({ address: '127.0.0.1', port: far.address().port }, 0, 101, true, true);
      session.tick();
      await new Promise((r) => setTimeout(r, 50));
      const plain = farRx.unprotectRtp(heard[0] ?? Buffer.alloc(0));
      assert.ok(plain, 'what it sends, the far end decrypts');
      assert.equal(plain.length, 12 + 160);
      const packet = (seq: number): Buffer => {
        const h = Buffer.from([0x80, 0, 0, seq, 0, 0, 0, seq, 1, 2, 3, 4]);
        return farTx.protectRtp(Buffer.concat([h, Buffer.alloc(160, 0xff)]));
      };
      // first a forged packet from another port of the far end's host: were it latched, the far end would be refused
      const first = Buffer.from(packet(9));
      first[first.length - 1] = (first[first.length - 1] as number) ^ 1;
      intruder.send(first, rtp.address().port, '127.0.0.1');
      const start = Date.now() + 3000;
      while (session.stats().srtpDropped < 1 && Date.now() < start) await new Promise((r) => setTimeout(r, 20));
      const forged = Buffer.from(packet(2));
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 0x55;
      for (const m of [
        packet(1),
        forged,
        Buffer.concat([Buffer.from([0x80, 0, 0, 3, 0, 0, 0, 3, 1, 2, 3, 4]), Buffer.alloc(160)]),
        packet(4),
      ])
        far.send(m, rtp.address().port, '127.0.0.1');
      const end = Date.now() + 3000;
      while (session.stats().packetsReceived + session.stats().srtpDropped < 5 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      const s = session.stats();
      assert.deepEqual([s.packetsReceived, s.srtpDropped, s.rejected, s.octetsReceived], [2, 3, 0, 320]);
      // now the far end is latched: the intruder's packets are refused before any SRTP work
      intruder.send(first, rtp.address().port, '127.0.0.1');
      const late = Date.now() + 3000;
      while (session.stats().rejected < 1 && Date.now() < late) await new Promise((r) => setTimeout(r, 20));
      assert.equal(session.stats().rejected, 1);
    } finally {
      session.close();
      far.close();
      intruder.close();
    }
  });
});
