/**
 * Reliable provisional responses (RFC 3262), both ways. As the UAS: a 1xx sent with RSeq and `Require: 100rel`,
 * sent again with T1 doubling until the PRACK naming its RSeq and the INVITE's CSeq (RAck) comes, given up after
 * 64 x T1 (the INVITE is then refused 5xx, 3262 3). As the UAC: which reliable 1xx to PRACK (each RSeq once, in
 * order) and the RAck that names it.
 */

/** The RSeq of a response (1 to 2^31-1), or undefined when it carries none or a bad one. */
export function rseqOf(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})\s*$/.exec(value ?? '');
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1 ? n : undefined;
}

export interface RAck {
  readonly rseq: number;
  readonly cseq: number;
  readonly method: string;
}

/** A PRACK's RAck header (`RAck: 1 314159 INVITE`, 3262 7.2), or undefined when malformed. */
export function parseRAck(value: string | undefined): RAck | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const rseq = rseqOf(m[1]);
  const cseq = Number(m[2]);
  if (rseq === undefined || !Number.isInteger(cseq) || cseq > 2 ** 31 - 1) return undefined;
  return { rseq, cseq, method: (m[3] ?? '').toUpperCase() };
}

/** The option tags of a header's values (Require, Supported), lower-cased. */
export function optionTags(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

export interface ReliableEnv {
  readonly schedule: (ms: number, fn: () => void) => { cancel(): void };
  /** T1 in ms. */
  readonly t1: number;
  /** Whether the 1xx is sent again by us (UDP); over a stream it is sent once, the PRACK still awaited. */
  readonly retransmit: boolean;
}

/**
 * The UAS side of one INVITE: at most one reliable 1xx unacknowledged at a time (3262 3); `send` is called with the
 * RSeq to write, `resend` sends the same bytes again, `onAcked` runs when its PRACK comes, `onGiveUp` after 64 x T1
 * without one.
 */
export class ReliableProvisionals {
  /** The next RSeq (the first is random, 1 to 2^31-1 with room to count up, 3262 3). */
  private next: number;
  private unacked: { rseq: number; buf: Buffer; timers: { cancel(): void }[] } | undefined;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly env: ReliableEnv,
    private readonly onGiveUp: () => void,
    first: number = 1 + Math.floor(Math.random() * 2 ** 30),
  ) {
    this.next = first;
  }

  /** Whether a reliable 1xx waits for its PRACK. */
  get pending(): boolean {
    return this.unacked !== undefined;
  }

  /** Sends a reliable 1xx (write builds it with the RSeq given); false when one already waits for its PRACK. */
  send(write: (rseq: number) => Buffer, resend: (buf: Buffer) => void): boolean {
    if (this.unacked) return false;
    const rseq = this.next++;
    const u: { rseq: number; buf: Buffer; timers: { cancel(): void }[] } = { rseq, buf: write(rseq), timers: [] };
    this.unacked = u;
    u.timers.push(this.env.schedule(64 * this.env.t1, () => this.giveUp()));
    if (this.env.retransmit) this.resendAfter(this.env.t1, resend);
    return true;
  }

  /** The unacknowledged 1xx again (a retransmitted INVITE); false when none waits. */
  repeat(resend: (buf: Buffer) => void): boolean {
    if (!this.unacked) return false;
    resend(this.unacked.buf);
    return true;
  }

  private resendAfter(interval: number, resend: (buf: Buffer) => void): void {
    const u = this.unacked;
    if (!u) return;
    u.timers.push(
      this.env.schedule(interval, () => {
        if (this.unacked !== u) return;
        resend(u.buf);
        this.resendAfter(interval * 2, resend);
      }),
    );
  }

  private giveUp(): void {
    this.stop();
    this.onGiveUp();
  }

  /** A PRACK's RAck: true when it names the 1xx waiting (which is then acknowledged), false for anything else (481). */
  prack(rack: RAck | undefined, inviteCseq: number): boolean {
    const u = this.unacked;
    if (!rack || !u || rack.method !== 'INVITE' || rack.cseq !== inviteCseq || rack.rseq !== u.rseq) return false;
    for (const t of u.timers) t.cancel();
    this.unacked = undefined;
    for (const fn of this.waiting.splice(0)) fn();
    return true;
  }

  /** Runs fn once no reliable 1xx waits (at once when none does): the 2xx waits for the PRACK (3262 3). */
  whenAcked(fn: () => void): void {
    if (this.unacked) this.waiting.push(fn);
    else fn();
  }

  /** Stops sending (the INVITE got its final answer, or the call ended). */
  stop(): void {
    for (const t of this.unacked?.timers ?? []) t.cancel();
    this.unacked = undefined;
    this.waiting = [];
  }
}

/** The UAC side: which reliable 1xx are PRACKed (each RSeq once, and only a newer one, 3262 4). */
export class ProvisionalAcks {
  private last: number | undefined;

  /** The RSeq to PRACK for this 1xx, or undefined (not reliable, or already PRACKed). */
  toAck(requireValues: readonly string[], rseqValue: string | undefined): number | undefined {
    if (!optionTags(requireValues).includes('100rel')) return undefined;
    const rseq = rseqOf(rseqValue);
    if (rseq === undefined || (this.last !== undefined && rseq <= this.last)) return undefined;
    this.last = rseq;
    return rseq;
  }
}
