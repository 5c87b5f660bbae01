/**
 * A call's media as SDP negotiates it: our offers and answers (G.722 and G.711 in voice.codecPref order, telephone-event),
 * the direction we want (held: sendonly or inactive), the far end's description, and the RTP session that carries
 * it. A session that cannot be opened (no free port) leaves the call without media, not without signalling.
 */
import type { MediaEngine } from './media-engine.js';
import type { PortPool } from './media-ports.js';
import type { RtpSession, RtpStats } from './rtp.js';
import { isIPv6 } from 'node:net';
import { CODECS, isProblem, readSdp, writeSdp } from './sdp.js';
import type { Direction, MediaDescription, SdpProblem } from './sdp.js';

export interface MediaEnv {
  readonly media: MediaEngine | undefined;
  readonly localAddress: string;
  /** The payload types this phone offers and accepts, best first. */
  readonly codecs: readonly number[];
  readonly dtmf: { readonly payload: number };
  /** The phone's RTP port pool (tcpIpApp.port.rtp.mediaPortRangeStart); absent: the engine picks. */
  readonly ports?: PortPool;
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

  constructor(
    private readonly env: MediaEnv,
    private readonly onDtmf: (digit: string) => void,
  ) {}

  /** Whether an RTP session was ever opened. */
  get opened(): boolean {
    return this.rtp !== undefined;
  }

  /** Opens the RTP session (once); without a free port the call goes on without media. */
  async open(): Promise<void> {
    if (this.rtp || !this.env.media) return;
    try {
      this.rtp = await this.env.media.open(this.env.localAddress, this.onDtmf, this.env.ports);
    } catch {
      // no media port
    }
  }

  /** Our SDP: an offer lists every codec we take; otherwise the one chosen from the far end's. */
  sdp(direction: Direction, offer = false): Buffer {
    const body = writeSdp({
      sessionId: this.session,
      version: this.version++,
      address: this.env.localAddress,
      port: this.rtp?.port ?? 9,
      payloads: offer ? this.env.codecs : this.chosen(),
      dtmfPayload: this.remote?.dtmfPayload ?? this.env.dtmf.payload,
      direction,
      offer: offer ? undefined : this.remote,
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

  private chosen(): readonly number[] {
    return this.remote ? this.remote.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : this.env.codecs;
  }

  /**
   * The far end's description read and checked: its audio stream, or the problem to answer with (400 or 488 with a
   * Warning) when it is not SDP, cannot be used, names an address of the other IP family, or no codec we take.
   */
  read(body: Buffer): MediaDescription | SdpProblem {
    const desc = readSdp(body);
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
    this.remote = desc;
    // their direction is their view: sendonly from them means we only receive
    const mine: Direction = desc.direction === 'sendonly' ? 'recvonly' : desc.direction === 'recvonly' ? 'sendonly' : desc.direction;
    this.configure(desc, limit ? combine(this.local, mine) : this.local);
    return undefined;
  }

  configure(remote: MediaDescription, direction: Direction): void {
    const pt = remote.payloads.find((p) => this.env.codecs.includes(p)) ?? remote.payloads.find((p) => CODECS.some((c) => c.pt === p)) ?? 0;
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
