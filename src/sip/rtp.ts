/**
 * RTP and RTCP for one call's audio (RFC 3550), G.711 or G.722 at 20 ms, with DTMF as RFC 4733 events. Every session of
 * the process is driven by one 20 ms tick of the media engine (media-engine.ts), so 100 calls cost 100 sends a tick.
 * What sessionStats reports comes from these counters: packets and octets actually sent and received, loss from
 * sequence numbers, interarrival jitter as RFC 3550 A.8 computes it. With SRTP (srtp.ts, keys from SDES) every
 * packet is protected as it leaves and unprotected as it arrives; one that does not authenticate is dropped and
 * counted before anything else reads it, and the counters count what authenticated.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { MediaCounters } from '../phone/calls/signal.js';
import { linearToAlaw, linearToUlaw, silenceFrame, toneFrame } from './g711.js';
import { steadyFrames } from './g722.js';
import { codecOf } from './sdp.js';
import type { CodecName } from './sdp.js';
import type { SrtpPair } from './sdes.js';
import type { SrtpSuite } from './srtp.js';

export type MediaContent = 'tone' | 'silence';

/** What a session needs of the engine that drives it (media-engine.ts): what it sends, and the one tick. */
export interface SessionHost {
  readonly content: MediaContent;
  /** RTCP reports every this many 20 ms ticks. */
  readonly rtcpEveryTicks: number;
  /** The session sends or receives: tick it. */
  add(s: RtpSession): void;
  /** It does neither any more. */
  remove(s: RtpSession): void;
  /** It is closed: its sockets are gone (the engine counts the sessions open). */
  release?(s: RtpSession): void;
}

/** What sessionStats reports (the phone's MediaCounters), and the RTCP reports sent and received. */
export interface RtpStats extends MediaCounters {
  readonly rtcpSent: number;
  readonly rtcpReceived: number;
  /** Packets dropped for coming from elsewhere than the latched far end. */
  readonly rejected: number;
  /** Whether media is SRTP, and with which suite. */
  readonly secure: boolean;
  readonly srtpSuite: SrtpSuite | undefined;
  /** SRTP and SRTCP packets dropped: malformed, not authenticated, or replayed. */
  readonly srtpDropped: number;
}

/** RTP packets a phone's sessions sent and received, all its calls together (every call adds to its phone's). */
export interface RtpTally {
  sent: number;
  received: number;
}

/** One frame of audio a packet, every 20 ms (the media engine ticks at this rate). */
export const TICK_MS = 20;

/** One 20 ms frame of the 400 Hz tone at 16 kHz, amplitude 3000 as the G.711 one (8 whole periods). */
const WIDEBAND_TONE = Int16Array.from({ length: 320 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 400 * i) / 16000)));

/**
 * What each codec sends, frame after frame: G.711 repeats one frame (it keeps no state); G.722 plays a loop of frames
 * encoded once (g722.ts steadyFrames), made on the first call that sends it.
 */
const FRAMES: Record<CodecName, Record<MediaContent, () => readonly Buffer[]>> = {
  PCMU: { tone: once(() => [toneFrame(linearToUlaw)]), silence: once(() => [silenceFrame(linearToUlaw)]) },
  PCMA: { tone: once(() => [toneFrame(linearToAlaw)]), silence: once(() => [silenceFrame(linearToAlaw)]) },
  G722: { tone: once(() => steadyFrames(WIDEBAND_TONE)), silence: once(() => steadyFrames(new Int16Array(320))) },
};

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** The end packet of an event goes this many times, one a tick (RFC 4733 2.5.1.4). */
const END_COPIES = 3;

interface DtmfEvent {
  readonly digit: number;
  readonly onTicks: number;
  readonly offTicks: number;
  played: number;
  start: number;
}

/** Where media goes: an IP literal and ports a socket can send to (the SDP reader made sure; checked again here). */
interface Remote {
  readonly address: string;
  readonly port: number;
  readonly rtcpPort?: number | undefined;
}

const validPort = (p: number | undefined): p is number => p !== undefined && Number.isInteger(p) && p > 0 && p <= 65535;

export class RtpSession {
  private remote: Remote | undefined;
  private pt = 0;
  private codec: CodecName = 'PCMU';
  /** Where in its codec's frames the stream is (G.722 plays a loop). */
  private frame = 0;
  private dtmfPt: number | undefined;
  private sending = false;
  private receiving = false;
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private seq = randomBytes(2).readUInt16BE(0);
  private ts = randomBytes(4).readUInt32BE(0);
  private ticks = 0;
  private closed = false;
  private readonly dtmfQueue: DtmfEvent[] = [];
  // counters
  private sent = { packets: 0, octets: 0 };
  private recv = {
    packets: 0,
    octets: 0,
    baseSeq: -1,
    maxSeq: 0,
    cycles: 0,
    jitter: 0,
    maxJitter: 0,
    transit: undefined as number | undefined,
    ssrc: 0,
    lastSr: 0,
    lastSrAt: 0,
  };
  private rtcpSent = 0;
  private rtcpReceived = 0;
  private farEndLoss: number | undefined;
  private lastDtmf = -1;
  private srtp: SrtpPair | undefined;
  private srtpDropped = 0;

  constructor(
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    readonly port: number,
    private readonly engine: SessionHost,
    private readonly onDtmf: (digit: string) => void,
    /** Where the phone adds up its calls' packets (src/control/metrics.ts reports them). */
    private readonly tally?: RtpTally,
  ) {
    rtp.on('message', (m, r) => {
      // with SRTP only a packet that authenticates latches (onRtp): a forged one cannot take the far end's place
      if (this.fromPeer(r.address, r.port, !this.srtp)) this.onRtp(m, r);
    });
    rtcp.on('message', (m, r) => {
      if (this.latched ? r.address === this.latched.address : this.fromPeer(r.address, -1)) this.onRtcp(m);
    });
  }

  /** The source RTP is taken from: the first packet from the negotiated address fixes its port (symmetric RTP). */
  private latched: { readonly address: string; readonly port: number } | undefined;
  private rejected = 0;

  /**
   * Whether a packet is the far end's: from the address the SDP negotiated (any, while none is known), and from the
   * port the first such packet came from. Packets from anyone else are dropped and counted, as phones latch.
   */
  private fromPeer(address: string, port: number, latch = true): boolean {
    const ok = this.latched
      ? this.latched.address === address && (port < 0 || this.latched.port === port)
      : !this.remote || this.remote.address === address;
    if (!ok) {
      this.rejected++;
      return false;
    }
    if (latch && !this.latched && port >= 0) this.latched = { address, port };
    return true;
  }

  /** SRTP from now on with these contexts; undefined: plain RTP. */
  protect(srtp: SrtpPair | undefined): void {
    this.srtp = srtp;
  }

  /** Where to send, with what, and which ways media flows (from the negotiated SDP). */
  configure(remote: Remote | undefined, pt: number, dtmfPt: number | undefined, send: boolean, receive: boolean): void {
    if (this.closed) return;
    const family = this.rtp.address().family === 'IPv6' ? 6 : 4;
    const usable =
      remote && validPort(remote.port) && isIP(remote.address) === family && remote.address !== '0.0.0.0' && remote.address !== '::';
    const rtcpPort = remote?.rtcpPort ?? (remote ? remote.port + 1 : undefined);
    const before = this.remote;
    this.remote = usable ? { address: remote.address, port: remote.port, rtcpPort: validPort(rtcpPort) ? rtcpPort : undefined } : undefined;
    // a new far end (re-INVITE to another address or port) is latched anew
    if (before?.address !== this.remote?.address || before?.port !== this.remote?.port) this.latched = undefined;
    this.pt = pt;
    this.codec = codecOf(pt);
    this.dtmfPt = dtmfPt;
    this.sending = send && this.remote !== undefined;
    this.receiving = receive;
    if (this.sending || this.receiving) this.engine.add(this);
    else this.engine.remove(this);
  }

  /** Stops sending (a send that threw): the call goes on without outgoing media. */
  halt(): void {
    this.sending = false;
    this.remote = undefined;
    this.dtmfQueue.length = 0;
  }

  /** Queues RFC 4733 events for the digits (each on for onMs, then off for offMs). */
  sendDtmf(digits: string, onMs: number, offMs: number): boolean {
    if (!this.sending || this.dtmfPt === undefined) return false;
    for (const d of digits) {
      const code = '0123456789*#ABCD'.indexOf(d.toUpperCase());
      if (code < 0) continue;
      this.dtmfQueue.push({
        digit: code,
        onTicks: Math.max(2, Math.round(onMs / TICK_MS)),
        offTicks: Math.max(1, Math.round(offMs / TICK_MS)),
        played: 0,
        start: -1,
      });
    }
    return true;
  }

  /** @internal */ tick(): void {
    this.ticks++;
    if (this.sending && this.remote) {
      const ev = this.dtmfQueue[0];
      if (ev) this.sendEvent(ev);
      else this.sendVoice();
    }
    if (this.ticks % this.engine.rtcpEveryTicks === 0 && this.remote) this.sendRtcp();
  }

  private header(pt: number, marker: boolean, ts: number): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
    h.writeUInt16BE(this.seq, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    return h;
  }

  private sendVoice(): void {
    const frames = FRAMES[this.codec][this.engine.content]();
    const payload = frames[this.frame % frames.length] as Buffer;
    this.frame = (this.frame + 1) % frames.length;
    this.ts = (this.ts + 160) >>> 0;
    this.out(Buffer.concat([this.header(this.pt, false, this.ts), payload]), payload.length);
  }

  private sendEvent(ev: DtmfEvent): void {
    if (ev.played >= ev.onTicks && ev.played < ev.onTicks + END_COPIES - 1) {
      // the end packet again, one a tick (RFC 4733 2.5.1.4: retransmitted at the update interval, not in a burst)
      this.ts = (this.ts + 160) >>> 0;
      ev.played++;
      this.out(Buffer.concat([this.header(this.dtmfPt ?? 101, false, ev.start), this.eventBody(ev, ev.onTicks)]), 4);
    } else if (ev.played >= ev.onTicks) {
      ev.played++;
      this.sendVoice();
    } else {
      // the event keeps its start timestamp; the stream's clock runs on under it
      this.ts = (this.ts + 160) >>> 0;
      if (ev.start < 0) ev.start = this.ts;
      ev.played++;
      this.out(Buffer.concat([this.header(this.dtmfPt ?? 101, ev.played === 1, ev.start), this.eventBody(ev, ev.played)]), 4);
    }
    // the next digit once the off time is over and the end packet has gone its three times
    if (ev.played >= ev.onTicks + Math.max(ev.offTicks, END_COPIES - 1)) this.dtmfQueue.shift();
  }

  /** An RFC 4733 event payload `ticks` frames into the event (the end bit once it has lasted its on time). */
  private eventBody(ev: DtmfEvent, ticks: number): Buffer {
    const body = Buffer.alloc(4);
    body[0] = ev.digit;
    body[1] = (ticks >= ev.onTicks ? 0x80 : 0) | 10; // E bit, volume -10 dBm0
    body.writeUInt16BE(Math.min(0xffff, ticks * 160), 2);
    return body;
  }

  private out(packet: Buffer, payloadBytes: number): void {
    if (!this.remote) return;
    this.rtp.send(this.srtp ? this.srtp.tx.protectRtp(packet) : packet, this.remote.port, this.remote.address);
    this.sent.packets++;
    this.sent.octets += payloadBytes;
    if (this.tally) this.tally.sent++;
  }

  private onRtp(packet: Buffer, from: { readonly address: string; readonly port: number }): void {
    if (packet.length < 12 || (packet[0] as number) >> 6 !== 2 || !this.receiving) return;
    const m = this.srtp ? this.srtp.rx.unprotectRtp(packet) : packet;
    if (!m) {
      this.srtpDropped++;
      return;
    }
    this.latched ??= { address: from.address, port: from.port };
    const pt = (m[1] as number) & 0x7f;
    const seq = m.readUInt16BE(2);
    const ts = m.readUInt32BE(4);
    const cc = (m[0] as number) & 0x0f;
    const payload = m.subarray(12 + 4 * cc);
    this.recv.ssrc = m.readUInt32BE(8);
    // every packet of the stream counts (DTMF events share its sequence numbers)
    const r = this.recv;
    r.packets++;
    r.octets += payload.length;
    if (this.tally) this.tally.received++;
    if (r.baseSeq < 0) {
      r.baseSeq = seq;
      r.maxSeq = seq;
    } else {
      const delta = (seq - r.maxSeq + 0x10000) & 0xffff;
      if (delta > 0 && delta < 0x8000) {
        if (seq < r.maxSeq) r.cycles += 0x10000;
        r.maxSeq = seq;
      }
    }
    if (pt === this.dtmfPt) {
      if (payload.length >= 4 && ((payload[1] as number) & 0x80) !== 0 && ts !== this.lastDtmf) {
        this.lastDtmf = ts;
        const digit = '0123456789*#ABCD'[payload[0] as number];
        if (digit) this.onDtmf(digit);
      }
      return;
    }
    // RFC 3550 A.8: interarrival jitter in timestamp units (8 kHz)
    const arrival = Math.round(performance.now() * 8);
    const transit = arrival - ts;
    if (r.transit !== undefined) {
      const d = Math.abs(transit - r.transit);
      r.jitter += (d - r.jitter) / 16;
      r.maxJitter = Math.max(r.maxJitter, r.jitter);
    }
    r.transit = transit;
  }

  private onRtcp(packet: Buffer): void {
    if (packet.length < 8 || (packet[0] as number) >> 6 !== 2) return;
    const m = this.srtp ? this.srtp.rx.unprotectRtcp(packet) : packet;
    if (!m) {
      this.srtpDropped++;
      return;
    }
    this.rtcpReceived++;
    if (m[1] === 200 && m.length >= 28) {
      // SR: keep the middle 32 bits of its NTP time for our report's LSR
      this.recv.lastSr = m.readUInt32BE(10);
      this.recv.lastSrAt = Date.now();
    }
    // the first report block (SR: after 28 bytes, RR: after 8) about our stream: the share of it the far end lost
    const block = m[1] === 200 ? 28 : m[1] === 201 ? 8 : -1;
    if (block > 0 && ((m[0] as number) & 0x1f) > 0 && m.length >= block + 24 && m.readUInt32BE(block) === this.ssrc) {
      this.farEndLoss = (m[block + 4] as number) / 256;
    }
  }

  private expected(): number {
    const r = this.recv;
    return r.baseSeq < 0 ? 0 : r.cycles + r.maxSeq - r.baseSeq + 1;
  }

  private sendRtcp(): void {
    if (!this.remote) return;
    const now = Date.now();
    const ntpSec = Math.floor(now / 1000) + 2208988800;
    const ntpFrac = Math.floor(((now % 1000) / 1000) * 0x100000000);
    const hasReport = this.recv.packets > 0;
    const sr = Buffer.alloc(28 + (hasReport ? 24 : 0));
    sr[0] = 0x80 | (hasReport ? 1 : 0);
    sr[1] = 200;
    sr.writeUInt16BE(sr.length / 4 - 1, 2);
    sr.writeUInt32BE(this.ssrc, 4);
    sr.writeUInt32BE(ntpSec >>> 0, 8);
    sr.writeUInt32BE(ntpFrac >>> 0, 12);
    sr.writeUInt32BE(this.ts >>> 0, 16);
    sr.writeUInt32BE(this.sent.packets >>> 0, 20);
    sr.writeUInt32BE(this.sent.octets >>> 0, 24);
    if (hasReport) {
      const r = this.recv;
      const expected = this.expected();
      const lost = Math.max(0, expected - r.packets);
      sr.writeUInt32BE(r.ssrc >>> 0, 28);
      sr.writeUInt32BE(((Math.min(255, expected ? Math.floor((lost * 256) / expected) : 0) << 24) | (lost & 0xffffff)) >>> 0, 32);
      sr.writeUInt32BE((r.cycles + r.maxSeq) >>> 0, 36);
      sr.writeUInt32BE(Math.round(r.jitter) >>> 0, 40);
      sr.writeUInt32BE(r.lastSr >>> 0, 44);
      sr.writeUInt32BE(r.lastSrAt ? Math.floor(((now - r.lastSrAt) / 1000) * 65536) >>> 0 : 0, 48);
    }
    if (this.remote.rtcpPort === undefined) return;
    this.rtcp.send(this.srtp ? this.srtp.tx.protectRtcp(sr) : sr, this.remote.rtcpPort, this.remote.address);
    this.rtcpSent++;
  }

  stats(): RtpStats {
    const r = this.recv;
    const expected = this.expected();
    return {
      packetsSent: this.sent.packets,
      octetsSent: this.sent.octets,
      packetsReceived: r.packets,
      octetsReceived: r.octets,
      packetsExpected: expected,
      packetsLost: Math.max(0, expected - r.packets),
      jitterMs: r.jitter / 8,
      maxJitterMs: r.maxJitter / 8,
      codec: this.codec,
      rtcpSent: this.rtcpSent,
      rtcpReceived: this.rtcpReceived,
      localPort: this.port,
      farEndLoss: this.farEndLoss,
      rejected: this.rejected,
      secure: this.srtp !== undefined,
      srtpSuite: this.srtp?.tx.master.suite,
      srtpDropped: this.srtpDropped,
    };
  }

  /** Whether its sockets are open (until close()). */
  get open(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.remote && this.sent.packets > 0) this.sendBye();
    this.engine.remove(this);
    this.engine.release?.(this);
    for (const socket of [this.rtp, this.rtcp]) {
      try {
        socket.close();
      } catch {
        // closed already
      }
    }
  }

  private sendBye(): void {
    if (this.remote?.rtcpPort === undefined) return;
    const bye = Buffer.alloc(8);
    bye[0] = 0x81;
    bye[1] = 203;
    bye.writeUInt16BE(1, 2);
    bye.writeUInt32BE(this.ssrc, 4);
    try {
      this.rtcp.send(this.srtp ? this.srtp.tx.protectRtcp(bye) : bye, this.remote.rtcpPort, this.remote.address);
    } catch {
      // the socket is closing with the session
    }
  }
}
