/**
 * What the phone's network interface has carried: the packets its transports counted, background traffic (ARP,
 * SIP keep-alives) by uptime, and the requests of the last 10 seconds (a ring of per-second buckets), which feed the
 * CPU figure. A reboot starts the packet counts again.
 */
import type { Clock } from './clock.js';

export class Traffic {
  /** Packets the transports counted; see packets() for what the interface reports. */
  private counted = { rx: 0, tx: 0 };
  /** Requests per second over the last 10 seconds: a ring of per-second buckets. */
  private readonly buckets = new Array<number>(10).fill(0);
  private bucketSecond = 0;

  constructor(private readonly clock: Clock) {}

  /** A transport handled a request: counts its packets and the request. */
  noteRequest(rxPackets = 1, txPackets = 1): void {
    this.counted.rx += rxPackets;
    this.counted.tx += txPackets;
    this.rollBuckets();
    this.buckets[this.bucketSecond % 10] = (this.buckets[this.bucketSecond % 10] ?? 0) + 1;
  }

  private rollBuckets(): void {
    const second = Math.floor(this.clock.now() / 1000);
    if (second === this.bucketSecond) return;
    const steps = Math.min(10, second - this.bucketSecond);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketSecond + i) % 10] = 0;
    this.bucketSecond = second;
  }

  /** Requests in the last 10 seconds. */
  recentRequests(): number {
    this.rollBuckets();
    return this.buckets.reduce((a, b) => a + b, 0);
  }

  /** Interface packet counters since boot (`uptimeMs` ago): counted traffic plus background traffic. */
  packets(uptimeMs: number): { rx: number; tx: number } {
    const s = Math.floor(uptimeMs / 1000);
    return { rx: this.counted.rx + Math.floor(s * 0.8), tx: this.counted.tx + Math.floor(s * 0.5) };
  }

  /** A reboot: the interface counts from zero. */
  restart(): void {
    this.counted = { rx: 0, tx: 0 };
  }
}
