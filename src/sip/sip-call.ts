/**
 * One call as a SIP INVITE dialog, seen from the phone as the far end's inbox: what the phone signals (ringing,
 * answered, rejected, ended, hold, resume, DTMF, refer, replace) goes out as SIP (180, 200 with SDP, 486/603/404/
 * 480, CANCEL or BYE, re-INVITE sendonly/inactive/sendrecv, RFC 4733 events or INFO, REFER, REFER with
 * Replaces), and what arrives as SIP comes back to the phone as signals.
 *
 *   UAC: calling ──1xx──> early ──2xx/ACK──> confirmed ──BYE──> terminated
 *   UAS: offered ──180──> early ──200──> (ACK) confirmed ──BYE──> terminated
 */
import type { Inbox, Party, Signal } from '../phone/calls/signal.js';
import type { SipRequest, SipResponse } from '../transport/sip/message.js';
import { responseTo, SipHeaders, writeSip } from '../transport/sip/message.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { authorization, pickChallenge } from './digest.js';
import type { Dialog } from './dialog.js';
import { hostPort, parseNameAddr, parseUri } from './name-addr.js';
import type { MediaEngine, RtpSession, RtpStats } from './rtp.js';
import { answerDirection, CODECS, parseSdp, writeSdp } from './sdp.js';
import type { Direction, MediaDescription } from './sdp.js';
import type { Destination, OutRequest, SipTransportName, SipWire } from './wire.js';

/** What a call needs from its user agent. */
export interface CallEnv {
  readonly wire: SipWire;
  readonly transactions: ClientTransactions;
  readonly media: MediaEngine | undefined;
  readonly userAgent: string;
  readonly localAddress: string;
  readonly policy: RetryPolicy;
  /** The payload types this phone offers and accepts, best first (voice.codecPref.*). */
  readonly codecs: readonly number[];
  readonly dtmf: { readonly info: boolean; readonly payload: number; readonly onMs: number; readonly offMs: number };
  /** Credentials for challenges to our requests. */
  readonly auth: { readonly user: string; readonly password: string };
  readonly schedule: (ms: number, fn: () => void) => { cancel(): void };
  /** The call is over on the wire: the UA forgets it. */
  readonly forget: (call: SipCall) => void;
  /** An INVITE we sent was referred by another dialog: report its progress there. */
  readonly onProgress?: (call: SipCall, status: number, reason: string) => void;
  /** Runs fn with `call` as the dialog whose REFER the calls fn makes answer to; true when fn made one. */
  readonly referring: (call: SipCall, fn: () => void) => boolean;
}

type State = 'calling' | 'early' | 'confirmed' | 'terminated';

export interface UasSource {
  readonly request: SipRequest;
  readonly reply: (buf: Buffer) => void;
  readonly transport: SipTransportName;
}

const REJECT: Readonly<Record<string, readonly [number, string]>> = {
  busy: [486, 'Busy Here'], declined: [603, 'Decline'], 'not-found': [404, 'Not Found'], 'no-answer': [480, 'Temporarily Unavailable'],
};

function rejection(status: number): Signal {
  if (status === 486 || status === 600) return { type: 'rejected', reason: 'busy' };
  if (status === 404 || status === 484 || status === 604 || status === 410) return { type: 'rejected', reason: 'not-found' };
  if (status === 480 || status === 408) return { type: 'rejected', reason: 'no-answer' };
  return { type: 'rejected', reason: 'declined' };
}

export class SipCall implements Inbox {
  state: State;
  /** The phone's side of this call. */
  peer: Inbox | undefined;
  readonly dialog: Dialog;
  private rtp: RtpSession | undefined;
  private remoteMedia: MediaDescription | undefined;
  private localDirection: Direction = 'sendrecv';
  private sdpVersion = 1;
  private readonly sdpSession = String(Math.floor(Math.random() * 1e9));
  private invite: { request: OutRequest; branch: string; provisional: boolean; authTried: boolean; cancelWanted: boolean } | undefined;
  private uas: (UasSource & { answer?: Buffer; retransmit?: { cancel(): void }; interval: number }) | undefined;
  private answered = false;
  private remoteHeld = false;
  /** A REFER we sent (blind or with Replaces): BYE once the transferee reports a final answer. */
  private transferring = false;
  /** A REFER we accepted: progress of the new call goes back in NOTIFYs with sipfrag. */
  referSubscription: { id: number } | undefined;
  /** This dialog was replaced (RFC 3891): the phone's call lives on in another dialog. */
  replaced = false;
  private phoneEnded = false;
  private byeTimer: { cancel(): void } | undefined;

  private constructor(
    private readonly env: CallEnv,
    readonly role: 'uac' | 'uas',
    dialog: Dialog,
    private readonly dest: Destination,
    readonly remote: Party,
  ) {
    this.dialog = dialog;
    this.state = role === 'uac' ? 'calling' : 'early';
  }

  get callId(): string {
    return this.dialog.callId;
  }

  /** A new outgoing call: the INVITE goes once media is ready. */
  static outgoing(env: CallEnv, dest: Destination, requestUri: string, dialog: Dialog, remote: Party, extra: readonly (readonly [string, string])[] = []): SipCall {
    const call = new SipCall(env, 'uac', dialog, dest, remote);
    void call.sendInvite(requestUri, extra);
    return call;
  }

  /** A new incoming call from an INVITE; answer 488 (and return undefined) when its media cannot be met. */
  static incoming(env: CallEnv, source: UasSource, dialog: Dialog, remote: Party, dest: Destination): SipCall | undefined {
    const offer = parseSdp(source.request.body);
    const call = new SipCall(env, 'uas', dialog, dest, remote);
    call.uas = { ...source, interval: env.policy.t1 };
    if (source.request.body.length > 0) {
      if (!offer || !offer.payloads.some((pt) => env.codecs.includes(pt))) {
        call.respond(488, 'Not Acceptable Here');
        return undefined;
      }
      call.remoteMedia = offer;
      call.remoteHeld = offer.direction === 'sendonly' || offer.direction === 'inactive';
    }
    return call;
  }

  // ---- the phone speaks ----

  receive(s: Signal): void {
    switch (s.type) {
      case 'ringing':
        if (this.role === 'uas' && this.state === 'early' && !this.answered) this.respond(180, 'Ringing');
        break;
      case 'answered':
        if (this.role === 'uas' && !this.answered) void this.answer();
        break;
      case 'rejected': {
        if (this.role !== 'uas' || this.answered) break;
        const [status, reason] = REJECT[s.reason] ?? [603, 'Decline'];
        this.respond(status, reason);
        this.terminate();
        break;
      }
      case 'ended':
        this.phoneEnded = true;
        this.hangUp();
        break;
      case 'hold':
        this.localDirection = this.remoteHeld ? 'inactive' : 'sendonly';
        this.reInvite();
        break;
      case 'resume':
        this.localDirection = 'sendrecv';
        this.reInvite();
        break;
      case 'dtmf':
        this.sendDtmf(s.digits);
        break;
      case 'refer':
        this.refer(`<${this.targetUri(s.target)}>`);
        break;
      case 'replace':
        this.replaceWith(s.inbox);
        break;
    }
  }

  /** The phone's far end (inbox) is another SIP call: refer our far end to it, with Replaces (attended transfer). */
  private replaceWith(other: Inbox): void {
    if (!(other instanceof SipCall)) {
      this.hangUp();
      return;
    }
    if (other.transferring || this.transferring) return; // the other side already sent the REFER
    const d = other.dialog;
    // Replaces names the dialog as the target sees it: its Call-ID, its tag (to-tag) and ours (from-tag).
    const replaces = encodeURIComponent(`${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}`);
    other.transferring = true;
    other.phoneEnded = true;
    this.refer(`<${d.remoteTarget}?Replaces=${replaces}>`);
  }

  private targetUri(target: string): string {
    if (/^sips?:/i.test(target)) return target;
    const local = parseUri(this.dialog.localUri.replace(/^.*</, '').replace(/>.*$/, ''));
    const domain = local ? hostPort(local.host, local.port) : this.dest.host;
    return target.includes('@') ? `sip:${target}` : `sip:${target}@${domain}`;
  }

  // ---- outgoing INVITE ----

  private async openMedia(): Promise<void> {
    if (this.rtp || !this.env.media) return;
    this.rtp = await this.env.media.open(this.env.localAddress, (digit) => this.peer?.receive({ type: 'dtmf', digits: digit }));
    if (this.state === 'terminated') this.closeMedia();
  }

  private sdp(direction: Direction, payloads: readonly number[] = this.env.codecs): Buffer {
    return writeSdp({ sessionId: this.sdpSession, version: this.sdpVersion++, address: this.env.localAddress,
      port: this.rtp?.port ?? 9, payloads, dtmfPayload: this.remoteMedia?.dtmfPayload ?? this.env.dtmf.payload, direction });
  }

  private contact(): string {
    const local = this.env.wire.local(this.dest.transport);
    const user = parseUri(this.dialog.localUri.replace(/^.*</, '').replace(/>.*$/, ''))?.user ?? '';
    const tp = this.dest.transport === 'UDP' ? '' : `;transport=${this.dest.transport.toLowerCase()}`;
    return `<sip:${user ? `${user}@` : ''}${hostPort(local.host, local.port)}${tp}>`;
  }

  private async sendInvite(requestUri: string, extra: readonly (readonly [string, string])[]): Promise<void> {
    try {
      await this.openMedia();
    } catch {
      // no media port: the call goes on without media
    }
    if (this.state === 'terminated') return;
    const headers = [
      ...this.dialog.headers('INVITE', this.dialog.localSeq),
      ['Contact', this.contact()] as [string, string],
      // as a VVX 450 writes its INVITE (it also lists 100rel, which polysim does not do)
      ['Allow-Events', 'conference,talk,hold'] as [string, string],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER'] as [string, string],
      ['Supported', 'replaces'] as [string, string],
      ['User-Agent', this.env.userAgent] as [string, string],
      ['Accept-Language', 'en'] as [string, string],
      ['Content-Type', 'application/sdp'] as [string, string],
      ...extra.map(([k, v]) => [k, v] as [string, string]),
    ];
    const request: OutRequest = { method: 'INVITE', uri: requestUri, headers, body: this.sdp('sendrecv') };
    this.invite = { request, branch: '', provisional: false, authTried: false, cancelWanted: false };
    this.sendInviteRequest(request);
  }

  private sendInviteRequest(request: OutRequest): void {
    const inv = this.invite;
    if (!inv) return;
    inv.branch = this.env.transactions.send(request, this.dest, {
      provisional: (res) => this.onInviteProvisional(res),
      final: (res) => this.onInviteFinal(res),
      timeout: () => this.onInviteTimeout(),
    }, this.env.policy);
  }

  private onInviteProvisional(res: SipResponse): void {
    const inv = this.invite;
    if (!inv || this.state === 'terminated') return;
    inv.provisional = true;
    if (inv.cancelWanted) {
      this.sendCancel();
      return;
    }
    if (res.status === 100) return;
    if (/;\s*tag=/i.test(res.headers.get('to') ?? '')) this.dialog.fromResponse(res);
    this.env.onProgress?.(this, res.status, res.reason);
    if (this.state === 'calling') {
      this.state = 'early';
      if (res.status === 183 && res.body.length > 0) this.applyRemoteSdp(res.body);
      this.peer?.receive({ type: 'ringing' });
    }
  }

  private onInviteFinal(res: SipResponse): void {
    const inv = this.invite;
    if (!inv) return;
    if (res.status >= 200 && res.status < 300) {
      this.dialog.fromResponse(res);
      this.sendAck();
      if (this.state === 'terminated' || inv.cancelWanted) {
        // answered after we hung up: end it at once
        this.state = 'confirmed';
        this.sendBye();
        return;
      }
      this.state = 'confirmed';
      this.applyRemoteSdp(res.body);
      this.env.onProgress?.(this, res.status, res.reason);
      this.peer?.receive({ type: 'answered' });
      return;
    }
    if ((res.status === 401 || res.status === 407) && !inv.authTried && this.state !== 'terminated') {
      const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
      if (challenge) {
        inv.authTried = true;
        const cseq = ++this.dialog.localSeq;
        const headers = inv.request.headers.map(([k, v]): [string, string] => [k, k.toLowerCase() === 'cseq' ? `${cseq} INVITE` : v]);
        headers.push([res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
          authorization(challenge, this.env.auth.user, this.env.auth.password, 'INVITE', inv.request.uri)]);
        inv.request = { ...inv.request, headers };
        inv.provisional = false;
        this.sendInviteRequest(inv.request);
        return;
      }
    }
    this.env.onProgress?.(this, res.status, res.reason);
    const wasLive = this.state !== 'terminated';
    this.terminate();
    if (wasLive && res.status !== 487) this.peer?.receive(rejection(res.status));
  }

  private onInviteTimeout(): void {
    if (this.state === 'terminated') return;
    this.env.onProgress?.(this, 408, 'Request Timeout');
    this.terminate();
    this.peer?.receive({ type: 'rejected', reason: 'no-answer' });
  }

  /** A retransmitted 2xx (its transaction is gone): ACK again. */
  onRetransmitted2xx(): void {
    if (this.role === 'uac' && this.state !== 'calling') this.sendAck();
  }

  private sendAck(): void {
    const inv = this.invite;
    const dest = this.dialog.destination(this.dest.transport) ?? this.dest;
    const cseq = inv ? (inv.request.headers.find(([k]) => k === 'CSeq')?.[1] ?? '1').split(' ')[0] : String(this.dialog.localSeq);
    const auth = inv?.request.headers.filter(([k]) => /authorization$/i.test(k)) ?? [];
    const local = this.env.wire.local(dest.transport);
    const buf = writeSip(`ACK ${this.dialog.remoteTarget} SIP/2.0`, [
      ['Via', `SIP/2.0/${dest.transport} ${hostPort(local.host, local.port)};branch=z9hG4bK${Math.random().toString(16).slice(2, 14)};rport`],
      ...this.dialog.headers('ACK', Number(cseq)), ...auth,
    ]);
    this.env.wire.send(dest, buf);
  }

  private sendCancel(): void {
    const inv = this.invite;
    if (!inv) return;
    // CANCEL: same Request-URI, Call-ID, From, To (no tag), CSeq number and Via branch as the INVITE (9.1)
    const local = this.env.wire.local(this.dest.transport);
    const pick = (name: string): string => inv.request.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    const buf = writeSip(`CANCEL ${inv.request.uri} SIP/2.0`, [
      ['Via', `SIP/2.0/${this.dest.transport} ${hostPort(local.host, local.port)};branch=${inv.branch};rport`],
      ['Max-Forwards', '70'], ['From', pick('from')], ['To', pick('to')], ['Call-ID', pick('call-id')],
      ['CSeq', `${pick('cseq').split(' ')[0]} CANCEL`], ...inv.request.headers.filter(([k]) => k === 'Route'),
    ]);
    // Sent as a plain message: its 200 needs nothing; the INVITE's 487 ends the call.
    this.env.wire.send(this.dest, buf);
    const resend = (n: number): void => {
      if (n > 5 || this.state === 'confirmed') return;
      this.env.schedule(this.env.policy.t1 * 2 ** n, () => { if (this.invite === inv && this.state !== 'confirmed' && !this.finalSeen) { this.env.wire.send(this.dest, buf); resend(n + 1); } });
    };
    if (this.dest.transport === 'UDP') resend(0);
  }

  private get finalSeen(): boolean {
    return this.state === 'terminated';
  }

  // ---- incoming INVITE ----

  private respond(status: number, reason: string, extra: readonly (readonly [string, string])[] = [], body?: Buffer): Buffer | undefined {
    const u = this.uas;
    if (!u) return undefined;
    const headers: (readonly [string, string])[] = [...extra, ['User-Agent', this.env.userAgent]];
    if (status > 100 && status < 300) headers.push(['Contact', this.contact()]);
    if (status >= 180 && status < 300) headers.push(...u.request.headers.all('record-route').map((r) => ['Record-Route', r] as const));
    const buf = responseTo(u.request, status, reason, this.dialog.localTag, headers, body);
    u.reply(buf);
    return buf;
  }

  /** The latest answer again, for a retransmitted INVITE. */
  onRetransmittedInvite(): void {
    if (this.uas?.answer) this.uas.reply(this.uas.answer);
    else if (this.state === 'early') this.respond(180, 'Ringing');
  }

  private async answer(): Promise<void> {
    this.answered = true;
    try {
      await this.openMedia();
    } catch {
      // no port: answer without media
    }
    if (this.state === 'terminated' || !this.uas) return;
    const offer = this.remoteMedia;
    const payloads = offer ? offer.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : this.env.codecs;
    const direction = offer ? answerDirection(offer.direction, this.localDirection) : this.localDirection;
    const body = this.sdp(direction, payloads);
    this.uas.answer = this.respond(200, 'OK', [['Content-Type', 'application/sdp'],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER'], ['Supported', 'replaces']], body);
    this.state = 'confirmed';
    if (offer) this.configureMedia(offer, direction);
    // 13.3.1.4: the 2xx goes again (T1 doubling to T2) until the ACK comes, for 64 x T1
    if (this.uas.transport === 'UDP') this.retransmitAnswer(0);
  }

  private retransmitAnswer(elapsed: number): void {
    const u = this.uas;
    if (!u?.answer) return;
    u.retransmit = this.env.schedule(u.interval, () => {
      if (!u.answer || this.state === 'terminated') return;
      elapsed += u.interval;
      if (elapsed >= 64 * this.env.policy.t1) {
        // no ACK: the dialog is confirmed then ended (13.3.1.4)
        this.sendBye();
        this.peer?.receive({ type: 'ended' });
        return;
      }
      u.reply(u.answer);
      u.interval = Math.min(u.interval * 2, this.env.policy.t2);
      this.retransmitAnswer(elapsed);
    });
  }

  // ---- in-dialog requests that arrive ----

  onRequest(req: SipRequest, reply: (buf: Buffer) => void): void {
    const answer = (status: number, reason: string, extra: readonly (readonly [string, string])[] = [], body?: Buffer): void =>
      reply(responseTo(req, status, reason, this.dialog.localTag, [...extra, ['User-Agent', this.env.userAgent]], body));
    const cseq = Number((req.headers.get('cseq') ?? '').split(/\s+/)[0]);
    switch (req.method) {
      case 'ACK':
        if (this.uas) {
          this.uas.retransmit?.cancel();
          this.uas.answer = undefined;
        }
        if (req.body.length > 0) this.applyRemoteSdp(req.body);
        return;
      case 'CANCEL': {
        answer(200, 'OK');
        if (this.role === 'uas' && !this.answered && this.state !== 'terminated') {
          this.respond(487, 'Request Terminated');
          this.terminate();
          this.peer?.receive({ type: 'ended' });
        }
        return;
      }
      case 'BYE':
        answer(200, 'OK');
        if (this.state !== 'terminated') {
          this.terminate();
          if (!this.replaced && !this.phoneEnded) this.peer?.receive({ type: 'ended' });
        }
        return;
    }
    if (cseq <= this.dialog.remoteSeq && req.method !== 'ACK') {
      answer(500, 'Server Internal Error', [['Retry-After', '1']]);
      return;
    }
    this.dialog.remoteSeq = cseq;
    switch (req.method) {
      case 'INVITE':
        this.onReInvite(req, answer);
        return;
      case 'UPDATE':
      case 'OPTIONS':
      case 'PRACK':
        answer(200, 'OK');
        return;
      case 'INFO':
        this.onInfo(req);
        answer(200, 'OK');
        return;
      case 'REFER':
        this.onRefer(req, answer);
        return;
      case 'NOTIFY':
        answer(200, 'OK');
        this.onReferNotify(req);
        return;
      default:
        answer(405, 'Method Not Allowed', [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, REFER, UPDATE']]);
    }
  }

  private onReInvite(req: SipRequest, answer: (s: number, r: string, e?: readonly (readonly [string, string])[], b?: Buffer) => void): void {
    const offer = req.body.length > 0 ? parseSdp(req.body) : undefined;
    if (offer) this.remoteMedia = offer;
    const remote = this.remoteMedia;
    const direction = remote ? answerDirection(offer ? offer.direction : 'sendrecv', this.localDirection) : this.localDirection;
    const payloads = remote ? remote.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : this.env.codecs;
    const body = this.sdp(direction, payloads);
    const contact: [string, string] = ['Contact', this.contact()];
    answer(200, 'OK', [contact, ['Content-Type', 'application/sdp']], body);
    if (offer) {
      this.configureMedia(offer, direction);
      this.noteRemoteHold(offer.direction === 'sendonly' || offer.direction === 'inactive');
    }
  }

  private noteRemoteHold(held: boolean): void {
    if (held === this.remoteHeld) return;
    this.remoteHeld = held;
    this.peer?.receive({ type: held ? 'hold' : 'resume' });
  }

  private onInfo(req: SipRequest): void {
    const type = (req.headers.get('content-type') ?? '').toLowerCase();
    const text = req.body.toString();
    if (type.startsWith('application/dtmf-relay')) {
      const signal = /Signal\s*=\s*([0-9*#A-Da-d])/.exec(text)?.[1];
      if (signal) this.peer?.receive({ type: 'dtmf', digits: signal.toUpperCase() });
    } else if (type.startsWith('application/dtmf')) {
      const d = text.trim();
      if (/^[0-9*#A-Da-d]$/.test(d)) this.peer?.receive({ type: 'dtmf', digits: d.toUpperCase() });
    }
  }

  private referSeq = 0;

  private onRefer(req: SipRequest, answer: (s: number, r: string, e?: readonly (readonly [string, string])[]) => void): void {
    const referTo = req.headers.get('refer-to');
    if (!referTo) {
      answer(400, 'Bad Request');
      return;
    }
    if (this.state !== 'confirmed' || this.referSubscription) {
      // a call not yet answered (or already being transferred) is not transferred
      answer(403, 'Forbidden');
      return;
    }
    answer(202, 'Accepted', [['Contact', this.contact()]]);
    this.referSubscription = { id: ++this.referSeq };
    this.notifyFrag(100, 'Trying', false);
    const uri = parseNameAddr(referTo).uri;
    const m = /\?(.*)$/.exec(uri);
    const replaces = m ? new URLSearchParams(m[1]).get('Replaces') ?? undefined : undefined;
    const target = uri.replace(/\?.*$/, '');
    const made = this.env.referring(this, () => {
      this.peer?.receive({ type: 'refer', target: replaces ? `${target}?Replaces=${encodeURIComponent(replaces)}` : target });
    });
    if (!made) this.notifyFrag(503, 'Service Unavailable', true);
  }

  /** Progress of the call a REFER asked for, to the referrer (RFC 3515 sipfrag). */
  notifyFrag(status: number, reason: string, final: boolean): void {
    if (!this.referSubscription || this.state !== 'confirmed') return;
    if (final) this.referSubscription = undefined;
    const dest = this.dialog.destination(this.dest.transport) ?? this.dest;
    this.env.transactions.send({
      method: 'NOTIFY', uri: this.dialog.remoteTarget, headers: [
        ...this.dialog.headers('NOTIFY'), ['Contact', this.contact()], ['Event', 'refer'],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
        ['Content-Type', 'message/sipfrag;version=2.0'], ['User-Agent', this.env.userAgent],
      ], body: Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`),
    }, dest, { final: () => undefined, timeout: () => undefined }, this.env.policy);
    // The transferee leaves once the transfer is done, if the transferor has not ended the call by then.
    if (final && status >= 200 && status < 300) this.byeTimer = this.env.schedule(4000, () => this.sendBye());
  }

  private onReferNotify(req: SipRequest): void {
    if (!/^refer/i.test(req.headers.get('event') ?? '')) return;
    const m = /^SIP\/2\.0 (\d{3})/.exec(req.body.toString());
    const status = m ? Number(m[1]) : 0;
    const terminated = /^terminated/i.test(req.headers.get('subscription-state') ?? '');
    if (this.transferring && (status >= 200 || terminated)) this.sendBye();
  }

  // ---- requests we send in the dialog ----

  /** A request in the dialog; a 401 or 407 is answered once with credentials (a new CSeq), as servers that
   * authenticate REFER or re-INVITE ask. */
  private inDialog(method: string, extra: readonly (readonly [string, string])[], body?: Buffer, onFinal?: (res: SipResponse) => void,
    credentials?: readonly [string, string]): void {
    const dest = this.dialog.destination(this.dest.transport) ?? this.dest;
    const headers = [...this.dialog.headers(method), ...extra, ...(credentials ? [credentials] : []), ['User-Agent', this.env.userAgent] as const];
    const uri = this.dialog.remoteTarget;
    this.env.transactions.send({ method, uri, headers, body }, dest, {
      final: (res) => {
        if ((res.status === 401 || res.status === 407) && !credentials) {
          const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
          if (challenge) {
            this.inDialog(method, extra, body, onFinal, [res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
              authorization(challenge, this.env.auth.user, this.env.auth.password, method, uri)]);
            return;
          }
        }
        onFinal?.(res);
      },
      timeout: () => onFinal?.({ kind: 'response', status: 408, reason: 'Request Timeout', headers: new SipHeaders(), body: Buffer.alloc(0) }),
    }, this.env.policy);
  }

  private reinviting = false;
  private reinviteAgain = false;

  /** One re-INVITE at a time (RFC 3261 14.1): a change while one is pending goes once it is answered. */
  private reInvite(): void {
    if (this.state !== 'confirmed') return;
    if (this.reinviting) {
      this.reinviteAgain = true;
      return;
    }
    this.reinviting = true;
    const body = this.sdp(this.localDirection, this.remoteMedia ? this.remoteMedia.payloads.filter((pt) => this.env.codecs.includes(pt)).slice(0, 1) : undefined);
    const dest = this.dialog.destination(this.dest.transport) ?? this.dest;
    const headers = [...this.dialog.headers('INVITE'), ['Contact', this.contact()] as const, ['Content-Type', 'application/sdp'] as const,
      ['User-Agent', this.env.userAgent] as const];
    const request: OutRequest = { method: 'INVITE', uri: this.dialog.remoteTarget, headers, body };
    this.env.transactions.send(request, dest, {
      final: (res) => {
        if (res.status >= 200 && res.status < 300) {
          this.sendAckFor(request);
          this.applyRemoteSdp(res.body);
        }
        this.reinviteDone();
      },
      timeout: () => this.reinviteDone(),
    }, this.env.policy);
  }

  private reinviteDone(): void {
    this.reinviting = false;
    if (this.reinviteAgain) {
      this.reinviteAgain = false;
      this.reInvite();
    }
  }

  private sendAckFor(request: OutRequest): void {
    const dest = this.dialog.destination(this.dest.transport) ?? this.dest;
    const local = this.env.wire.local(dest.transport);
    const seq = Number((request.headers.find(([k]) => k === 'CSeq')?.[1] ?? '1').split(' ')[0]);
    this.env.wire.send(dest, writeSip(`ACK ${this.dialog.remoteTarget} SIP/2.0`, [
      ['Via', `SIP/2.0/${dest.transport} ${hostPort(local.host, local.port)};branch=z9hG4bK${Math.random().toString(16).slice(2, 14)};rport`],
      ...this.dialog.headers('ACK', seq),
    ]));
  }

  private sendDtmf(digits: string): void {
    if (this.state !== 'confirmed') return;
    const d = this.env.dtmf;
    if (!d.info && this.rtp?.sendDtmf(digits, d.onMs, d.offMs)) return;
    // one INFO at a time, each after the answer to the one before: over UDP two in flight may arrive out of order,
    // and the later CSeq would make the far end refuse the earlier digit
    this.infoQueue.push(...digits);
    if (!this.infoBusy) this.nextInfo();
  }

  private readonly infoQueue: string[] = [];
  private infoBusy = false;

  private nextInfo(): void {
    const digit = this.infoQueue.shift();
    if (digit === undefined || this.state !== 'confirmed') {
      this.infoBusy = false;
      return;
    }
    this.infoBusy = true;
    this.inDialog('INFO', [['Content-Type', 'application/dtmf-relay']], Buffer.from(`Signal=${digit}\r\nDuration=${this.env.dtmf.onMs}\r\n`),
      () => this.nextInfo());
  }

  private refer(referTo: string): void {
    if (this.state !== 'confirmed') {
      this.hangUp();
      return;
    }
    this.transferring = true;
    this.phoneEnded = true;
    const me = parseUri(this.dialog.localUri.replace(/^.*</, '').replace(/>.*$/, ''));
    this.inDialog('REFER', [['Refer-To', referTo], ['Referred-By', `<sip:${me?.user ?? ''}@${me ? hostPort(me.host, me.port) : ''}>`], ['Contact', this.contact()]], undefined,
      (res) => { if (res.status >= 300) this.sendBye(); });
    // If no NOTIFY ends it, the transferor leaves anyway.
    this.byeTimer = this.env.schedule(32_000, () => this.sendBye());
  }

  private hangUp(): void {
    if (this.state === 'terminated') return;
    if (this.role === 'uac' && this.state !== 'confirmed') {
      const inv = this.invite;
      if (inv?.provisional) this.sendCancel();
      else if (inv) inv.cancelWanted = true;
      this.closeMedia();
      this.state = 'terminated';
      // the INVITE transaction ends with 487 (or a 2xx, then BYE); forget the call after Timer B
      this.env.schedule(64 * this.env.policy.t1, () => this.env.forget(this));
      return;
    }
    if (this.role === 'uas' && !this.answered) {
      this.respond(480, 'Temporarily Unavailable');
      this.terminate();
      return;
    }
    this.sendBye();
  }

  private sendBye(): void {
    if (this.state !== 'confirmed') return;
    this.terminate();
    this.inDialog('BYE', []);
  }

  private terminate(): void {
    if (this.state === 'terminated' && !this.rtp) return;
    this.state = 'terminated';
    this.byeTimer?.cancel();
    this.uas?.retransmit?.cancel();
    this.closeMedia();
    this.env.forget(this);
  }

  // ---- media ----

  private applyRemoteSdp(body: Buffer): void {
    const desc = parseSdp(body);
    if (!desc) return;
    this.remoteMedia = desc;
    // their answer's direction is their view: sendonly from them means we only receive
    const mine: Direction = desc.direction === 'sendonly' ? 'recvonly' : desc.direction === 'recvonly' ? 'sendonly' : desc.direction;
    this.configureMedia(desc, this.role === 'uac' || this.state === 'confirmed' ? combine(this.localDirection, mine) : this.localDirection);
  }

  private configureMedia(remote: MediaDescription, direction: Direction): void {
    const pt = remote.payloads.find((p) => this.env.codecs.includes(p)) ?? remote.payloads.find((p) => CODECS.some((c) => c.pt === p)) ?? 0;
    this.rtp?.configure({ address: remote.address, port: remote.port }, pt, remote.dtmfPayload, direction === 'sendrecv' || direction === 'sendonly',
      direction === 'sendrecv' || direction === 'recvonly');
  }

  private closeMedia(): void {
    this.rtp?.close();
  }

  stats(): RtpStats | undefined {
    return this.rtp?.stats();
  }
}

/** Our own direction limited by what the far end's answer allows. */
function combine(local: Direction, allowed: Direction): Direction {
  const send = (local === 'sendrecv' || local === 'sendonly') && (allowed === 'sendrecv' || allowed === 'sendonly');
  const recv = (local === 'sendrecv' || local === 'recvonly') && (allowed === 'sendrecv' || allowed === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

