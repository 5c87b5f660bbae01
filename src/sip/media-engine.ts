/**
 * The process's media engine: opens each call's RTP session on a free even port (RTP) and the odd one above it
 * (RTCP), from the phone's own pool when it has one (media-ports.ts, tcpIpApp.port.rtp.mediaPortRangeStart), and drives every session that sends or receives with one 20 ms tick (one timer however many calls).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { PortPool } from './media-ports.js';
import { RtpSession, TICK_MS } from './rtp.js';
import type { MediaContent, RtpTally, SessionHost } from './rtp.js';

export type { MediaContent } from './rtp.js';

const RTCP_EVERY_TICKS = 250; // 5 s

export class MediaEngine implements SessionHost {
  /** The sessions that send or receive (the tick drives them). */
  private readonly sessions = new Set<RtpSession>();
  /** Every session opened and not closed yet, sending or not (a held or unconfigured one too). */
  private readonly opened = new Set<RtpSession>();
  private timer: NodeJS.Timeout | undefined;
  private nextPort: number;

  constructor(
    readonly content: MediaContent = 'tone',
    private readonly portRange: readonly [number, number] = [16384, 32766],
    /** RTCP reports every this many 20 ms ticks (250: 5 s). */
    readonly rtcpEveryTicks = RTCP_EVERY_TICKS,
  ) {
    this.nextPort = portRange[0] + 2 * Math.floor(Math.random() * ((portRange[1] - portRange[0]) / 2));
  }

  get active(): number {
    return this.sessions.size;
  }

  /** Sessions open (their sockets bound), whether or not they send or receive. */
  get openSessions(): number {
    return this.opened.size;
  }

  /**
   * Opens a session on a free even port (RTP) and the odd one above it (RTCP): the phone's pool's, else the engine's;
   * its packets add to `tally` (the phone's).
   */
  async open(address: string, onDtmf: (digit: string) => void, pool?: PortPool, tally?: RtpTally): Promise<RtpSession> {
    for (let attempt = 0; attempt < (pool ? pool.size : 50); attempt++) {
      const port = pool ? pool.next() : this.nextPort;
      if (!pool) {
        this.nextPort += 2;
        if (this.nextPort >= this.portRange[1]) this.nextPort = this.portRange[0];
      }
      const pair = await bindPair(address, port);
      if (!pair) continue;
      const session = new RtpSession(pair[0], pair[1], port, this, onDtmf, tally);
      this.opened.add(session);
      return session;
    }
    throw new Error('no free RTP port');
  }

  /** @internal */ add(s: RtpSession): void {
    this.sessions.add(s);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  /** One tick of every session; a session that throws stops sending, and the others go on (the timer never throws). */
  private tick(): void {
    for (const session of this.sessions) {
      try {
        session.tick();
      } catch {
        session.halt();
      }
    }
  }

  /** @internal */ release(s: RtpSession): void {
    this.opened.delete(s);
  }

  /** @internal */ remove(s: RtpSession): void {
    this.sessions.delete(s);
    if (this.sessions.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

async function bindPair(address: string, port: number): Promise<[Socket, Socket] | undefined> {
  const type = address.includes(':') ? 'udp6' : 'udp4';
  const bind = (p: number): Promise<Socket | undefined> =>
    new Promise((resolve) => {
      const s = createSocket(type);
      s.once('error', () => {
        s.close();
        resolve(undefined);
      });
      s.bind(p, address, () => {
        s.removeAllListeners('error');
        s.on('error', () => undefined);
        resolve(s);
      });
    });
  const rtp = await bind(port);
  if (!rtp) return undefined;
  const rtcp = await bind(port + 1);
  if (!rtcp) {
    rtp.close();
    return undefined;
  }
  return [rtp, rtcp];
}
