/**
 * DTMF as SIP INFO (the phone's `voIpProt.SIP.dtmfViaSignaling.rfc2976`): the digit an INFO carries
 * (application/dtmf-relay or application/dtmf), and a sender that keeps one INFO in flight.
 */
import type { SipRequest } from './codec/message.js';

/** The digit an INFO carries, upper case; undefined for any other INFO. */
export function infoDigit(req: SipRequest): string | undefined {
  const type = (req.headers.get('content-type') ?? '').toLowerCase();
  const text = req.body.toString();
  if (type.startsWith('application/dtmf-relay')) return /Signal\s*=\s*([0-9*#A-Da-d])/.exec(text)?.[1]?.toUpperCase();
  if (type.startsWith('application/dtmf')) {
    const d = text.trim();
    return /^[0-9*#A-Da-d]$/.test(d) ? d.toUpperCase() : undefined;
  }
  return undefined;
}

/**
 * One INFO at a time, each after the answer to the one before: over UDP two in flight may arrive out of order, and
 * the later CSeq would make the far end refuse the earlier digit.
 */
export class InfoDtmfSender {
  private readonly queue: string[] = [];
  private busy = false;

  /** `send` sends one digit and calls `done` once it is answered; `open` says whether the dialog still takes them. */
  constructor(
    private readonly send: (digit: string, done: () => void) => void,
    private readonly open: () => boolean,
  ) {}

  push(digits: string): void {
    this.queue.push(...digits);
    if (!this.busy) this.next();
  }

  private next(): void {
    const digit = this.queue.shift();
    if (digit === undefined || !this.open()) {
      this.busy = false;
      return;
    }
    this.busy = true;
    this.send(digit, () => this.next());
  }
}
