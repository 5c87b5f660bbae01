/**
 * The phone as notifier of its own lines' dialog state (RFC 6665 with the dialog package, RFC 4235): what another
 * phone's busy lamp field key watching one of these lines is told.
 *
 * A SUBSCRIBE out of dialog to a SIP line, with `Event: dialog`, from the server the line is registered with (the
 * watcher's request comes through it, as NOTIFYs with commands and voicemail summaries do) gets 200 with the
 * Expires granted (the one asked, at most MAX_EXPIRES; MAX_EXPIRES when none is asked; 423 under MIN_EXPIRES) and
 * at once a NOTIFY with the line's full state; every change of the line's calls sends the full state again (its
 * version one up). A refresh in the subscription's dialog is answered and followed by a NOTIFY; Expires: 0, the
 * time running out on the phone's clock, a line that goes or a phone that stops end it with a NOTIFY saying
 * `terminated` (timeout, noresource, deactivated). A NOTIFY the watcher refuses, or that no one answers, ends the
 * subscription. Refused: another package (489 Bad Event, with Allow-Events), a stranger (403), an Accept without
 * the dialog-info type (406), more than MAX_SUBSCRIPTIONS at once (503 with Retry-After).
 *
 * A call's dialog in the document: its SIP Call-ID and tags (so that a watcher can pick it up, RFC 3891), the
 * phone's side as initiator or recipient, its state (an outgoing call trying, then early while it rings; an
 * incoming one early while it rings here; confirmed once answered, on hold too), the line as local and the far end
 * as remote party. A phone off hook but not dialling has no dialog yet.
 */
import type { Call } from '../phone/calls/call.js';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { Phone } from '../phone/phone.js';
import type { SipRequest } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { allowEventsHeader, eventPackage, LINE_CAPABILITIES, unsupportedRequired } from './codec/capabilities.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { Dialog, newTag } from './dialog.js';
import { DIALOG_INFO_TYPE, writeDialogInfo } from './dialog-info.js';
import type { DialogEntry, DialogStateName } from './dialog-info.js';
import { hostPort, parseNameAddr, tagOf } from './name-addr.js';
import { branchOf } from './dialog-watch.js';
import type { Source } from './dialog-watch.js';
import type { Destination, SipTransportName, SipWire } from './wire.js';

/** The longest subscription granted, and the one granted when none is asked (RFC 4235 3.3: an hour). */
export const MAX_EXPIRES = 3600;
/** The shortest subscription taken (423 Interval Too Brief below it). */
export const MIN_EXPIRES = 60;
/** Subscriptions held at once, over all the phone's lines. */
export const MAX_SUBSCRIPTIONS = 64;

type Header = readonly [string, string];

/** A SIP call's dialog as the notifier writes it: its Call-ID and tags, and the far end's URI. */
export interface CallDialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly remoteUri: string;
}

export interface NotifierEnv {
  readonly phone: Phone;
  readonly wire: SipWire;
  readonly transactions: ClientTransactions;
  readonly clock: Clock;
  readonly userAgent: string;
  /** Line n's address of record (sip:user@domain), while it is on a SIP server. */
  aor(line: number): string | undefined;
  /** Whether a request for line n came from the server it is registered with. */
  trusted(line: number, src: Source): boolean;
  policy(line: number): RetryPolicy;
  /** The SIP dialog of the phone's call by its Call-ID, when the call is on SIP. */
  callDialog(callId: string): CallDialog | undefined;
}

interface Subscription {
  readonly key: string;
  readonly line: number;
  readonly dialog: Dialog;
  readonly source: Destination;
  readonly eventId: string | undefined;
  expiresAt: number;
  timer: TimerHandle | undefined;
  version: number;
  /** The dialogs last sent (to send only changes). */
  sent: string;
  /** The last SUBSCRIBE in the dialog answered (its CSeq and branch), to answer a retransmission again. */
  last?: { readonly key: string; readonly answer: Buffer };
}

/** Answers to SUBSCRIBEs out of dialog kept, to answer a retransmission (UDP) again without a second subscription. */
const RECENT_ANSWERS = 64;

const STATE_OF: Partial<Record<Call['state'], DialogStateName>> = {
  Setup: 'trying',
  RingBack: 'early',
  Offering: 'early',
  Connected: 'confirmed',
  Hold: 'confirmed',
};

const bare = (uri: string): string => parseNameAddr(uri).uri;

export class DialogNotifier {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly recent = new Map<string, Buffer>();

  constructor(private readonly env: NotifierEnv) {}

  get size(): number {
    return this.subscriptions.size;
  }

  /** A SUBSCRIBE out of dialog for line `line`: answered, and a subscription begun (with its first NOTIFY). */
  subscribe(req: SipRequest, line: number, src: Source, reply: (buf: Buffer) => void): void {
    const key = `${src.address}:${src.port}|${req.headers.get('call-id') ?? ''}|${req.headers.get('cseq') ?? ''}|${branchOf(req)}`;
    const seen = this.recent.get(key);
    if (seen) return reply(seen);
    const tag = newTag();
    const answer = (status: number, reason: string, extra: readonly Header[] = []): void => {
      const buf = responseTo(req, status, reason, tag, [...extra, ['User-Agent', this.env.userAgent]]);
      this.recent.set(key, buf);
      if (this.recent.size > RECENT_ANSWERS) this.recent.delete(this.recent.keys().next().value as string);
      reply(buf);
    };
    const aor = this.env.aor(line);
    if (!aor) return answer(404, 'Not Found');
    if (!LINE_CAPABILITIES.served.includes(eventPackage(req.headers.get('event'))))
      return answer(489, 'Bad Event', [allowEventsHeader(LINE_CAPABILITIES)]);
    const bad = unsupportedRequired(req, LINE_CAPABILITIES);
    if (bad.length > 0) return answer(420, 'Bad Extension', [['Unsupported', bad.join(',')]]);
    if (!this.env.trusted(line, src)) return answer(403, 'Forbidden', [['Warning', '399 polysim "only through the line\'s SIP server"']]);
    if (!acceptsDialogInfo(req)) return answer(406, 'Not Acceptable', [['Accept', DIALOG_INFO_TYPE]]);
    const expires = askedExpires(req);
    if (expires === undefined) return answer(400, 'Bad Request', [['Warning', '399 polysim "bad Expires"']]);
    if (expires > 0 && expires < MIN_EXPIRES) return answer(423, 'Interval Too Brief', [['Min-Expires', String(MIN_EXPIRES)]]);
    if (expires > 0 && this.subscriptions.size >= MAX_SUBSCRIPTIONS) return answer(503, 'Service Unavailable', [['Retry-After', '60']]);
    const dialog = Dialog.fromRequest(req, tag, `<${aor}>`);
    const granted = Math.min(expires, MAX_EXPIRES);
    // the 2xx that forms the dialog carries the Record-Route back (RFC 3261 12.1.1): the watcher's route set
    answer(200, 'OK', [
      ...req.headers.all('record-route').map((r): Header => ['Record-Route', r]),
      ['Contact', this.contact(line, src.transport)],
      ['Expires', String(granted)],
    ]);
    const sub: Subscription = {
      key: `${dialog.callId}|${tag}`,
      line,
      dialog,
      source: { transport: src.transport, host: src.address, port: src.port },
      eventId: eventId(req),
      expiresAt: this.env.clock.now() + granted * 1000,
      timer: undefined,
      version: 0,
      sent: '',
    };
    // Expires: 0 fetches the state once (RFC 6665 4.4.3): one NOTIFY that ends it
    if (granted === 0) return this.notify(sub, 'terminated;reason=timeout');
    this.subscriptions.set(sub.key, sub);
    this.arm(sub);
    this.notify(sub);
  }

  /** A SUBSCRIBE in one of the subscriptions' dialogs (a refresh, or Expires: 0); false when it is none of theirs. */
  onSubscribe(req: SipRequest, reply: (buf: Buffer) => void): boolean {
    const sub = this.subscriptions.get(`${req.headers.get('call-id') ?? ''}|${tagOf(req.headers.get('to'))}`);
    if (!sub) return false;
    const key = `${req.headers.get('cseq') ?? ''}|${branchOf(req)}`;
    if (sub.last?.key === key) {
      reply(sub.last.answer);
      return true;
    }
    const answer = (status: number, reason: string, extra: readonly Header[] = []): void => {
      const buf = responseTo(req, status, reason, sub.dialog.localTag, [...extra, ['User-Agent', this.env.userAgent]]);
      sub.last = { key, answer: buf };
      reply(buf);
    };
    const cseq = Number((req.headers.get('cseq') ?? '').trim().split(/\s+/)[0]);
    if (!Number.isSafeInteger(cseq) || cseq <= sub.dialog.remoteSeq) {
      answer(500, 'Server Internal Error', [['Retry-After', '1']]);
      return true;
    }
    sub.dialog.remoteSeq = cseq;
    if (eventPackage(req.headers.get('event')) !== 'dialog' || eventId(req) !== sub.eventId) {
      answer(489, 'Bad Event', [allowEventsHeader(LINE_CAPABILITIES)]);
      return true;
    }
    const expires = askedExpires(req);
    if (expires === undefined) {
      answer(400, 'Bad Request', [['Warning', '399 polysim "bad Expires"']]);
      return true;
    }
    if (expires > 0 && expires < MIN_EXPIRES) {
      answer(423, 'Interval Too Brief', [['Min-Expires', String(MIN_EXPIRES)]]);
      return true;
    }
    const granted = Math.min(expires, MAX_EXPIRES);
    answer(200, 'OK', [
      ['Contact', this.contact(sub.line, sub.source.transport)],
      ['Expires', String(granted)],
    ]);
    if (granted === 0) {
      this.end(sub, 'timeout');
      return true;
    }
    sub.expiresAt = this.env.clock.now() + granted * 1000;
    this.arm(sub);
    sub.sent = ''; // a refresh is followed by a NOTIFY (RFC 6665 4.2.1.2)
    this.notify(sub);
    return true;
  }

  /** The phone's calls changed: each subscription whose line's state changed is told. */
  callsChanged(): void {
    for (const sub of [...this.subscriptions.values()]) this.notify(sub, undefined, true);
  }

  /** Ends the subscriptions of lines no longer on a SIP server (noresource). */
  prune(onSip: (line: number) => boolean): void {
    for (const sub of [...this.subscriptions.values()]) if (!onSip(sub.line)) this.end(sub, 'noresource');
  }

  /** Ends every subscription (the phone stops: its watchers should subscribe again later). */
  stopAll(): void {
    for (const sub of [...this.subscriptions.values()]) this.end(sub, 'deactivated');
  }

  private arm(sub: Subscription): void {
    sub.timer?.cancel();
    sub.timer = this.env.clock.schedule(sub.expiresAt - this.env.clock.now(), () => this.end(sub, 'timeout'));
  }

  private end(sub: Subscription, reason: string): void {
    sub.timer?.cancel();
    if (!this.subscriptions.delete(sub.key)) return;
    this.notify(sub, `terminated;reason=${reason}`);
  }

  private contact(line: number, transport: SipTransportName): string {
    const local = this.env.wire.local(transport);
    const user =
      this.env
        .aor(line)
        ?.replace(/^sips?:/i, '')
        .split('@')[0] ?? '';
    const tp = transport === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`;
    return `<sip:${user ? `${user}@` : ''}${hostPort(local.host, local.port)}${tp}>`;
  }

  /** The line's dialogs, as the document lists them. */
  private dialogsOf(line: number, aor: string): DialogEntry[] {
    const name = this.env.phone.lines.exists(line) ? this.env.phone.lines.get(line).displayName : '';
    return this.env.phone.calls.onLine(line).flatMap((call): DialogEntry[] => {
      const state = STATE_OF[call.state];
      if (!state) return [];
      const sip = this.env.callDialog(call.callId);
      const domain = aor.split('@')[1] ?? '';
      const remote = sip?.remoteUri ? bare(sip.remoteUri) : `sip:${call.remote.number}@${domain}`;
      return [
        {
          id: call.callId,
          ...(sip ? { callId: sip.callId } : {}),
          ...(sip?.localTag ? { localTag: sip.localTag } : {}),
          ...(sip?.remoteTag ? { remoteTag: sip.remoteTag } : {}),
          direction: call.direction === 'Incoming' ? 'recipient' : 'initiator',
          state,
          local: { identity: aor, display: name },
          remote: { identity: remote, display: call.remote.name },
        },
      ];
    });
  }

  /** Sends the line's full state (when it changed, with `onlyChanges`), or the NOTIFY that ends the subscription. */
  private notify(sub: Subscription, ending?: string, onlyChanges = false): void {
    const aor = this.env.aor(sub.line) ?? sub.dialog.localUri.replace(/^<|>$/g, '');
    const dialogs = this.dialogsOf(sub.line, aor);
    const json = JSON.stringify(dialogs);
    if (onlyChanges && !ending && json === sub.sent) return;
    sub.sent = json;
    const left = Math.max(0, Math.ceil((sub.expiresAt - this.env.clock.now()) / 1000));
    const body = writeDialogInfo({ version: sub.version++, full: true, entity: aor, dialogs });
    const dest = sub.dialog.destination(sub.source.transport) ?? sub.source;
    this.env.transactions.send(
      {
        method: 'NOTIFY',
        uri: sub.dialog.remoteTarget,
        headers: [
          ...sub.dialog.headers('NOTIFY'),
          ['Contact', this.contact(sub.line, sub.source.transport)],
          ['Event', sub.eventId ? `dialog;id=${sub.eventId}` : 'dialog'],
          ['Subscription-State', ending ?? `active;expires=${left}`],
          ['Content-Type', DIALOG_INFO_TYPE],
          ['User-Agent', this.env.userAgent],
        ],
        body,
      },
      dest,
      {
        // a watcher that refuses the NOTIFY, or does not answer, has let the subscription go (RFC 6665 4.2.2)
        final: (res) => {
          if (res.status >= 300 && !ending) this.drop(sub);
        },
        timeout: () => {
          if (!ending) this.drop(sub);
        },
      },
      this.env.policy(sub.line),
    );
  }

  private drop(sub: Subscription): void {
    sub.timer?.cancel();
    this.subscriptions.delete(sub.key);
  }
}

/** The Expires asked: the header, else an hour (RFC 4235 3.3); undefined when it is not a number. */
function askedExpires(req: SipRequest): number | undefined {
  const v = req.headers.get('expires');
  if (v === undefined) return MAX_EXPIRES;
  return /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : undefined;
}

/** The Event header's id parameter (RFC 6665 8.2.1), which the subscription's NOTIFYs carry back. */
function eventId(req: SipRequest): string | undefined {
  return /;\s*id\s*=\s*([^;\s]+)/i.exec(req.headers.get('event') ?? '')?.[1];
}

/** Whether the Accept header (if any) takes the dialog-info document. */
function acceptsDialogInfo(req: SipRequest): boolean {
  const values = req.headers.all('accept');
  if (values.length === 0) return true;
  const types = values.flatMap((v) => v.split(',')).map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '');
  return types.some((t) => t === DIALOG_INFO_TYPE || t === 'application/*' || t === '*/*');
}
