/**
 * A phone's RTP ports as `tcpIpApp.port.rtp.mediaPortRangeStart` sets them, as Poly phones allocate them (SoundPoint
 * IP / SoundStation IP Administrator's Guide, tcpIpApp.port.rtp): the first call's RTP on the start port, each next
 * one two above, up to start + 46, then back to the start; RTCP on the odd port above each. A port in use is
 * skipped. Unset, the process's media engine picks (a real phone would start at 2222; simulated phones share a host).
 */

/** Even ports in the pool: start, start + 2, ..., start + 46. */
export const POOL_PORTS = 24;

export interface PortPool {
  /** The next RTP port to try (even; RTCP is the one above). */
  next(): number;
  /** How many distinct ports next() goes through before it repeats. */
  readonly size: number;
}

/** The pool's start from the parameter's value: an even port from 1024 with the pool within 65535; else none. */
export function poolStart(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d{1,5}$/.test(v)) return undefined;
  const start = Number(v);
  return start >= 1024 && start % 2 === 0 && start + 2 * (POOL_PORTS - 1) + 1 <= 65535 ? start : undefined;
}

export class MediaPorts implements PortPool {
  readonly size = POOL_PORTS;
  private offset = 0;

  constructor(readonly start: number) {}

  next(): number {
    const port = this.start + 2 * this.offset;
    this.offset = (this.offset + 1) % POOL_PORTS;
    return port;
  }
}
