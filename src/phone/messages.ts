/**
 * The phone's instant messages (SIP MESSAGE, RFC 3428): what arrived on its lines and what it sent, newest last,
 * as a desk phone keeps them in its Messages menu. Bounded: the last INBOX_MAX are kept, the oldest goes first.
 * The screen shows how many are unread and the latest of them; reading them (the menu, or the control API) marks
 * them read.
 */

export const INBOX_MAX = 50;
/** The largest message, in bytes of UTF-8: a SIP MESSAGE must fit a UDP datagram (RFC 3428 5: MTU less 200). */
export const MESSAGE_BYTES_MAX = 1300;
/** The longest text kept, in characters (a MESSAGE body is bounded in bytes before it gets here). */
export const TEXT_MAX = MESSAGE_BYTES_MAX;

export interface InstantMessage {
  readonly id: number;
  readonly line: number;
  /** in: received on the line; out: sent from it. */
  readonly direction: 'in' | 'out';
  /** The other party's SIP URI (the sender of one received, the recipient of one sent). */
  readonly peer: string;
  /** Its display name, when the From carried one. */
  readonly name: string;
  readonly text: string;
  /** Epoch milliseconds on the phone's clock. */
  readonly at: number;
  read: boolean;
}

export interface InboxHost {
  now(): number;
  /** What the screen shows of the inbox changed. */
  changed(): void;
}

export class MessageInbox {
  private readonly kept: InstantMessage[] = [];
  private nextId = 1;

  constructor(private readonly host: InboxHost) {}

  /** A message that arrived on `line`: kept unread, and shown. */
  receive(line: number, peer: string, name: string, text: string): InstantMessage {
    return this.keep({ line, direction: 'in', peer, name, text, read: false });
  }

  /** A message the phone sent from `line` (kept read: the user wrote it). */
  sent(line: number, peer: string, text: string): InstantMessage {
    return this.keep({ line, direction: 'out', peer, name: '', text, read: true });
  }

  private keep(m: Omit<InstantMessage, 'id' | 'at'>): InstantMessage {
    const message: InstantMessage = { ...m, text: m.text.slice(0, TEXT_MAX), id: this.nextId++, at: this.host.now() };
    this.kept.push(message);
    if (this.kept.length > INBOX_MAX) this.kept.splice(0, this.kept.length - INBOX_MAX);
    this.host.changed();
    return message;
  }

  /** Every message kept, oldest first. */
  all(): readonly InstantMessage[] {
    return this.kept;
  }

  get unread(): number {
    return this.kept.filter((m) => !m.read).length;
  }

  /** The newest unread message (what the screen's notification shows). */
  latestUnread(): InstantMessage | undefined {
    return this.kept.findLast((m) => !m.read);
  }

  /** Marks every message read (the user opened the inbox); false when none was unread. */
  markAllRead(): boolean {
    const unread = this.kept.filter((m) => !m.read);
    for (const m of unread) m.read = true;
    if (unread.length > 0) this.host.changed();
    return unread.length > 0;
  }

  /** Forgets them all (a factory reset, a reboot: a VVX keeps its instant messages in memory only). */
  clear(): void {
    if (this.kept.length === 0) return;
    this.kept.length = 0;
    this.host.changed();
  }
}
