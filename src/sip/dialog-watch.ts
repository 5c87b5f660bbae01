/**
 * One busy lamp field key's watch: a subscription to a user's dialog state (RFC 6665 with the dialog package,
 * RFC 4235) through the line's registrar, and what its NOTIFYs say, told to the key (idle, ringing with the caller
 * and how to pick the call up, busy; unknown while nothing is known).
 *
 * SUBSCRIBE with `Event: dialog`, `Accept: application/dialog-info+xml` and the line's Expires goes out of dialog
 * to the line's registrar (its outbound proxy); a digest challenge is answered as REGISTER answers it (the last one
 * again, nonce count up, on refreshes); the 2xx (or a NOTIFY before it) forms the subscription's dialog, whose
 * refreshes go in it before the granted time runs out (the line's expires.overlap early, or halfway), on the
 * phone's clock. A 481 to a refresh, or a NOTIFY that ends the subscription asking for a new one (deactivated,
 * timeout), subscribes again at once with a new dialog; a refusal, no answer or another end retries after the
 * line's registration back-off (Retry-After when the notifier gives one). Stopping unsubscribes (Expires: 0).
 * NOTIFYs are taken only from the subscription's peer (the registrar, or where its dialog's requests go); their
 * documents are applied in version order (dialog-info.ts). The state moves along subscription-state.ts's table.
 */
import { randomBytes } from 'node:crypto';
import type { BlfStatus } from '../phone/blf.js';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { eventPackage } from './codec/capabilities.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { Dialog, newTag } from './dialog.js';
import { authorization, pickChallenge } from './digest.js';
import { DIALOG_INFO_TYPE, DialogTracker, lampOf, parseDialogInfo } from './dialog-info.js';
import type { DialogEntry } from './dialog-info.js';
import { hostPort, parseNameAddr, parseUri, quoteName, splitList, tagOf } from './name-addr.js';
import { awaitingAnswer, holding, subscriptionMachine } from './subscription-state.js';
import type { SubscriptionEvent, SubscriptionGuard, SubscriptionMachine } from './subscription-state.js';
import type { Facts, RefusalSink } from './state-table.js';
import { fromHop } from './wire.js';
import type { Destination, SipTransportName, SipWire } from './wire.js';

type Header = readonly [string, string];

/** Where a watch's requests go and who sends them: the watching line, as its registration stands. */
export interface WatchRoute {
  /** The line's registrar (the hop the line is registered through). */
  readonly dest: Destination;
  readonly policy: RetryPolicy;
  /** sip:user@domain of the line, its display name and its credentials. */
  readonly aor: string;
  readonly displayName: string;
  readonly auth: { readonly user: string; readonly password: string };
  /** Seconds asked for (the line's registration period), and how early a refresh goes. */
  readonly expires: number;
  readonly overlap: number;
  /** The registration back-off: the first wait after a failure, doubling up to the last. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export interface WatchEnv {
  readonly wire: SipWire;
  readonly transactions: ClientTransactions;
  readonly clock: Clock;
  readonly userAgent: string;
  readonly refused?: RefusalSink;
}

/** Where a request came from. */
export interface Source {
  readonly transport: SipTransportName;
  readonly address: string;
  readonly port: number;
}

/** Subscription-State (RFC 6665 8.2.3): the state and its parameters. */
export function subscriptionState(value: string | undefined): { state: string; expires?: number; reason?: string; retryAfter?: number } {
  const [state = '', ...params] = (value ?? '').split(';').map((s) => s.trim());
  const p = Object.fromEntries(params.map((x) => [x.split('=')[0]?.toLowerCase() ?? '', x.split('=')[1]?.trim() ?? '']));
  const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined);
  return {
    state: state.toLowerCase(),
    ...(num(p['expires']) !== undefined ? { expires: num(p['expires']) } : {}),
    ...(p['reason'] ? { reason: p['reason'].toLowerCase() } : {}),
    ...(num(p['retry-after']) !== undefined ? { retryAfter: num(p['retry-after']) } : {}),
  };
}

/** The key's state from the dialogs the watched line has. */
export function statusOf(dialogs: readonly DialogEntry[]): BlfStatus {
  const lamp = lampOf(dialogs);
  if (lamp.state !== 'ringing') return { state: lamp.state };
  const d = lamp.dialog;
  const remote = d.remote;
  if (!remote) return { state: 'ringing' };
  const uri = remote.identity || remote.target || '';
  const caller = { uri, name: remote.display, number: parseUri(uri)?.user ?? '' };
  // picking the call up: an INVITE to the caller replacing its early dialog with the watched line (RFC 3891, RFC 4235
  // 2: the tags as the watched side holds them; the caller's is the remote one)
  const pickup =
    d.callId && d.localTag && d.remoteTag && /^sips?:/i.test(uri)
      ? `${uri}?Replaces=${encodeURIComponent(`${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag};early-only`)}`
      : undefined;
  return { state: 'ringing', caller, ...(pickup ? { pickup } : {}) };
}

const UNKNOWN: BlfStatus = { state: 'unknown' };

/** A refusal of a NOTIFY's body: the answer's status, reason and headers. */
export interface BodyRefusal {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly Header[];
}

/**
 * What a watch's NOTIFYs carry and what it shows: one user's dialog state (singleDialog, a key), or a resource
 * list's (list-content.ts, the keys of attendant.uri).
 */
export interface WatchContent {
  /** The SUBSCRIBE's Accept, and the option tag it says it supports (eventlist for lists). */
  readonly accept: string;
  readonly supported?: string;
  /** Reads a NOTIFY's body: how to apply it, or the answer that refuses it. */
  read(contentType: string, body: Buffer): { readonly apply: () => 'applied' | 'stale' | 'refresh' } | BodyRefusal;
  /** Shows what is known (active) or unknown (the subscription pending, or none). */
  show(active: boolean): void;
  /** Forgets what was told (a new subscription starts its versions again). */
  reset(): void;
}

/** One user's dialog state (RFC 4235), shown on one key. */
export function singleDialog(show: (status: BlfStatus) => void): WatchContent {
  const tracker = new DialogTracker();
  return {
    accept: DIALOG_INFO_TYPE,
    read(contentType, body) {
      const type = contentType.split(';')[0]?.trim().toLowerCase();
      if (type !== DIALOG_INFO_TYPE) return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', DIALOG_INFO_TYPE]] };
      const info = parseDialogInfo(body);
      if ('error' in info)
        return { status: 400, reason: 'Bad Request', headers: [['Warning', `399 polysim "dialog-info: ${info.error}"`]] };
      return { apply: () => tracker.apply(info) };
    },
    show: (active) => show(active ? statusOf(tracker.current) : UNKNOWN),
    reset: () => tracker.reset(),
  };
}

export class DialogWatch {
  readonly state: SubscriptionMachine;
  private dialog: Dialog;
  private readonly content: WatchContent;
  private timer: TimerHandle | undefined;
  private branch: string | undefined;
  private challenge: { header: string; challenge: NonNullable<ReturnType<typeof pickChallenge>>; nc: number } | undefined;
  private failures = 0;
  /** Unsubscribed: the notifier's last NOTIFY (terminated) may still come after the 2xx, and is answered 200. */
  private unsubscribed = false;
  private minExpires = 0;
  /** The last NOTIFY answered (its CSeq and branch), to answer a retransmission again. */
  private lastNotify: { readonly key: string; readonly answer: Buffer } | undefined;

  constructor(
    /** The SIP URI watched. */
    readonly target: string,
    private readonly route: WatchRoute,
    private readonly env: WatchEnv,
    /** Tells the key what the watched line does; or what the watch reads and shows (a resource list). */
    show: ((status: BlfStatus) => void) | WatchContent,
  ) {
    this.content = typeof show === 'function' ? singleDialog(show) : show;
    this.state = subscriptionMachine(env.refused);
    this.dialog = this.newDialog();
  }

  /** The current subscription's Call-ID and our tag in it (how its NOTIFYs are matched). */
  matches(callId: string, localTag: string): boolean {
    return this.dialog.callId === callId && this.dialog.localTag === localTag;
  }

  start(): void {
    if (!this.state.can('start')) return;
    this.move('start');
    this.subscribe(this.expires);
  }

  /** Ends the watch: unsubscribes (Expires: 0) when the notifier holds the subscription. */
  stop(): void {
    this.timer?.cancel();
    this.abandon();
    if (!this.state.can('stop')) return;
    const unsubscribe = this.state.state === 'active' || this.state.state === 'refreshing';
    this.move('stop');
    if (!unsubscribe) return;
    this.unsubscribed = true;
    this.subscribe(0);
  }

  private get expires(): number {
    return Math.max(this.route.expires, this.minExpires);
  }

  private newDialog(): Dialog {
    const host = parseUri(this.route.aor)?.host ?? 'polysim';
    const local = `${quoteName(this.route.displayName)}<${this.route.aor}>`;
    return new Dialog(`${randomBytes(12).toString('hex')}@${host}`, newTag(), local, `<${this.target}>`, this.target, 0);
  }

  private move(event: SubscriptionEvent, facts?: Facts<SubscriptionGuard>): boolean {
    return this.state.move(event, facts);
  }

  private abandon(): void {
    if (this.branch) this.env.transactions.abandon(this.branch, 'SUBSCRIBE');
    this.branch = undefined;
  }

  /** SUBSCRIBE for `expires` seconds: in the subscription's dialog once it has one, else through the registrar. */
  private subscribe(expires: number, credentials?: Header): void {
    const inDialog = this.dialog.remoteTag !== '';
    const dest = inDialog ? (this.dialog.destination(this.route.dest.transport) ?? this.route.dest) : this.route.dest;
    const uri = this.dialog.remoteTarget;
    const auth = credentials ?? this.sign(uri);
    const local = this.env.wire.local(this.route.dest.transport);
    const tp = this.route.dest.transport === 'UDP' ? '' : `;transport=${this.route.dest.transport.toLowerCase()}`;
    const user = parseUri(this.route.aor)?.user ?? '';
    const headers: Header[] = [
      ...this.dialog.headers('SUBSCRIBE'),
      ['Contact', `<sip:${user ? `${user}@` : ''}${hostPort(local.host, local.port)}${tp}>`],
      ['Event', 'dialog'],
      ['Accept', this.content.accept],
      ...(this.content.supported ? [['Supported', this.content.supported] as const] : []),
      ['Expires', String(expires)],
      ...(auth ? [auth] : []),
      ['User-Agent', this.env.userAgent],
    ];
    this.abandon();
    this.branch = this.env.transactions.send(
      { method: 'SUBSCRIBE', uri, headers },
      dest,
      {
        final: (res) => this.onFinal(res, expires, credentials !== undefined),
        timeout: () => this.onFinal(undefined, expires, false),
      },
      this.route.policy,
    );
  }

  /** The last challenge answered again (nonce count up), as a phone does on refreshes. */
  private sign(uri: string): Header | undefined {
    const c = this.challenge;
    if (!c) return undefined;
    c.nc++;
    return [
      c.header === 'proxy' ? 'Proxy-Authorization' : 'Authorization',
      authorization(c.challenge, this.route.auth.user, this.route.auth.password, 'SUBSCRIBE', uri, c.nc),
    ];
  }

  private onFinal(res: SipResponse | undefined, expires: number, answeredChallenge: boolean): void {
    this.branch = undefined;
    if (this.state.state === 'unsubscribing') {
      this.move('unsubscribed');
      return;
    }
    if (!awaitingAnswer(this.state.state)) return;
    if (!res) return this.fail();
    if (res.status >= 200 && res.status < 300) {
      if (this.dialog.remoteTag === '') this.dialog.fromResponse(res);
      const granted = Number(res.headers.get('expires') ?? expires);
      this.failures = 0;
      this.move('accepted');
      // a notifier may grant nothing (it ends the subscription at once): the NOTIFY that ends it says what next
      if (Number.isFinite(granted) && granted > 0) this.refreshIn(granted);
      return;
    }
    if (res.status === 401 || res.status === 407) {
      const values = res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const challenge = pickChallenge(values);
      const fresh = challenge !== undefined && (!answeredChallenge || /stale\s*=\s*"?true/i.test(values.join(',')));
      if (!challenge || !fresh) {
        this.challenge = undefined;
        if (this.move('challenge', { fresh: false })) this.waitAndRetry();
        return;
      }
      this.move('challenge', { fresh: true });
      this.challenge = { header: res.status === 401 ? 'www' : 'proxy', challenge, nc: 0 };
      this.subscribe(expires, this.sign(this.dialog.remoteTarget));
      return;
    }
    if (res.status === 423) {
      const min = Number(res.headers.get('min-expires'));
      if (Number.isFinite(min) && min > expires && min <= 86_400) {
        this.minExpires = min;
        this.move('intervalTooBrief');
        this.subscribe(min);
        return;
      }
    }
    // a refresh the notifier no longer knows: a new subscription at once (RFC 6665 4.1.2.2)
    if (res.status === 481 && this.state.state === 'refreshing') return this.again();
    this.fail(retryAfter(res));
  }

  /** A new subscription in a new dialog, now. */
  private again(): void {
    this.content.reset();
    this.dialog = this.newDialog();
    this.move('gone');
    this.subscribe(this.expires);
  }

  private fail(afterSeconds?: number): void {
    if (this.move('failed')) this.waitAndRetry(afterSeconds);
  }

  /** Waiting: the key shows unknown; a new subscription after the back-off (or the notifier's Retry-After). */
  private waitAndRetry(afterSeconds?: number): void {
    this.timer?.cancel();
    this.content.reset();
    this.dialog = this.newDialog();
    this.content.show(false);
    const backOff = Math.min(this.route.retryBaseMs * 2 ** this.failures, this.route.retryMaxMs);
    this.failures++;
    this.timer = this.env.clock.schedule(afterSeconds !== undefined ? afterSeconds * 1000 : backOff, () => {
      if (!this.state.can('retry')) return;
      this.move('retry');
      this.subscribe(this.expires);
    });
  }

  private refreshIn(seconds: number): void {
    const early = seconds > 2 * this.route.overlap ? seconds - this.route.overlap : seconds / 2;
    this.timer?.cancel();
    this.timer = this.env.clock.schedule(early * 1000, () => this.refresh());
  }

  private refresh(): void {
    if (!this.state.can('refreshDue')) return;
    this.move('refreshDue');
    this.subscribe(this.expires);
  }

  /** Whether a request came from the subscription's peer: the registrar, or where its dialog's requests go. */
  private fromPeer(src: Source): boolean {
    return [this.route.dest, this.dialog.destination(this.route.dest.transport)].some(
      (h) => h !== undefined && fromHop(h, src.transport, src.address, src.port),
    );
  }

  /** A NOTIFY of this subscription (its Call-ID and our tag): answered, and what it says applied. */
  onNotify(req: SipRequest, src: Source, reply: (buf: Buffer) => void): void {
    if (!this.fromPeer(src)) {
      reply(responseTo(req, 403, 'Forbidden', this.dialog.localTag, [['User-Agent', this.env.userAgent]]));
      return;
    }
    // a retransmission (its answer lost, over UDP) gets the same answer again, and is applied once
    const key = `${req.headers.get('cseq') ?? ''}|${branchOf(req)}`;
    if (this.lastNotify?.key === key) return reply(this.lastNotify.answer);
    const answer = (status: number, reason: string, extra: readonly Header[] = []): void => {
      const buf = responseTo(req, status, reason, this.dialog.localTag, [...extra, ['User-Agent', this.env.userAgent]]);
      this.lastNotify = { key, answer: buf };
      reply(buf);
    };
    // the NOTIFY that ends a subscription we ended may come after its 2xx (RFC 6665 4.1.2.3): taken, nothing shown
    const ending = /^\s*terminated\b/i.test(req.headers.get('subscription-state') ?? '');
    if (this.state.state === 'stopped' && this.unsubscribed && ending) return answer(200, 'OK');
    if (!holding(this.state.state)) return answer(481, 'Subscription Does Not Exist');
    if (eventPackage(req.headers.get('event')) !== 'dialog') return answer(489, 'Bad Event', [['Allow-Events', 'dialog']]);
    const fromTag = tagOf(req.headers.get('from'));
    const cseq = Number((req.headers.get('cseq') ?? '').trim().split(/\s+/)[0]);
    if (this.dialog.remoteTag === '') {
      // the NOTIFY comes before the 2xx and forms the dialog (RFC 6665 4.1.2.4): its peer, target and route set
      this.dialog.remoteTag = fromTag;
      const contact = req.headers.get('contact');
      if (contact) this.dialog.remoteTarget = parseNameAddr(splitList(contact)[0] ?? contact).uri;
      this.dialog.routeSet = req.headers.all('record-route').flatMap(splitList);
    } else if (fromTag !== this.dialog.remoteTag) {
      return answer(481, 'Subscription Does Not Exist'); // another fork's: one notifier is kept
    }
    if (!Number.isSafeInteger(cseq) || cseq <= this.dialog.remoteSeq) return answer(500, 'Server Internal Error', [['Retry-After', '1']]);
    this.dialog.remoteSeq = cseq;
    const sub = subscriptionState(req.headers.get('subscription-state'));
    let read: ReturnType<WatchContent['read']> | undefined;
    if (req.body.length > 0) {
      read = this.content.read(req.headers.get('content-type') ?? '', req.body);
      if ('status' in read) return answer(read.status, read.reason, read.headers);
    }
    answer(200, 'OK');
    if (sub.state === 'terminated') return this.ended(sub.reason, sub.retryAfter);
    if (this.state.state === 'unsubscribing') {
      this.move('notified');
      return;
    }
    if (read && 'apply' in read) {
      const applied = read.apply();
      // a partial document after a lost one: a refresh brings the full state (RFC 4235 4.1)
      if (applied === 'refresh' && this.state.state === 'active') this.refresh();
    }
    this.move('notified');
    this.content.show(sub.state === 'active');
    if (sub.state === 'active' && sub.expires !== undefined && this.state.state === 'active') this.refreshIn(sub.expires);
  }

  /**
   * The notifier ended the subscription (RFC 6665 4.1.3): deactivated or timeout, subscribe again at once; probation
   * or giveup, after its Retry-After; rejected, noresource, invariant or none given, after the back-off.
   */
  private ended(reason: string | undefined, retryAfterSeconds: number | undefined): void {
    if (this.state.state === 'unsubscribing') {
      this.move('notified');
      return;
    }
    this.abandon();
    this.timer?.cancel();
    const atOnce = (reason === 'deactivated' || reason === 'timeout') && retryAfterSeconds === undefined;
    if (atOnce) {
      this.content.reset();
      this.dialog = this.newDialog();
      this.move('terminated', { atOnce: true });
      this.subscribe(this.expires);
      return;
    }
    if (this.move('terminated', { atOnce: false })) this.waitAndRetry(retryAfterSeconds);
  }
}

/** The top Via's branch (with the CSeq, what tells a retransmission from a new request). */
export const branchOf = (req: SipRequest): string => /;\s*branch=([^;\s,]+)/i.exec(req.headers.get('via') ?? '')?.[1] ?? '';

/** A Retry-After in seconds (RFC 3261 20.33), bounded to a day. */
function retryAfter(res: SipResponse): number | undefined {
  const m = /^\s*(\d{1,9})/.exec(res.headers.get('retry-after') ?? '');
  return m ? Math.min(Number(m[1]), 86_400) : undefined;
}
