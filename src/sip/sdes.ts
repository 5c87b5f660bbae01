/**
 * SDES (RFC 4568): the a=crypto attributes that carry SRTP master keys in SDP, and a call's keys through its offers
 * and answers. `a=crypto:<tag> <suite> inline:<base64 of key||salt>[|lifetime][|MKI:length] [session params]`.
 *
 * What the phone offers and takes is the administrator's (sec.srtp.*, as a Poly phone reads them): srtpPolicy.
 * A line this phone cannot honour is skipped, never half-used: an unknown suite, more than one key, a key that is
 * not 30 bytes, or a session parameter other than KDR=0 and the WSH hint (UNENCRYPTED_SRTP and the others change
 * the transform, which this phone does not do). A key lifetime is read and not enforced (no re-keying).
 */
import { randomBytes } from 'node:crypto';
import { isSrtpSuite, MASTER_KEY_BYTES, MASTER_SALT_BYTES, SrtpContext } from './srtp.js';
import type { MasterKey, SrtpSuite } from './srtp.js';

/** Whether calls may, or must, carry SRTP; off: an RTP/SAVP offer is refused 488. */
export type SrtpMode = 'off' | 'optional' | 'required';

export interface SrtpPolicy {
  readonly mode: SrtpMode;
  /** Our offers carry RTP/SAVP with crypto lines (with the plain RTP/AVP stream beside it unless required). */
  readonly offer: boolean;
  /** The suites our offers list, in order (sec.srtp.offer.HMAC_SHA1_80 / _32). */
  readonly suites: readonly SrtpSuite[];
  /** An answer's crypto tag must be one we offered (sec.srtp.requireMatchingTag); else its suite is enough. */
  readonly requireMatchingTag: boolean;
}

export const SRTP_OFF: SrtpPolicy = { mode: 'off', offer: false, suites: [], requireMatchingTag: true };

/**
 * The policy sec.srtp.* make, as the Poly administrator guide words them: enable takes SRTP offers; offer puts a
 * secure stream in our offers beside the plain one; require takes only secure streams, offers only the secure one,
 * and implies offer; the offer.HMAC_SHA1_80/_32 flags choose the suites offered (80 when both are off).
 */
export function srtpPolicy(p: {
  enable: boolean;
  offer: boolean;
  require: boolean;
  offer80: boolean;
  offer32: boolean;
  requireMatchingTag: boolean;
}): SrtpPolicy {
  const suites: SrtpSuite[] = [];
  if (p.offer80) suites.push('AES_CM_128_HMAC_SHA1_80');
  if (p.offer32) suites.push('AES_CM_128_HMAC_SHA1_32');
  if (suites.length === 0) suites.push('AES_CM_128_HMAC_SHA1_80');
  const mode: SrtpMode = p.require ? 'required' : p.enable ? 'optional' : 'off';
  return { mode, offer: p.require || (p.enable && p.offer), suites, requireMatchingTag: p.requireMatchingTag };
}

/** One a=crypto attribute as read: its key when this phone can use the line, else undefined. */
export interface CryptoAttribute {
  readonly tag: number;
  readonly suite: string;
  readonly key: MasterKey | undefined;
}

/** At most this many crypto lines a stream are read. */
export const MAX_CRYPTO_LINES = 16;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads the value of an a=crypto attribute (after `a=crypto:`); undefined when it is not one. */
export function readCrypto(value: string): CryptoAttribute | undefined {
  // split, not one regular expression: a line of thousands of parameters costs no backtracking
  const [tagText = '', suite = '', keyText = '', ...sessionParams] = value.trim().split(/ +/);
  if (!/^\d{1,9}$/.test(tagText) || suite === '' || keyText === '' || /[^\S ]/.test(value.trim())) return undefined;
  const tag = Number(tagText);
  const attr = { tag, suite, key: undefined };
  if (!isSrtpSuite(suite)) return attr;
  const keyParams = keyText.split(';');
  if (keyParams.length !== 1) return attr;
  const inline = /^inline:([^|]+)((?:\|[^|]+){0,2})$/i.exec(keyParams[0] as string);
  if (!inline || !BASE64.test(inline[1] as string)) return attr;
  const keySalt = Buffer.from(inline[1] as string, 'base64');
  if (keySalt.length !== MASTER_KEY_BYTES + MASTER_SALT_BYTES) return attr;
  let mkiLength = 0;
  for (const part of (inline[2] as string).split('|').slice(1)) {
    const mki = /^\d{1,10}:(\d{1,3})$/.exec(part);
    if (mki) {
      mkiLength = Number(mki[1]);
      if (mkiLength < 1 || mkiLength > 128) return attr;
    } else if (!/^(2\^)?\d{1,20}$/.test(part)) return attr;
  }
  if (!sessionParams.every((p) => /^WSH=\d+$/.test(p) || /^KDR=0$/.test(p))) return attr;
  return { tag, suite, key: { suite, keySalt, mkiLength } };
}

/** The a=crypto attribute for one of our keys (no lifetime, no MKI: as a Poly phone with sec.srtp.mki.enabled=0). */
export function writeCrypto(tag: number, key: MasterKey): string {
  return `a=crypto:${tag} ${key.suite} inline:${key.keySalt.toString('base64')}`;
}

export function newMasterKey(suite: SrtpSuite): MasterKey {
  return { suite, keySalt: randomBytes(MASTER_KEY_BYTES + MASTER_SALT_BYTES) };
}

/** The SRTP contexts of a call's media: ours protects what we send, theirs unprotects what we receive. */
export interface SrtpPair {
  readonly tx: SrtpContext;
  readonly rx: SrtpContext;
}

/** Why an answer's crypto cannot be used. */
export type SdesFailure = 'no crypto line in common';

/**
 * One call's SDES keys: the keys our first offer lists (fresh random ones per call, made once), the key we answer
 * with per suite (kept across re-INVITEs), and the pair in use. A key that does not change keeps its context, so a
 * re-INVITE that keeps the keys keeps the rollover counters.
 */
export class CallKeys {
  private offered: { readonly tag: number; readonly key: MasterKey }[] | undefined;
  private readonly answering = new Map<SrtpSuite, MasterKey>();
  private current: { readonly tag: number; readonly pair: SrtpPair } | undefined;

  constructor(private readonly policy: SrtpPolicy) {}

  /** The pair in use; undefined while media is plain RTP. */
  get pair(): SrtpPair | undefined {
    return this.current?.pair;
  }

  /**
   * The crypto lines of our SDP: the key in use when there is one (an answer, or a re-INVITE, which keeps it), else
   * one line a suite for a first offer.
   */
  lines(): string[] {
    if (this.current) return [writeCrypto(this.current.tag, this.current.pair.tx.master)];
    this.offered ??= this.policy.suites.map((suite, i) => ({ tag: i + 1, key: newMasterKey(suite) }));
    return this.offered.map((o) => writeCrypto(o.tag, o.key));
  }

  /** Media goes plain (the far end chose RTP/AVP). */
  plain(): void {
    this.current = undefined;
  }

  /**
   * Takes the far end's offer of an RTP/SAVP stream: the first crypto line we can use, answered with our key of
   * its suite under its tag. Returns the answer's crypto line; undefined when no line can be used.
   */
  answer(crypto: readonly CryptoAttribute[]): string | undefined {
    const chosen = crypto.find((c) => c.key !== undefined);
    if (!chosen?.key) return undefined;
    const suite = chosen.key.suite;
    const mine = this.answering.get(suite) ?? newMasterKey(suite);
    this.answering.set(suite, mine);
    this.use(chosen.tag, mine, chosen.key);
    return writeCrypto(chosen.tag, mine);
  }

  /**
   * Takes the far end's answer to our offer: its crypto line must name a tag we offered with the same suite (or,
   * without sec.srtp.requireMatchingTag, a suite we offered). Undefined when it did; why not otherwise.
   */
  takeAnswer(crypto: readonly CryptoAttribute[]): SdesFailure | undefined {
    const ours = this.current
      ? [{ tag: this.current.tag, key: this.current.pair.tx.master }]
      : (this.offered ?? []).map((o) => ({ tag: o.tag, key: o.key }));
    for (const c of crypto) {
      if (!c.key) continue;
      const theirs = c.key;
      const match =
        ours.find((o) => o.tag === c.tag && o.key.suite === theirs.suite) ??
        (this.policy.requireMatchingTag ? undefined : ours.find((o) => o.key.suite === theirs.suite));
      if (match) {
        this.use(match.tag, match.key, theirs);
        return undefined;
      }
    }
    return 'no crypto line in common';
  }

  private use(tag: number, mine: MasterKey, theirs: MasterKey): void {
    const before = this.current?.pair;
    const same = (a: MasterKey, b: MasterKey): boolean =>
      a.suite === b.suite && a.keySalt.equals(b.keySalt) && (a.mkiLength ?? 0) === (b.mkiLength ?? 0);
    const tx = before && same(before.tx.master, mine) ? before.tx : new SrtpContext(mine);
    const rx = before && same(before.rx.master, theirs) ? before.rx : new SrtpContext(theirs);
    this.current = { tag, pair: { tx, rx } };
  }
}
