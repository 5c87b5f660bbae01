/**
 * Push messages on the phone's screen (the Push API of Poly's web application interface), as the Web Application
 * Developer's Guide (UC Software 5.0.0, its tables of priorities against phone states) says they behave:
 *
 * - phone idle: every priority shows at once;
 * - phone busy (in a call, or a message showing): Critical shows at once, over whatever is shown; High and Important
 *   show at once unless what was last shown is of the same or a higher priority, then they wait until the phone is
 *   idle again; Normal waits until the phone is idle;
 * - waiting messages show one after another, in order of priority (Critical, High, Important, Normal), first in
 *   first out within one; the Back softkey (or the Home key) closes the one shown.
 *
 * Bounded: WAITING_MAX messages wait; past that the oldest of the lowest priority is dropped.
 */

export type PushPriority = 'Critical' | 'High' | 'Important' | 'Normal';

export const PRIORITIES: readonly PushPriority[] = ['Critical', 'High', 'Important', 'Normal'];

/** The priority a push asks for, as the guide spells them; absent or unknown: Normal. Case is not significant. */
export function priorityOf(attribute: string | undefined): PushPriority {
  const found = PRIORITIES.find((p) => p.toLowerCase() === (attribute ?? '').trim().toLowerCase());
  return found ?? 'Normal';
}

const RANK: Readonly<Record<PushPriority, number>> = { Critical: 3, High: 2, Important: 1, Normal: 0 };

export interface PushMessage {
  readonly id: number;
  readonly priority: PushPriority;
  /** The pushed XHTML (a Data push, or what a URL push fetched). */
  readonly html: string;
  /** Its text, without markup: what the screen model and the dashboard show. */
  readonly text: string;
  /** The URL it was fetched from (URL pushes). */
  readonly url?: string;
  readonly at: number;
}

export const WAITING_MAX = 16;

/** What the board needs of its phone: whether the phone is idle (no call). */
export interface PushHost {
  idle(): boolean;
  now(): number;
  /** Something on the screen changed. */
  changed(): void;
}

/** Markup out, entities of the common kind decoded, white space folded: the text of a pushed page. */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(lt|gt|amp|quot|apos|nbsp);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' })[e] ?? '')
    .split('\n')
    .map((l) => l.replace(/[ \t\r\f\v]+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
}

export class PushBoard {
  private shownNow: PushMessage | undefined;
  private readonly waiting: PushMessage[] = [];
  private lastShown: PushPriority | undefined;
  private nextId = 1;
  /** Messages dropped because too many waited. */
  dropped = 0;

  constructor(private readonly host: PushHost) {}

  /** The message on the screen, if any. */
  get shown(): PushMessage | undefined {
    return this.shownNow;
  }

  get queued(): readonly PushMessage[] {
    return this.waiting;
  }

  /** A push arrives: shown at once or queued, as its priority and the phone's state say. */
  offer(priority: PushPriority, html: string, url?: string): PushMessage {
    const message: PushMessage = { id: this.nextId++, priority, html, text: textOf(html), ...(url ? { url } : {}), at: this.host.now() };
    const idle = this.host.idle() && !this.shownNow;
    const last = this.lastShown;
    const interrupts =
      idle ||
      priority === 'Critical' ||
      ((priority === 'High' || priority === 'Important') && (last === undefined || RANK[last] < RANK[priority]));
    if (interrupts) {
      if (this.shownNow) this.enqueue(this.shownNow, true);
      this.show(message);
    } else {
      this.enqueue(message, false);
    }
    this.host.changed();
    return message;
  }

  /** The Back softkey: the message shown closes; the next waiting one shows if the phone may show it now. */
  dismiss(): void {
    if (!this.shownNow) return;
    this.shownNow = undefined;
    this.showNext();
    this.host.changed();
  }

  /** The phone's calls changed: once idle again, what waits may show. */
  phoneChanged(): void {
    if (this.shownNow) return;
    if (this.showNext()) this.host.changed();
  }

  /** Everything off the screen and out of the queue (a reboot). */
  clear(): void {
    this.shownNow = undefined;
    this.waiting.length = 0;
    this.lastShown = undefined;
  }

  private show(message: PushMessage): void {
    this.shownNow = message;
    this.lastShown = message.priority;
  }

  /** Shows the first waiting message the phone may show now: Critical always, the others when the phone is idle. */
  private showNext(): boolean {
    const idle = this.host.idle();
    const i = this.waiting.findIndex((m) => idle || m.priority === 'Critical');
    if (i < 0) return false;
    const [next] = this.waiting.splice(i, 1);
    if (!next) return false;
    this.show(next);
    return true;
  }

  /** Into the queue in priority order (FIFO within one); `front`: an interrupted message goes before its equals. */
  private enqueue(message: PushMessage, front: boolean): void {
    const rank = RANK[message.priority];
    let at = this.waiting.findIndex((m) => (front ? RANK[m.priority] <= rank : RANK[m.priority] < rank));
    if (at < 0) at = this.waiting.length;
    this.waiting.splice(at, 0, message);
    if (this.waiting.length > WAITING_MAX) {
      this.waiting.pop();
      this.dropped++;
    }
  }
}
