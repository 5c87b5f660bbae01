/**
 * One call as a SIP INVITE dialog, seen from the phone as the far end's inbox: what the phone signals (ringing,
 * answered, rejected, ended, hold, resume, DTMF, refer, replace) goes out as SIP (180, 200 with SDP, 486/603/404/
 * 480, CANCEL or BYE, re-INVITE sendonly/inactive/sendrecv, RFC 4733 events or INFO, REFER, REFER with
 * Replaces), and what arrives as SIP comes back to the phone as signals. This file is what both directions share
 * once the dialog exists; outgoing-call.ts and incoming-call.ts set it up, transfers.ts does REFER both ways.
 * The dialog's state moves only along the table in dialog-state.ts (with its diagram); so do the re-INVITEs we send.
 * With session timers on (session-timer.ts), every re-INVITE and UPDATE either way carries Session-Expires, the
 * refresher refreshes the session by UPDATE (when the far end allows it) or re-INVITE, and a session that is not
 * refreshed in time ends with BYE.
 */
import { randomInt } from 'node:crypto';
import type { Inbox, Party, Signal } from '../phone/calls/signal.js';
import type { SipRequest } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { CallMedia } from './call-media.js';
import { badExtension, LINE_CAPABILITIES, optionsHeaders, refusalOf, unsupportedRequired } from './codec/capabilities.js';
import type { Capabilities } from './codec/capabilities.js';
import type { MediaEnv } from './call-media.js';
import type { ClientTransactions } from './client-transactions.js';
import type { Dialog } from './dialog.js';
import { dialogMachine, glareWait, inDialog, offerMachine, offerPending } from './dialog-state.js';
import type { DialogEvent, DialogGuard, DialogMachine, DialogState, OfferMachine } from './dialog-state.js';
import { cseqOf, DialogRequests } from './dialog-requests.js';
import type { RequestEnv } from './dialog-requests.js';
import { InfoDtmfSender, infoDigit } from './info-dtmf.js';
import type { MessageAnswer } from './instant-messages.js';
import type { RtpStats } from './rtp.js';
import { answerDirection, isProblem, warning } from './sdp.js';
import { SessionTimer } from './session-timer.js';
import type { SessionTimerPolicy, UasAnswer } from './session-timer.js';
import type { Facts, RefusalSink } from './state-table.js';
import { CallTransfer } from './transfers.js';
import { fromHop } from './wire.js';
import type { Destination, SipTransportName } from './wire.js';

/** What a call needs from its user agent. */
export interface CallEnv extends MediaEnv, RequestEnv {
  readonly transactions: ClientTransactions;
  readonly dtmf: { readonly info: boolean; readonly payload: number; readonly onMs: number; readonly offMs: number };
  readonly schedule: (ms: number, fn: () => void) => { cancel(): void };
  /** The call is over on the wire: the UA forgets it. */
  readonly forget: (call: SipCall) => void;
  /** An INVITE we sent was referred by another dialog: report its progress there. */
  readonly onProgress?: (call: SipCall, status: number, reason: string) => void;
  /** Runs fn with `call` as the dialog whose REFER the calls fn makes answer to; true when fn made one. */
  readonly referring: (call: SipCall, fn: () => void) => boolean;
  /** Whether a REFER may send the call to this URI (call.transfer.allowedTargets). */
  readonly referAllowed: (uri: string) => boolean;
  /** An instant message in the dialog, for the call's line (instant-messages.ts): the answer to give. */
  readonly message: (req: SipRequest) => MessageAnswer;
  /** Where a move the dialog's table refuses is reported (a process warning when not given). */
  readonly refused?: RefusalSink;
  /** What the phone says it supports (capabilities.ts); LINE_CAPABILITIES when not given. */
  readonly capabilities?: Capabilities;
  /** Session timers (RFC 4028, voIpProt.SIP.keepalive.sessionTimers), when they are on. */
  readonly sessionTimers?: SessionTimerPolicy;
}

type Header = readonly [string, string];

/** The methods a peer's Allow lists (undefined when it sent none). */
export const allowOf = (values: readonly string[]): string[] | undefined =>
  values.length === 0
    ? undefined
    : values
        .flatMap((v) => v.split(','))
        .map((m) => m.trim().toUpperCase())
        .filter((m) => m !== '');

export type State = DialogState;

export interface UasSource {
  readonly request: SipRequest;
  readonly reply: (buf: Buffer) => void;
  readonly transport: SipTransportName;
}

export abstract class SipCall implements Inbox {
  /** The dialog's state machine (dialog-state.ts). */
  readonly dialogState: DialogMachine;
  /** The re-INVITEs we send in the dialog, one at a time. */
  readonly offers: OfferMachine;
  /** The phone's side of this call. */
  peer: Inbox | undefined;
  readonly dialog: Dialog;
  protected readonly media: CallMedia;
  protected readonly requests: DialogRequests;
  protected remoteHeld = false;
  /** REFER, both ways (transfers.ts). */
  readonly transfer: CallTransfer;
  /** This dialog was replaced (RFC 3891): the phone's call lives on in another dialog. */
  replaced = false;
  /** The phone has let the call go (it ended it, or handed it on by REFER): the far end's BYE is not told to it. */
  protected phoneEnded = false;
  /** The session's timer (RFC 4028), while session timers are on. */
  protected readonly session: SessionTimer | undefined;
  /** The methods the far end allows (its INVITE's or 2xx's Allow): a refresh goes by UPDATE when it lists it. */
  protected peerMethods: readonly string[] | undefined;

  protected constructor(
    protected readonly env: CallEnv,
    readonly role: 'uac' | 'uas',
    dialog: Dialog,
    protected readonly dest: Destination,
    readonly remote: Party,
  ) {
    this.dialog = dialog;
    this.dialogState = dialogMachine(role, env.refused);
    this.offers = offerMachine(env.refused);
    this.media = new CallMedia(env, (digit) => this.peer?.receive({ type: 'dtmf', digits: digit }));
    this.requests = new DialogRequests(env, dialog, dest);
    this.session =
      env.sessionTimers &&
      new SessionTimer(env.sessionTimers, {
        schedule: env.schedule,
        refresh: () => this.refreshSession(),
        expire: () => this.endHere(),
      });
    this.transfer = new CallTransfer({
      dialog,
      confirmed: () => inDialog(this.state),
      transferring: () => this.state === 'transferring',
      startTransfer: () => {
        if (!this.dialogState.can('refer')) return false;
        this.dialogState.move('refer');
        return true;
      },
      peer: () => this.peer,
      hopHost: dest.host,
      contact: () => this.contact(),
      send: (method, headers, body, onFinal) => this.requests.send(method, headers, body, onFinal),
      sendBye: () => this.sendBye(),
      hangUp: () => this.hangUp(),
      // the phone's call is over once it hands the call on: its media goes now, the dialog when the transfer is done
      leftByPhone: () => {
        this.phoneEnded = true;
        this.media.close();
      },
      schedule: (ms, fn) => env.schedule(ms, fn),
      referAllowed: (uri) => env.referAllowed(uri),
      referring: (fn) => env.referring(this, fn),
      transferOf: (other) =>
        other instanceof SipCall
          ? {
              dialog: other.dialog,
              transferring: () => other.state === 'transferring',
              // the other dialog is handed on too: its far end, replaced, will end it
              handOn: () => {
                if (other.dialogState.can('refer')) other.dialogState.move('refer');
                other.phoneEnded = true;
                other.media.close();
              },
              end: () => other.sendBye(),
            }
          : undefined,
    });
  }

  get state(): DialogState {
    return this.dialogState.state;
  }

  get callId(): string {
    return this.dialog.callId;
  }

  /** Whether the call's RTP session is open. */
  get mediaOpen(): boolean {
    return this.media.live;
  }

  /** What the phone says it supports in this call. */
  protected get capabilities(): Capabilities {
    return this.env.capabilities ?? LINE_CAPABILITIES;
  }

  /** The session timer's interval and whether we refresh, while one runs. */
  get sessionTimer(): SessionTimer['running'] {
    return this.session?.running;
  }

  /**
   * Whether an in-dialog request came from the dialog's peer: the hop the call began with (its server or the far end)
   * or where the dialog's requests go (first route, remote target). Over UDP the port counts too; over a stream
   * the host alone (its source port is the connection's).
   */
  fromPeer(transport: SipTransportName, address: string, port: number): boolean {
    return [this.dest, this.dialog.destination(this.dest.transport)].some((h) => h !== undefined && fromHop(h, transport, address, port));
  }

  /** A retransmitted 2xx of our INVITE (its transaction is gone). */
  onRetransmitted2xx(): void {
    // only an outgoing call has one
  }

  /** A retransmission of the INVITE that began the call. */
  onRetransmittedInvite(): void {
    // only an incoming call has one
  }

  // ---- the phone speaks ----

  /** What the phone says to an incoming call: it rings, it is answered, it is refused. */
  protected ringing(): void {
    // an outgoing call is not answered by this phone
  }

  protected answered(): void {
    // as above
  }

  protected rejected(_reason: 'busy' | 'declined' | 'not-found' | 'no-answer'): void {
    // as above
  }

  receive(s: Signal): void {
    switch (s.type) {
      case 'ringing':
        this.ringing();
        break;
      case 'answered':
        this.answered();
        break;
      case 'rejected':
        this.rejected(s.reason);
        break;
      case 'ended':
        this.phoneEnded = true;
        this.hangUp();
        break;
      case 'hold':
        this.media.local = this.remoteHeld ? 'inactive' : 'sendonly';
        this.reInvite();
        break;
      case 'resume':
        this.media.local = 'sendrecv';
        this.reInvite();
        break;
      case 'dtmf':
        this.sendDtmf(s.digits);
        break;
      case 'refer':
        this.transfer.referTo(s.target);
        break;
      case 'replace':
        this.transfer.replaceWith(s.inbox);
        break;
    }
  }
  /** Opens the media session; a call that ended meanwhile closes it again. */
  protected async openMedia(): Promise<void> {
    await this.media.open();
    if (this.state === 'terminated') this.media.close();
  }

  protected contact(): string {
    return this.requests.contact();
  }

  // ---- in-dialog requests that arrive ----

  /** The ACK of our 2xx (an incoming call's); it may carry the far end's answer. */
  protected onAck(req: SipRequest): void {
    if (req.body.length === 0) return;
    // an answer in the ACK that cannot be used ends the call (RFC 3261 13.3.1.4, RFC 3264 6)
    const confirmed = inDialog(this.state);
    if (this.media.apply(req.body, confirmed) && confirmed) this.endForMedia();
  }

  /** The far end's answer cannot be carried: the dialog is ended with BYE, and the call with it. */
  protected endForMedia(): void {
    this.sendBye();
    this.peer?.receive({ type: 'ended' });
  }

  /** The dialog is ended from here (BYE), and the phone's call with it (its call log follows). */
  protected endHere(): void {
    if (!this.dialogState.can('bye')) return;
    this.sendBye();
    this.peer?.receive({ type: 'ended' });
  }

  /** A CANCEL (answered 200 already): only an incoming call that still rings is cancelled. */
  protected onCancel(): void {
    // nothing to cancel
  }

  /** A PRACK (RFC 3262): only an incoming call sends reliable provisionals; here none is waiting (481). */
  protected onPrack(_req: SipRequest, answer: (status: number, reason: string) => void): void {
    answer(481, 'Call/Transaction Does Not Exist');
  }

  onRequest(req: SipRequest, reply: (buf: Buffer) => void): void {
    const answer = (status: number, reason: string, extra: readonly (readonly [string, string])[] = [], body?: Buffer): void =>
      reply(responseTo(req, status, reason, this.dialog.localTag, [...extra, ['User-Agent', this.env.userAgent]], body));
    const cseq = Number((req.headers.get('cseq') ?? '').split(/\s+/)[0]);
    // a method served that requires an extension the phone does not do (ACK and CANCEL require none): 420
    const unsupported = refusalOf(req.method, this.capabilities) ? [] : unsupportedRequired(req, this.capabilities);
    if (unsupported.length > 0) {
      const refusal = badExtension(unsupported);
      answer(refusal.status, refusal.reason, refusal.headers);
      return;
    }
    switch (req.method) {
      case 'ACK':
        this.onAck(req);
        return;
      case 'CANCEL':
        answer(200, 'OK');
        this.onCancel();
        return;
      case 'PRACK':
        // before the CSeq check: a retransmitted PRACK (its 200 lost) is answered again, not refused 500
        if (cseq > this.dialog.remoteSeq) this.dialog.remoteSeq = cseq;
        this.onPrack(req, answer);
        return;
      case 'BYE':
        answer(200, 'OK');
        if (this.dialogState.can('byeReceived')) {
          this.terminate('byeReceived');
          if (!this.replaced && !this.phoneEnded) this.peer?.receive({ type: 'ended' });
        }
        return;
    }
    if (cseq <= this.dialog.remoteSeq && req.method !== 'ACK') {
      answer(500, 'Server Internal Error', [['Retry-After', '1']]);
      return;
    }
    this.dialog.remoteSeq = cseq;
    const refusal = refusalOf(req.method, this.capabilities);
    if (refusal) {
      answer(refusal.status, refusal.reason, refusal.headers);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        if (this.offerRefused(req, answer)) return;
        this.onReInvite(req, answer);
        return;
      case 'UPDATE': {
        // RFC 3311: an offer is answered in the 200, as a re-INVITE's; without one the 200 refreshes the target
        if (req.body.length > 0) {
          if (this.offerRefused(req, answer)) return;
          this.onReInvite(req, answer);
          return;
        }
        const timer = this.timerAnswer(req, answer);
        if (timer === false) return;
        this.dialog.refreshTarget(req);
        answer(200, 'OK', [['Contact', this.contact()], ...(timer?.headers ?? [])]);
        if (timer) this.session?.accepted(timer);
        return;
      }
      case 'OPTIONS':
        answer(200, 'OK', [['Contact', this.contact()], ...optionsHeaders(this.capabilities)]);
        return;
      case 'MESSAGE': {
        const m = this.env.message(req);
        answer(m.status, m.reason, m.headers);
        return;
      }
      case 'INFO':
        this.onInfo(req);
        answer(200, 'OK');
        return;
      case 'REFER':
        this.transfer.onRefer(req, answer);
        return;
      case 'NOTIFY':
        answer(200, 'OK');
        this.transfer.onNotify(req);
        return;
      case 'SUBSCRIBE':
        // the dialog package is served out of dialog, to a line (dialog-notifier.ts), never inside a call's dialog
        answer(403, 'Forbidden', [['Warning', '399 polysim "subscribe out of the call\'s dialog"']]);
        return;
    }
  }

  /**
   * Where the dialog's offer/answer stands (RFC 3264, RFC 3311 5.2): `ours` while an offer we made has no answer yet
   * (our re-INVITE out), `theirs` while one we received has none (an incoming call's INVITE before our 2xx).
   */
  protected offerState(): 'ours' | 'theirs' | undefined {
    return offerPending(this.offers.state) ? 'ours' : undefined;
  }

  /**
   * A re-INVITE, or an UPDATE with an offer, while an exchange is not complete is refused and changes nothing: 491
   * Request Pending when our offer waits for its answer, 500 with a Retry-After of 0 to 10 s when theirs waits for
   * ours (RFC 3311 5.2; RFC 3261 14.2 for a second INVITE); true when it was.
   */
  private offerRefused(req: SipRequest, answer: (s: number, r: string, e?: readonly (readonly [string, string])[]) => void): boolean {
    const pending = this.offerState();
    if (pending === 'ours') answer(491, 'Request Pending');
    else if (pending === 'theirs') answer(500, 'Server Internal Error', [['Retry-After', String(randomInt(0, 11))]]);
    return pending !== undefined;
  }

  private onReInvite(
    req: SipRequest,
    answer: (s: number, r: string, e?: readonly (readonly [string, string])[], b?: Buffer) => void,
  ): void {
    if (offerPending(this.offers.state)) {
      // glare: ours is out; the far end tries again after its wait (RFC 3261 14.2)
      answer(491, 'Request Pending');
      return;
    }
    const timer = this.timerAnswer(req, answer);
    if (timer === false) return;
    const offer = req.body.length > 0 ? this.media.read(req.body) : undefined;
    if (isProblem(offer)) {
      // the call goes on as it was (RFC 3261 14.2)
      answer(offer.status, offer.status === 400 ? 'Bad Request' : 'Not Acceptable Here', [
        ['Warning', warning(offer, this.env.localAddress)],
      ]);
      return;
    }
    if (offer) this.media.accept(offer);
    const direction = this.media.remote ? answerDirection(offer ? offer.direction : 'sendrecv', this.media.local) : this.media.local;
    const body = this.media.sdp(direction);
    this.dialog.refreshTarget(req);
    const contact: [string, string] = ['Contact', this.contact()];
    answer(200, 'OK', [contact, ['Content-Type', 'application/sdp'], ...(timer?.headers ?? [])], body);
    if (timer) this.session?.accepted(timer);
    if (offer) {
      this.media.configure(offer, direction);
      this.noteRemoteHold(offer.direction === 'sendonly' || offer.direction === 'inactive');
    }
  }

  /**
   * Session timers on an INVITE or UPDATE of the far end (RFC 4028 9): false when it was refused (400, 422: the
   * session goes on as it was), else what the 2xx carries (Session-Expires, Require and Supported) and starts;
   * undefined with session timers off.
   */
  private timerAnswer(
    req: SipRequest,
    answer: (s: number, r: string, e?: readonly (readonly [string, string])[]) => void,
  ): (UasAnswer & { kind: 'timer' }) | false | undefined {
    if (!this.session) return undefined;
    const a = this.session.answer(req.headers);
    if (a.kind === 'refuse') {
      answer(a.status, a.reason, a.headers);
      return false;
    }
    return { ...a, headers: [...a.headers, ...this.supported()] };
  }

  /** Supported, in the requests and answers session timers add to (RFC 4028 7.1: every request says `timer`). */
  protected supported(): Header[] {
    const tags = this.capabilities.supported;
    return tags.length > 0 ? [['Supported', tags.join(',')]] : [];
  }

  private noteRemoteHold(held: boolean): void {
    if (held === this.remoteHeld) return;
    this.remoteHeld = held;
    this.peer?.receive({ type: held ? 'hold' : 'resume' });
  }

  private onInfo(req: SipRequest): void {
    const digit = infoDigit(req);
    if (digit) this.peer?.receive({ type: 'dtmf', digits: digit });
  }

  // ---- requests we send in the dialog ----

  /**
   * One re-INVITE at a time (RFC 3261 14.1): a change while one is out goes once it is answered. A refresh (session
   * timers) offers our description unchanged; one that finds a re-INVITE out or waiting leaves it to that one, which
   * carries Session-Expires too.
   */
  private reInvite(refresh = false): void {
    if (!inDialog(this.state)) return;
    if (this.offers.state === 'stable') this.sendReInvite('offer', refresh);
    else if (!refresh) this.offers.move('change');
  }

  private sendReInvite(event: 'offer' | 'retry', refresh = false, retried = false): void {
    this.offers.move(event);
    this.requests.send(
      'INVITE',
      [
        ['Contact', this.contact()],
        ['Content-Type', 'application/sdp'],
        ...(this.session ? [...this.session.request(), ...this.supported()] : []),
      ],
      refresh ? this.media.sdpAgain(this.media.local) : this.media.sdp(this.media.local),
      (res) => {
        if (res.status >= 200 && res.status < 300) {
          // its Contact is the dialog's target from now on, the ACK's included (RFC 3261 12.2.1.2)
          this.dialog.refreshTarget(res);
          this.requests.ack(cseqOf(res));
          this.media.apply(res.body, true);
          this.session?.answered(res.headers);
        }
        if (res.status === 422 && !retried && this.session?.tooSmall(res.headers)) {
          // asked too short an interval: once more with the far end's Min-SE (RFC 4028 7.3)
          this.offers.move('settled');
          this.sendReInvite('offer', refresh, true);
          return;
        }
        if (this.refreshLost(res.status)) return;
        if (res.status === 491) {
          // glare: both sides sent a re-INVITE; ours goes again after a random wait (14.1), with the latest direction
          this.offers.move('requestPending');
          this.env.schedule(glareWait(this.role === 'uac'), () => {
            if (inDialog(this.state)) this.sendReInvite('retry');
          });
          return;
        }
        const again = this.offers.state === 'queued';
        this.offers.move('settled');
        if (again) this.reInvite();
      },
    );
  }

  /** Time to refresh the session (we are the refresher): UPDATE when the far end allows it, else re-INVITE (10). */
  private refreshSession(): void {
    if (!inDialog(this.state)) return;
    if (this.peerMethods?.includes('UPDATE')) this.sendUpdate();
    else this.reInvite(true);
  }

  /** A refresh by UPDATE without a body (RFC 3311; RFC 4028 10); refused as unknown, the next goes by re-INVITE. */
  private sendUpdate(retried = false): void {
    const session = this.session;
    if (!session) return;
    this.requests.send('UPDATE', [['Contact', this.contact()], ...session.request(), ...this.supported()], undefined, (res) => {
      if (res.status >= 200 && res.status < 300) {
        this.dialog.refreshTarget(res);
        session.answered(res.headers);
        return;
      }
      if (res.status === 422 && !retried && session.tooSmall(res.headers)) {
        this.sendUpdate(true);
        return;
      }
      if (this.refreshLost(res.status)) return;
      if (res.status === 405 || res.status === 501) {
        this.peerMethods = this.peerMethods?.filter((m) => m !== 'UPDATE');
        this.reInvite(true);
      }
    });
  }

  /**
   * A refresh answered 408 (or none came) or 481: the session is lost, the call ends with BYE (RFC 4028 10, RFC 3261
   * 12.2.1.2). Another failure leaves the session to run out at its expiry unless a refresh succeeds by then.
   */
  private refreshLost(status: number): boolean {
    if (!this.session?.running || (status !== 408 && status !== 481)) return false;
    this.endHere();
    return true;
  }

  private sendDtmf(digits: string): void {
    if (!inDialog(this.state)) return;
    const d = this.env.dtmf;
    if (!d.info && this.media.sendDtmf(digits, d.onMs, d.offMs)) return;
    this.infoDtmf.push(digits);
  }

  private readonly infoDtmf = new InfoDtmfSender(
    (digit, done) =>
      this.requests.send(
        'INFO',
        [['Content-Type', 'application/dtmf-relay']],
        Buffer.from(`Signal=${digit}\r\nDuration=${this.env.dtmf.onMs}\r\n`),
        done,
      ),
    () => inDialog(this.state),
  );

  /** Ends the call as its state asks: BYE once confirmed (an early call ends as its direction says). */
  protected hangUp(): void {
    if (this.state === 'terminated') return;
    this.sendBye();
  }

  protected sendBye(): void {
    if (!this.dialogState.can('bye')) return;
    this.terminate('bye');
    this.requests.send('BYE', []);
  }

  /** Moves the dialog to its end by `event` and lets go of what it held: media, timers, the UA's map. */
  protected terminate(event: DialogEvent, facts?: Facts<DialogGuard>): void {
    if (!this.dialogState.move(event, facts)) return;
    this.session?.stop();
    this.transfer.cancel();
    this.media.close();
    this.env.forget(this);
  }

  stats(): RtpStats | undefined {
    return this.media.stats();
  }
}
