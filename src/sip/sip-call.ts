/**
 * One call as a SIP INVITE dialog, seen from the phone as the far end's inbox: what the phone signals (ringing,
 * answered, rejected, ended, hold, resume, DTMF, refer, replace) goes out as SIP (180, 200 with SDP, 486/603/404/
 * 480, CANCEL or BYE, re-INVITE sendonly/inactive/sendrecv, RFC 4733 events or INFO, REFER, REFER with
 * Replaces), and what arrives as SIP comes back to the phone as signals. This file is what both directions share
 * once the dialog exists; outgoing-call.ts and incoming-call.ts set it up, transfers.ts does REFER both ways.
 * The dialog's state moves only along the table in dialog-state.ts (with its diagram); so do the re-INVITEs we send.
 */
import type { Inbox, Party, Signal } from '../phone/calls/signal.js';
import type { SipRequest } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { CallMedia } from './call-media.js';
import { LINE_CAPABILITIES, optionsHeaders, refusalOf, unsupportedRequired } from './codec/capabilities.js';
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
}

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
      leftByPhone: () => {
        this.phoneEnded = true;
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
    const refusal = refusalOf(req.method, LINE_CAPABILITIES);
    if (refusal) {
      answer(refusal.status, refusal.reason, refusal.headers);
      return;
    }
    const unsupported = unsupportedRequired(req, LINE_CAPABILITIES);
    if (unsupported.length > 0) {
      answer(420, 'Bad Extension', [['Unsupported', unsupported.join(',')]]);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.onReInvite(req, answer);
        return;
      case 'UPDATE':
        // RFC 3311: an offer is answered in the 200, as a re-INVITE's; without one the 200 refreshes the target
        if (req.body.length > 0) this.onReInvite(req, answer);
        else answer(200, 'OK', [['Contact', this.contact()]]);
        return;
      case 'OPTIONS':
        answer(200, 'OK', [['Contact', this.contact()], ...optionsHeaders(LINE_CAPABILITIES)]);
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
    }
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
    const contact: [string, string] = ['Contact', this.contact()];
    answer(200, 'OK', [contact, ['Content-Type', 'application/sdp']], body);
    if (offer) {
      this.media.configure(offer, direction);
      this.noteRemoteHold(offer.direction === 'sendonly' || offer.direction === 'inactive');
    }
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

  /** One re-INVITE at a time (RFC 3261 14.1): a change while one is out goes once it is answered. */
  private reInvite(): void {
    if (!inDialog(this.state)) return;
    if (this.offers.state === 'stable') this.sendReInvite('offer');
    else this.offers.move('change');
  }

  private sendReInvite(event: 'offer' | 'retry'): void {
    this.offers.move(event);
    this.requests.send(
      'INVITE',
      [
        ['Contact', this.contact()],
        ['Content-Type', 'application/sdp'],
      ],
      this.media.sdp(this.media.local),
      (res) => {
        if (res.status >= 200 && res.status < 300) {
          this.requests.ack(cseqOf(res));
          this.media.apply(res.body, true);
        }
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
    this.transfer.cancel();
    this.media.close();
    this.env.forget(this);
  }

  stats(): RtpStats | undefined {
    return this.media.stats();
  }
}
