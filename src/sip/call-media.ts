/**
 * A call's media as SDP negotiates it: our offers and answers (G.722 and G.711 in voice.codecPref order,
 * telephone-event), the direction we want (held: sendonly or inactive), the far end's description, SRTP keys (SDES,
 * sdes.ts) as sec.srtp.* allow or require them, and the RTP session that carries it. A session that cannot be opened
 * (no free port) leaves the call without media, not without signalling.
 */
import type { MediaEngine } from './media-engine.js';
import type { PortPool } from './media-ports.js';
import type { RtpSession, RtpStats, RtpTally } from './rtp.js';
import { isIPv6 } from 'node:net';
import { CODECS, isProblem, isSecure, readSdp, writeSdp } from './sdp.js';
import type { Direction, MediaDescription, SdpProblem } from './sdp.js';
import { CallKeys, SRTP_OFF } from './sdes.js';
import type { SrtpPolicy } from './sdes.js';

export interface MediaEnv {
  readonly media: MediaEngine | undefined;
  readonly localAddress: string;
  /** The payload types this phone offers and accepts, best first. */
  readonly codecs: readonly number[];
  readonly dtmf: { readonly payload: number };
  /** The phone's RTP port pool (tcpIpApp.port.rtp.mediaPortRangeStart); absent: the engine picks. */
  readonly ports?: PortPool;
  /** SRTP as sec.srtp.* set it; absent: off. */
  readonly srtp?: SrtpPolicy;
  /** Where the phone adds up its calls' RTP packets. */
  readonly rtpTally?: RtpTally;
}

export class CallMedia {
  private rtp: RtpSession | undefined;
  /** The far end's description, once it sent one. */
  remote: MediaDescription | undefined;
  /** The direction this phone wants: sendrecv, or sendonly/inactive while it holds. */
  local: Direction = 'sendrecv';
  private version = 1;
  private readonly session = String(Math.floor(Math.random() * 1e9));
  /** The last description we sent, and for which direction: a refresh sends it again unchanged. */
  private last: { readonly direction: Direction; readonly body: Buffer } | undefined;
  private readonly keys: CallKeys;

  constructor(
    private readonly env: MediaEnv,
    private readonly onDtmf: (digit: string) => void,
  ) {
    this.keys = new CallKeys(this.policy);
  }

  private get policy(): SrtpPolicy {
    return this.env.srtp ?? SRTP_OFF;
  }

  /** Whether media is SRTP. */
  get secure(): boolean {
    return this.keys.pair !== undefined;
  }

  /** Whether an RTP session was ever opened. */
  get opened(): boolean {
    return this.rtp !== undefined;
  }

  /** Whether the call's RTP session is open now (opened and not closed). */
  get live(): boolean {
    return this.rtp?.open ?? false;
  }

  /** Opens the RTP session (once); without a free port the call goes on without media. */
  async open(): Promise<void> {
    if (this.rtp || !this.env.media) return;
    try {
      this.rtp = await this.env.media.open(this.env.localAddress, this.onDtmf, this.env.ports, this.env.rtpTally);
    } catch {
      // no media port
    }
  }

  /**
   * Our SDP: an offer lists every codec we take; otherwise the one chosen from the far end's. A first offer carries
   * our SRTP keys when sec.srtp.offer (or require) says so, beside a plain stream unless SRTP is required; a later
   * one (a re-INVITE) keeps the transport and keys the call has; an answer is secure when the offer's stream was.
   */
  sdp(direction: Direction, offer = false): Buffer {
    const first = offer || !this.remote;
    const secure = first ? this.policy.offer : this.secure;
    const body = writeSdp({
      sessionId: this.session,
      version: this.version++,
      address: this.env.localAddress,
      port: this.rtp?.port ?? 9,
      payloads: offer ? this.env.codecs : this.chosen(),
      dtmfPayload: this.remote?.dtmfPayload ?? this.env.dtmf.payload,
      direction,
      offer: offer ? undefined : this.remote,
      crypto: secure ? this.keys.lines() : undefined,
      plainToo: first && this.policy.mode !== 'required',
    });
    this.last = { direction, body };
    return body;
  }

  /**
   * Our description unchanged, same version (RFC 3264 8), for a re-INVITE that only refreshes the session (RFC 4028
   * 7.4); a new one when the direction changed since.
   */
  sdpAgain(direction: Direction): Buffer {
    return this.last?.direction === direction ? this.last.body : this.sdp(direction);
  }

  /**
   * Takes the far end's offer (read by `read`): its stream becomes the remote one, and an RTP/SAVP stream's first
   * crypto line we can use is answered with our key (the next `sdp` carries it).
   */
  accept(offer: MediaDescription): void {
    this.remote = offer;
    if (isSecure(offer)) this.keys.answer(offer.crypto ?? []);
    else this.keys.plain();
  }

  private chosen(): readonly number[] {
    return this.remote ? this.remote.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : this.env.codecs;
  }

  /**
   * The far end's description read and checked: its audio stream, or the problem to answer with (400 or 488 with a
   * Warning) when it is not SDP, cannot be used, names an address of the other IP family, or no codec we take.
   */
  read(body: Buffer): MediaDescription | SdpProblem {
    const desc = readSdp(body, this.policy.mode);
    if (desc === undefined) return { status: 488, warning: 399, text: 'no session description' };
    if (isProblem(desc)) return desc;
    const held = desc.address === '0.0.0.0' || desc.address === '::';
    if (!held && isIPv6(desc.address) !== isIPv6(this.env.localAddress))
      return { status: 488, warning: 301, text: 'incompatible network address format' };
    if (!desc.payloads.some((pt) => this.env.codecs.includes(pt))) return { status: 488, warning: 305, text: 'incompatible media format' };
    return desc;
  }

  /**
   * The far end's answer (or offer, when `limit` is false): media flows as both directions allow. A description that
   * cannot be used changes nothing and is returned as a problem (the caller ends the call or refuses the offer).
   */
  apply(body: Buffer, limit: boolean): SdpProblem | undefined {
    const desc = this.read(body);
    if (isProblem(desc)) return desc;
    if (!isSecure(desc)) this.keys.plain();
    else if (this.keys.takeAnswer(desc.crypto ?? [])) return { status: 488, warning: 399, text: 'no SRTP crypto line in common' };
    this.remote = desc;
    // their direction is their view: sendonly from them means we only receive
    const mine: Direction = desc.direction === 'sendonly' ? 'recvonly' : desc.direction === 'recvonly' ? 'sendonly' : desc.direction;
    this.configure(desc, limit ? combine(this.local, mine) : this.local);
    return undefined;
  }

  configure(remote: MediaDescription, direction: Direction): void {
    const pt = remote.payloads.find((p) => this.env.codecs.includes(p)) ?? remote.payloads.find((p) => CODECS.some((c) => c.pt === p)) ?? 0;
    this.rtp?.protect(this.keys.pair);
    this.rtp?.configure(
      { address: remote.address, port: remote.port, rtcpPort: remote.rtcpPort },
      pt,
      remote.dtmfPayload,
      direction === 'sendrecv' || direction === 'sendonly',
      direction === 'sendrecv' || direction === 'recvonly',
    );
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
