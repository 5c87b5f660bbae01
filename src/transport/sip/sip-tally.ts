/**
 * What a phone's SIP sockets carried, counted at the two doors every message passes: the receiver (whatever
 * arrives, at the listener or on a connection the phone opened; answers to it leave through the sender the arrival
 * brings, counted as they go) and the listener's send (whatever the user agent sends: listener.ts). Plain counts by direction, method and,
 * for a response, its status code (the method from its CSeq), for whoever reports them (src/control/metrics.ts).
 * Methods outside RFC 3261 and its extensions count as `other`, so that nothing a peer sends makes new keys.
 */
import type { Destination, SipTransportName } from '../../sip/codec/destination.js';
import type { Arrival, SipReceiver } from './receiver.js';

export const SIP_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
]);

export type SipDirection = 'in' | 'out';

/** How much of a message is looked at: its start line and headers up to here. */
const HEAD_MAX = 4096;

/** The method and (for a response) status code of a message; undefined for what is no SIP message at all (a keep-alive). */
export function sipSummary(raw: Buffer): { readonly method: string; readonly code: number | undefined } | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.toString('latin1', 0, Math.min(end < 0 ? raw.length : end + 2, HEAD_MAX));
  if (head.trim() === '') return undefined;
  const eol = head.indexOf('\r\n');
  const start = eol < 0 ? head : head.slice(0, eol);
  const status = /^SIP\/2\.0 ([1-6]\d\d) /.exec(start);
  if (status) {
    const cseq = /\r\ncseq[ \t]*:[ \t]*\d+[ \t]+([A-Za-z]+)/i.exec(head);
    return { method: known(cseq?.[1]), code: Number(status[1]) };
  }
  const request = /^([A-Za-z]+) \S+ SIP\/2\.0$/.exec(start);
  return { method: known(request?.[1]), code: undefined };
}

function known(method: string | undefined): string {
  const m = method?.toUpperCase();
  return m !== undefined && SIP_METHODS.has(m) ? m : 'other';
}

export class SipTally {
  /** `in INVITE` for a request, `out INVITE 200` for a response. */
  private readonly counts = new Map<string, number>();

  note(direction: SipDirection, raw: Buffer): void {
    const s = sipSummary(raw);
    if (!s) return;
    const key = s.code === undefined ? `${direction} ${s.method}` : `${direction} ${s.method} ${s.code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Every count so far: direction, method, status code (responses) and how many. */
  forEach(fn: (direction: SipDirection, method: string, code: number | undefined, count: number) => void): void {
    for (const [key, count] of this.counts) {
      const [direction, method, code] = key.split(' ') as [SipDirection, string, string | undefined];
      fn(direction, method, code === undefined ? undefined : Number(code), count);
    }
  }

  /** The receiver as it was, counting what arrives and what is answered on the way it came. */
  receiver(inner: SipReceiver): SipReceiver {
    return {
      receive: (raw: Buffer, arrival: Arrival) => {
        this.note('in', raw);
        const { sender } = arrival;
        const transport: SipTransportName = sender.transport;
        inner.receive(raw, {
          ...arrival,
          sender: {
            transport,
            send: (buf) => {
              this.note('out', buf);
              sender.send(buf);
            },
          },
        });
      },
      opened: (local) => inner.opened(local),
      failed: (dest: Destination, why?: string) => inner.failed(dest, why),
    };
  }
}
