/**
 * SRTP against published vectors: RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation), and libsrtp's
 * test packets (srtp_driver.c: an RTP and an RTCP packet under the B.3 master key, AES_CM_128_HMAC_SHA1_80); then
 * round trips for both suites, the rollover counter across a sequence number wrap, replays, forged tags, and
 * arbitrary bytes, which are dropped and counted, never thrown.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deriveKey, keystream, LABEL, SrtpContext } from './srtp.js';
import type { SrtpSuite } from './srtp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const B3_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const B3_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');
const B3 = Buffer.concat([B3_KEY, B3_SALT]);

function rtp(seq: number, ssrc = 0xcafebabe, payload = Buffer.alloc(160, 0xab)): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = 0;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE((seq * 160) >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

describe('RFC 3711 test vectors', () => {
  it('B.2: the AES-CM keystream', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const stream = keystream(key, hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'), 0x10000 * 16);
    assert.deepEqual(
      stream.subarray(0, 48),
      hex('E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0'),
    );
    const block = (n: number): Buffer => stream.subarray(n * 16, n * 16 + 16);
    assert.deepEqual(block(0xfeff), hex('EC8CDF7398607CB0F2D21675EA9EA1E4'));
    assert.deepEqual(block(0xff00), hex('362B7C3C6773516318A077D7FC5073AE'));
    assert.deepEqual(block(0xff01), hex('6A2CC3787889374FBEB4C81B17BA6C44'));
  });

  it('B.3: the session encryption key, salt and the whole 94-byte authentication key', () => {
    assert.deepEqual(deriveKey(B3_KEY, B3_SALT, LABEL.rtpKey, 16), hex('C61E7A93744F39EE10734AFE3FF7A087'));
    assert.deepEqual(deriveKey(B3_KEY, B3_SALT, LABEL.rtpSalt, 14), hex('30CBBC08863D8C85D49DB34A9AE1'));
    assert.deepEqual(
      deriveKey(B3_KEY, B3_SALT, LABEL.rtpAuth, 94),
      hex(`CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
           6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`),
    );
  });
});

describe("libsrtp's test packets (srtp_driver.c)", () => {
  const plainRtp = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
  const srtp = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
  const plainRtcp = hex('81c8000bcafebabe' + 'ab'.repeat(16));
  const srtcp = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');

  it('an RTP packet protects to its reference and back', () => {
    const sender = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
    assert.deepEqual(sender.protectRtp(plainRtp), srtp);
    const receiver = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
    assert.deepEqual(receiver.unprotectRtp(srtp), plainRtp);
  });

  it('an RTCP packet (SRTCP index 1) protects to its reference and back', () => {
    const sender = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
    sender.protectRtcp(plainRtcp); // index 0
    assert.deepEqual(sender.protectRtcp(plainRtcp), srtcp);
    const receiver = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
    assert.deepEqual(receiver.unprotectRtcp(srtcp), plainRtcp);
  });

  it('every truncation of either is refused', () => {
    for (let len = 0; len < srtp.length; len++) {
      const receiver = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
      assert.equal(receiver.unprotectRtp(srtp.subarray(0, len)), undefined, `RTP cut to ${len}`);
    }
    for (let len = 0; len < srtcp.length; len++) {
      const receiver = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: B3 });
      assert.equal(receiver.unprotectRtcp(srtcp.subarray(0, len)), undefined, `RTCP cut to ${len}`);
    }
  });
});

describe('SRTP contexts', () => {
  for (const [suite, tag] of [
    ['AES_CM_128_HMAC_SHA1_80', 10],
    ['AES_CM_128_HMAC_SHA1_32', 4],
  ] as [SrtpSuite, number][]) {
    it(`${suite}: a ${tag}-byte tag, payloads encrypted, the far end reads them; SRTCP keeps a 10-byte tag`, () => {
      const key = randomBytes(30);
      const tx = new SrtpContext({ suite, keySalt: key });
      const rx = new SrtpContext({ suite, keySalt: key });
      const packet = rtp(7);
      const sealed = tx.protectRtp(packet);
      assert.equal(sealed.length, packet.length + tag);
      assert.deepEqual(sealed.subarray(0, 12), packet.subarray(0, 12), 'the header stays clear');
      assert.notDeepEqual(sealed.subarray(12, packet.length), packet.subarray(12));
      assert.deepEqual(rx.unprotectRtp(sealed), packet);
      const report = Buffer.concat([hex('80c80006'), packet.subarray(8, 12), Buffer.alloc(20, 1)]);
      const sealedReport = tx.protectRtcp(report);
      assert.equal(sealedReport.length, report.length + 4 + 10);
      assert.deepEqual(rx.unprotectRtcp(sealedReport), report);
    });
  }

  it('the rollover counter follows a sequence number wrap both ways, with packets out of order around it', () => {
    const key = randomBytes(30);
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key });
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key });
    const sealed = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3].map((seq) => ({ seq, packet: tx.protectRtp(rtp(seq)) }));
    // 65535 arrives after 0 and 1 (reordered across the wrap): all decrypt
    const order = [0, 1, 2, 3, 4, 6, 7, 5, 8, 9];
    for (const i of order) {
      const s = sealed[i];
      assert.ok(s);
      assert.deepEqual(rx.unprotectRtp(s.packet), rtp(s.seq), `seq ${s.seq}`);
    }
    assert.deepEqual(rx.drops(), { malformed: 0, auth: 0, replayed: 0 });
  });

  it('a replayed packet, a changed bit, a wrong key and a packet too old for the window are dropped and counted', () => {
    const key = randomBytes(30);
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: key });
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: key });
    const first = tx.protectRtp(rtp(100));
    assert.ok(rx.unprotectRtp(first));
    assert.equal(rx.unprotectRtp(first), undefined);
    const real = tx.protectRtp(rtp(101));
    const forged = Buffer.from(real);
    forged[20] = (forged[20] as number) ^ 1;
    assert.equal(rx.unprotectRtp(forged), undefined);
    // the forged packet did not count as seen: the real one still goes through
    assert.ok(rx.unprotectRtp(real));
    const other = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: randomBytes(30) });
    assert.equal(rx.unprotectRtp(other.protectRtp(rtp(102))), undefined);
    const late = tx.protectRtp(rtp(103));
    for (let seq = 104; seq < 200; seq++) assert.ok(rx.unprotectRtp(tx.protectRtp(rtp(seq))));
    assert.equal(rx.unprotectRtp(late), undefined, 'older than the 64-packet window');
    assert.deepEqual(rx.drops(), { malformed: 0, auth: 2, replayed: 2 });
    const report = tx.protectRtcp(Buffer.concat([hex('80c90001'), Buffer.alloc(4, 9)]));
    assert.ok(rx.unprotectRtcp(report));
    assert.equal(rx.unprotectRtcp(report), undefined, 'a replayed SRTCP packet');
  });

  it("SRTCP of the 32-bit suite is taken with libre's 32-bit tag too; the 80-bit suite takes only its own", () => {
    const key = randomBytes(30);
    const report = Buffer.concat([hex('80c90001'), hex('01020304')]);
    for (const [suite, taken] of [
      ['AES_CM_128_HMAC_SHA1_32', true],
      ['AES_CM_128_HMAC_SHA1_80', false],
    ] as [SrtpSuite, boolean][]) {
      const sealed = new SrtpContext({ suite, keySalt: key }).protectRtcp(report);
      // the same packet with its tag cut to 4 bytes, as libre makes it for AES_CM_128_HMAC_SHA1_32
      const short = sealed.subarray(0, sealed.length - 6);
      const rx = new SrtpContext({ suite, keySalt: key });
      assert.deepEqual(rx.unprotectRtcp(short), taken ? report : undefined, suite);
      assert.deepEqual(new SrtpContext({ suite, keySalt: key }).unprotectRtcp(sealed), report, `${suite}: the 80-bit tag`);
    }
  });

  it('a sender with an MKI: the receiver told its length skips it', () => {
    const key = randomBytes(30);
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key });
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: key, mkiLength: 4 });
    const sealed = tx.protectRtp(rtp(5));
    const withMki = Buffer.concat([sealed.subarray(0, sealed.length - 10), hex('00000001'), sealed.subarray(sealed.length - 10)]);
    assert.deepEqual(rx.unprotectRtp(withMki), rtp(5));
  });

  it('arbitrary bytes never throw: every one is dropped and counted', () => {
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: randomBytes(30), mkiLength: 2 });
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const junk = randomBytes(next() % 80);
      // half of them look like RTP/RTCP (version 2), with any CSRC count and extension bit
      if (junk.length > 0 && i % 2 === 0) junk[0] = 0x80 | ((junk[0] as number) & 0x3f);
      assert.equal(rx.unprotectRtp(junk), undefined);
      assert.equal(rx.unprotectRtcp(junk), undefined);
    }
    const d = rx.drops();
    assert.equal(d.malformed + d.auth + d.replayed, 6000);
  });
});
