/**
 * SRTP and SRTCP (RFC 3711) for the two crypto suites a Poly phone offers (RFC 4568 6.2): AES_CM_128_HMAC_SHA1_80
 * and AES_CM_128_HMAC_SHA1_32: AES-128 in counter mode, HMAC-SHA1 tags of 80 or 32 bits (SRTCP always 80, RFC 4568
 * 6.2.2), the key derivation of RFC 3711 4.3 with a key derivation rate of 0, the rollover counter of 3.3.1 and the
 * 64-packet replay window of 3.3.2. Keys come from SDES (sdes.ts).
 *
 * Written here on node:crypto rather than taken from a library: the one maintained SRTP implementation for Node
 * (werift-rtp) fixes the tag at 80 bits (no AES_CM_128_HMAC_SHA1_32, which the phone offers), advances the rollover
 * counter before a packet is authenticated, keeps no replay list, and brings a 12 MB media library with it. What
 * node:crypto does not give, the packet transforms, is small, and is checked against RFC 3711's own vectors
 * (Appendix B.2 and B.3) and libsrtp's (srtp-transform.test.ts).
 *
 * Unprotecting never throws: a packet too short, forged, replayed or otherwise wrong is dropped and counted.
 */
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/**
 * The suites this phone speaks, with their SRTP authentication tag lengths in bytes (RFC 4568 6.2.1, 6.2.2), and
 * the SRTCP tag lengths it takes: 80 bits, as it sends (RFC 3711 7.5, as libsrtp and RFC 5764 4.1.2 do), and for
 * the 32-bit suite also 32 bits, which libre (baresip's SRTP) sends for SRTCP too.
 */
export const SRTP_SUITES: Readonly<Record<SrtpSuite, { readonly rtpTag: number; readonly rtcpTags: readonly number[] }>> = {
  AES_CM_128_HMAC_SHA1_80: { rtpTag: 10, rtcpTags: [10] },
  AES_CM_128_HMAC_SHA1_32: { rtpTag: 4, rtcpTags: [10, 4] },
};

export const isSrtpSuite = (s: string): s is SrtpSuite => Object.hasOwn(SRTP_SUITES, s);

export const MASTER_KEY_BYTES = 16;
export const MASTER_SALT_BYTES = 14;
/** The SRTCP tag we send is 80 bits whatever the suite. */
const RTCP_TAG = 10;
/** The replay window (RFC 3711 3.3.2: at least 64). */
const WINDOW = 64n;
/** At most this many far-end SSRCs keep a context; the oldest makes room for a new one. */
const MAX_SOURCES = 8;

/** RFC 3711 4.3.1 labels. */
export const LABEL = { rtpKey: 0, rtpAuth: 1, rtpSalt: 2, rtcpKey: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;

/** AES-CM keystream (RFC 3711 4.1.1): `length` bytes from the 16-byte counter block `iv` on. */
export function keystream(key: Buffer, iv: Buffer, length: number): Buffer {
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(length));
}

/**
 * The key derivation of RFC 3711 4.3 with a key derivation rate of 0 (index DIV kdr is 0): the label is XORed into
 * the master salt's eighth byte, and AES-CM under the master key, from that times 2^16, makes `length` bytes.
 */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, MASTER_SALT_BYTES);
  iv[7] = (iv[7] as number) ^ label;
  return keystream(masterKey, iv, length);
}

interface SessionKeys {
  readonly key: Buffer;
  readonly salt: Buffer;
  readonly auth: Buffer;
}

function sessionKeys(masterKey: Buffer, masterSalt: Buffer, rtcp: boolean): SessionKeys {
  const [k, a, s] = rtcp ? [LABEL.rtcpKey, LABEL.rtcpAuth, LABEL.rtcpSalt] : [LABEL.rtpKey, LABEL.rtpAuth, LABEL.rtpSalt];
  return {
    key: deriveKey(masterKey, masterSalt, k, 16),
    auth: deriveKey(masterKey, masterSalt, a, 20),
    salt: deriveKey(masterKey, masterSalt, s, 14),
  };
}

/** The counter block (RFC 3711 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16. */
function counter(salt: Buffer, ssrc: number, index: bigint): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const hi = Number((index >> 32n) & 0xffffn);
  const lo = Number(index & 0xffffffffn);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ hi, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ lo) >>> 0, 10);
  return iv;
}

function hmac(key: Buffer, parts: readonly Buffer[], length: number): Buffer {
  const h = createHmac('sha1', key);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, length);
}

/** The length of an RTP header with its CSRCs and extension; undefined when the packet is not that long. */
function rtpHeaderLength(p: Buffer): number | undefined {
  if (p.length < 12 || (p[0] as number) >> 6 !== 2) return undefined;
  let n = 12 + 4 * ((p[0] as number) & 0x0f);
  if ((p[0] as number) & 0x10) {
    if (p.length < n + 4) return undefined;
    n += 4 + 4 * p.readUInt16BE(n + 2);
  }
  return n <= p.length ? n : undefined;
}

/** A 64-packet replay window over indexes (RFC 3711 3.3.2). */
class ReplayWindow {
  private top = -1n;
  private bits = 0n;

  /** Whether `index` may be taken: not older than the window, not seen in it. */
  fresh(index: bigint): boolean {
    if (index > this.top) return true;
    const back = this.top - index;
    return back < WINDOW && ((this.bits >> back) & 1n) === 0n;
  }

  /** Records an authenticated index. */
  mark(index: bigint): void {
    if (index > this.top) {
      const shift = this.top < 0n ? WINDOW : index - this.top;
      this.bits = shift >= WINDOW ? 1n : ((this.bits << shift) | 1n) & ((1n << WINDOW) - 1n);
      this.top = index;
    } else {
      this.bits |= 1n << (this.top - index);
    }
  }
}

/** What the receiving side of one far-end SSRC knows: the rollover counter, the highest sequence number, replays. */
interface SourceState {
  roc: number;
  seq: number;
  readonly window: ReplayWindow;
}

/** Why packets were dropped. */
export interface SrtpDrops {
  /** Too short, not RTP/RTCP, or a header that overruns the packet. */
  readonly malformed: number;
  /** The authentication tag did not match. */
  readonly auth: number;
  /** Seen already, or older than the replay window. */
  readonly replayed: number;
}

/** One master key and salt, as an SDES crypto attribute carries them (30 bytes: key then salt). */
export interface MasterKey {
  readonly suite: SrtpSuite;
  /** 16 bytes of key then 14 of salt. */
  readonly keySalt: Buffer;
  /** Bytes of MKI the sender puts before each tag (RFC 3711 3.1); 0 without. */
  readonly mkiLength?: number;
}

/**
 * The SRTP and SRTCP transforms of one direction's master key: protect for what we send (our key), unprotect for
 * what the far end sends (its key). Separate contexts keep the two directions' counters apart.
 */
export class SrtpContext {
  private readonly rtp: SessionKeys;
  private readonly rtcp: SessionKeys;
  private readonly tag: number;
  private readonly mki: number;
  // sending
  private roc = 0;
  private lastSeq = -1;
  private rtcpIndex = 0;
  // receiving, per far-end SSRC
  private readonly sources = new Map<number, SourceState>();
  private readonly rtcpWindows = new Map<number, ReplayWindow>();
  private readonly dropped = { malformed: 0, auth: 0, replayed: 0 };

  constructor(readonly master: MasterKey) {
    const key = master.keySalt.subarray(0, MASTER_KEY_BYTES);
    const salt = master.keySalt.subarray(MASTER_KEY_BYTES, MASTER_KEY_BYTES + MASTER_SALT_BYTES);
    if (key.length !== MASTER_KEY_BYTES || salt.length !== MASTER_SALT_BYTES) throw new RangeError('SRTP master key and salt: 30 bytes');
    this.rtp = sessionKeys(key, salt, false);
    this.rtcp = sessionKeys(key, salt, true);
    this.tag = SRTP_SUITES[master.suite].rtpTag;
    this.mki = master.mkiLength ?? 0;
  }

  drops(): SrtpDrops {
    return { ...this.dropped };
  }

  /** An RTP packet we send, encrypted and tagged (RFC 3711 3.3); the rollover counter follows our sequence numbers. */
  protectRtp(packet: Buffer): Buffer {
    const h = rtpHeaderLength(packet);
    if (h === undefined) throw new RangeError('not an RTP packet');
    const seq = packet.readUInt16BE(2);
    if (this.lastSeq >= 0 && seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc = (this.roc + 1) >>> 0;
    this.lastSeq = seq;
    const index = (BigInt(this.roc) << 16n) | BigInt(seq);
    const out = Buffer.alloc(packet.length + this.tag);
    packet.copy(out, 0, 0, h);
    this.cipher(this.rtp, packet.readUInt32BE(8), index, packet.subarray(h)).copy(out, h);
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(this.roc, 0);
    hmac(this.rtp.auth, [out.subarray(0, packet.length), roc], this.tag).copy(out, packet.length);
    return out;
  }

  /** An RTCP packet we send: all but its first 8 bytes encrypted, E flag and SRTCP index, tag (RFC 3711 3.4). */
  protectRtcp(packet: Buffer): Buffer {
    if (packet.length < 8) throw new RangeError('not an RTCP packet');
    const index = this.rtcpIndex;
    this.rtcpIndex = (this.rtcpIndex + 1) & 0x7fffffff;
    const out = Buffer.alloc(packet.length + 4 + RTCP_TAG);
    packet.copy(out, 0, 0, 8);
    this.cipher(this.rtcp, packet.readUInt32BE(4), BigInt(index), packet.subarray(8)).copy(out, 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, packet.length);
    hmac(this.rtcp.auth, [out.subarray(0, packet.length + 4)], RTCP_TAG).copy(out, packet.length + 4);
    return out;
  }

  /**
   * An SRTP packet from the far end: the RTP packet, or undefined (dropped and counted) when it is malformed, its
   * tag is wrong, or it is a replay. State moves only for packets that authenticate.
   */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    const end = packet.length - this.tag - this.mki;
    const h = rtpHeaderLength(packet);
    if (h === undefined || end < h) return this.drop('malformed');
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const known = this.sources.get(ssrc);
    const s: SourceState = known ?? { roc: 0, seq, window: new ReplayWindow() };
    const v = estimateRoc(s.roc, s.seq, seq);
    const index = (BigInt(v) << 16n) | BigInt(seq);
    if (!s.window.fresh(index)) return this.drop('replayed');
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(v, 0);
    const expected = hmac(this.rtp.auth, [packet.subarray(0, end), roc], this.tag);
    if (!timingSafeEqual(expected, packet.subarray(packet.length - this.tag))) return this.drop('auth');
    // authenticated: the packet index moves the rollover counter and the highest sequence number on (3.3.1)
    if (v === (s.roc + 1) >>> 0) {
      s.roc = v;
      s.seq = seq;
    } else if (v === s.roc && seq > s.seq) s.seq = seq;
    s.window.mark(index);
    if (!known) this.remember(this.sources, ssrc, s);
    const out = Buffer.alloc(end);
    packet.copy(out, 0, 0, h);
    this.cipher(this.rtp, ssrc, index, packet.subarray(h, end)).copy(out, h);
    return out;
  }

  /** An SRTCP packet from the far end: the RTCP packet, or undefined (dropped and counted). */
  unprotectRtcp(packet: Buffer): Buffer | undefined {
    let why: keyof SrtpDrops = 'malformed';
    for (const tag of SRTP_SUITES[this.master.suite].rtcpTags) {
      const end = packet.length - tag - this.mki;
      const body = end - 4;
      if (body < 8 || (packet[0] as number) >> 6 !== 2) continue;
      const ssrc = packet.readUInt32BE(4);
      const word = packet.readUInt32BE(body);
      const index = BigInt(word & 0x7fffffff);
      const window = this.rtcpWindows.get(ssrc) ?? new ReplayWindow();
      const expected = hmac(this.rtcp.auth, [packet.subarray(0, end)], tag);
      if (!timingSafeEqual(expected, packet.subarray(packet.length - tag))) {
        why = 'auth';
        continue;
      }
      if (!window.fresh(index)) return this.drop('replayed');
      window.mark(index);
      if (!this.rtcpWindows.has(ssrc)) this.remember(this.rtcpWindows, ssrc, window);
      const out = Buffer.alloc(body);
      packet.copy(out, 0, 0, body);
      if ((word & 0x80000000) !== 0) this.cipher(this.rtcp, ssrc, index, packet.subarray(8, body)).copy(out, 8);
      return out;
    }
    return this.drop(why);
  }

  private cipher(keys: SessionKeys, ssrc: number, index: bigint, data: Buffer): Buffer {
    return createCipheriv('aes-128-ctr', keys.key, counter(keys.salt, ssrc, index)).update(data);
  }

  private remember<T>(map: Map<number, T>, ssrc: number, value: T): void {
    if (map.size >= MAX_SOURCES) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(ssrc, value);
  }

  private drop(why: keyof SrtpDrops): undefined {
    this.dropped[why]++;
    return undefined;
  }
}

/** The rollover counter a received sequence number belongs to (RFC 3711 Appendix A). */
function estimateRoc(roc: number, highest: number, seq: number): number {
  if (highest < 0x8000) return seq - highest > 0x8000 ? (roc - 1) >>> 0 : roc;
  return highest - 0x8000 > seq ? (roc + 1) >>> 0 : roc;
}
