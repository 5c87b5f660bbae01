/**
 * A call's media as SDP negotiates it: our offers and answers (G.711 in voice.codecPref order, telephone-event),
 * the direction we want (held: sendonly or inactive), the far end's description, and the RTP session that carries
 * it. A session that cannot be opened (no free port) leaves the call without media, not without signalling.
 */
import type { MediaEngine, RtpSession, RtpStats } from './rtp.js';
import { CODECS, parseSdp, writeSdp } from './sdp.js';
import type { Direction, MediaDescription } from './sdp.js';

export interface MediaEnv {
  readonly media: MediaEngine | undefined;
  readonly localAddress: string;
  /** The payload types this phone offers and accepts, best first. */
  readonly codecs: readonly number[];
  readonly dtmf: { readonly payload: number };
}

export class CallMedia {
  private rtp: RtpSession | undefined;
  /** The far end's description, once it sent one. */
  remote: MediaDescription | undefined;
  /** The direction this phone wants: sendrecv, or sendonly/inactive while it holds. */
  local: Direction = 'sendrecv';
  private version = 1;
  private readonly session = String(Math.floor(Math.random() * 1e9));

  constructor(private readonly env: MediaEnv, private readonly onDtmf: (digit: string) => void) {}

  /** Whether an RTP session was ever opened. */
  get opened(): boolean {
    return this.rtp !== undefined;
  }

  /** Opens the RTP session (once); without a free port the call goes on without media. */
  async open(): Promise<void> {
    if (this.rtp || !this.env.media) return;
    try {
      this.rtp = await this.env.media.open(this.env.localAddress, this.onDtmf);
    } catch {
      // no media port
    }
  }

  /** Our SDP: an offer lists every codec we take; otherwise the one chosen from the far end's. */
  sdp(direction: Direction, offer = false): Buffer {
    return writeSdp({ sessionId: this.session, version: this.version++, address: this.env.localAddress, port: this.rtp?.port ?? 9,
      payloads: offer ? this.env.codecs : this.chosen(), dtmfPayload: this.remote?.dtmfPayload ?? this.env.dtmf.payload, direction });
  }

  private chosen(): readonly number[] {
    return this.remote ? this.remote.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : this.env.codecs;
  }

  /** Whether an offer names a codec we take. */
  acceptable(offer: MediaDescription): boolean {
    return offer.payloads.some((pt) => this.env.codecs.includes(pt));
  }

  /** The far end's answer (or offer, when `limit` is false): media flows as both directions allow. */
  apply(body: Buffer, limit: boolean): void {
    const desc = parseSdp(body);
    if (!desc) return;
    this.remote = desc;
    // their direction is their view: sendonly from them means we only receive
    const mine: Direction = desc.direction === 'sendonly' ? 'recvonly' : desc.direction === 'recvonly' ? 'sendonly' : desc.direction;
    this.configure(desc, limit ? combine(this.local, mine) : this.local);
  }

  configure(remote: MediaDescription, direction: Direction): void {
    const pt = remote.payloads.find((p) => this.env.codecs.includes(p)) ?? remote.payloads.find((p) => CODECS.some((c) => c.pt === p)) ?? 0;
    this.rtp?.configure({ address: remote.address, port: remote.port }, pt, remote.dtmfPayload, direction === 'sendrecv' || direction === 'sendonly',
      direction === 'sendrecv' || direction === 'recvonly');
  }

  /** RFC 4733 events; false when they cannot go (no media, not sending, no telephone-event). */
  sendDtmf(digits: string, onMs: number, offMs: number): boolean {
    return this.rtp?.sendDtmf(digits, onMs, offMs) ?? false;
  }

  close(): void {
    this.rtp?.close();
  }

  stats(): RtpStats | undefined {
    return this.rtp?.stats();
  }
}

/** Our own direction limited by what the far end's answer allows. */
function combine(local: Direction, allowed: Direction): Direction {
  const send = (local === 'sendrecv' || local === 'sendonly') && (allowed === 'sendrecv' || allowed === 'sendonly');
  const recv = (local === 'sendrecv' || local === 'recvonly') && (allowed === 'sendrecv' || allowed === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}
