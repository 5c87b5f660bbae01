/**
 * An incoming call (UAS): the INVITE's offer checked (488 when no codec fits), 180 while the phone rings (reliable,
 * with RSeq, when the INVITE requires or supports 100rel: RFC 3262, reliable-provisional.ts), 200 with our answer
 * when it answers (after the 180's PRACK; sent again until the ACK comes), 486/603/404/480 when it refuses, 487
 * after CANCEL. With session timers on, an INVITE asking for too short an interval is refused 422, and the 200
 * carries Session-Expires with the refresher (and Require: timer for a caller that supports timers), whose timer
 * starts as it goes (RFC 4028 9).
 */
import { dialogHeaders } from './codec/capabilities.js';
import type { Party } from '../phone/calls/signal.js';
import { responseTo } from './codec/message.js';
import type { Dialog } from './dialog.js';
import { inDialog } from './dialog-state.js';
import { answerDirection, isProblem, warning } from './sdp.js';
import { optionTags, parseRAck, ReliableProvisionals } from './reliable-provisional.js';
import type { UasAnswer } from './session-timer.js';
import { allowOf, SipCall } from './sip-call.js';
import type { CallEnv, UasSource } from './sip-call.js';
import type { Destination } from './wire.js';

const REJECT: Readonly<Record<string, readonly [number, string]>> = {
  busy: [486, 'Busy Here'],
  declined: [603, 'Decline'],
  'not-found': [404, 'Not Found'],
  'no-answer': [480, 'Temporarily Unavailable'],
};

export class IncomingCall extends SipCall {
  /** The INVITE's server side: the 2xx to send again until the ACK comes (cleared by the ACK). */
  private readonly uas: UasSource & { answer?: Buffer; retransmit?: { cancel(): void }; interval: number };

  /** Reliable provisionals, when the INVITE requires or supports 100rel (where the choice is ours, reliable). */
  private readonly reliable: ReliableProvisionals | undefined;
  /** The last PRACK's CSeq and answer: a retransmission of it gets the same answer (RFC 3261 17.2.2). */
  private lastPrack: { cseq: string; status: number } | undefined;
  /** The session timer the 200 carries (session timers on). */
  private timer: (UasAnswer & { kind: 'timer' }) | undefined;
  /** The INVITE had no offer: our 2xx made one, whose answer the ACK brings (RFC 3264). */
  private offerInAnswer = false;

  private constructor(env: CallEnv, source: UasSource, dialog: Dialog, remote: Party, dest: Destination) {
    super(env, 'uas', dialog, dest, remote);
    this.uas = { ...source, interval: env.policy.t1 };
    const h = source.request.headers;
    this.peerMethods = allowOf(h.all('allow'));
    if ([...optionTags(h.all('require')), ...optionTags(h.all('supported'))].includes('100rel')) {
      this.reliable = new ReliableProvisionals({ schedule: env.schedule, t1: env.policy.t1, retransmit: source.transport === 'UDP' }, () =>
        this.unacknowledged(),
      );
    }
  }

  /**
   * A new incoming call from an INVITE; when its offer cannot be taken, answer 400 (not SDP's syntax) or 488 (nothing
   * we can carry, or an address or port no socket can send to), with a Warning saying why, and return undefined.
   */
  static create(env: CallEnv, source: UasSource, dialog: Dialog, remote: Party, dest: Destination): IncomingCall | undefined {
    const call = new IncomingCall(env, source, dialog, remote, dest);
    const timer = call.session?.answer(source.request.headers);
    if (timer?.kind === 'refuse') {
      // 400 for a malformed Session-Expires or Min-SE, 422 for too short an interval (RFC 4028 9)
      call.respond(timer.status, timer.reason, timer.headers);
      return undefined;
    }
    call.timer = timer;
    if (source.request.body.length > 0) {
      const offer = call.media.read(source.request.body);
      if (isProblem(offer)) {
        call.respond(offer.status, offer.status === 400 ? 'Bad Request' : 'Not Acceptable Here', [
          ['Warning', warning(offer, env.localAddress)],
        ]);
        return undefined;
      }
      call.media.accept(offer);
      call.remoteHeld = offer.direction === 'sendonly' || offer.direction === 'inactive';
    }
    return call;
  }

  protected override ringing(): void {
    if (this.state !== 'early') return;
    if (!this.reliable) {
      this.respond(180, 'Ringing');
      return;
    }
    this.reliable.send(
      (rseq) =>
        this.respond(180, 'Ringing', [
          ['Require', '100rel'],
          ['RSeq', String(rseq)],
        ]),
      (buf) => this.uas.reply(buf),
    );
  }

  /** A PRACK (RFC 3262): 200 when its RAck names the reliable 1xx waiting, else 481 (3262 3). */
  protected override onPrack(req: Parameters<SipCall['onRequest']>[0], answer: (status: number, reason: string) => void): void {
    const cseq = req.headers.get('cseq') ?? '';
    const inviteCseq = Number((this.uas.request.headers.get('cseq') ?? '').split(/\s+/)[0]);
    const status =
      this.lastPrack?.cseq === cseq
        ? this.lastPrack.status
        : this.reliable?.prack(parseRAck(req.headers.get('rack')), inviteCseq)
          ? 200
          : 481;
    this.lastPrack = { cseq, status };
    answer(status, status === 200 ? 'OK' : 'Call/Transaction Does Not Exist');
  }

  /** No PRACK for 64 x T1: the INVITE is refused 5xx (3262 3) and the phone's call ends. */
  private unacknowledged(): void {
    if (!this.dialogState.can('refuse')) return;
    this.respond(504, 'Server Time-out');
    this.terminate('refuse');
    this.peer?.receive({ type: 'ended' });
  }

  protected override answered(): void {
    if (this.state === 'early') void this.answer();
  }

  protected override rejected(reason: 'busy' | 'declined' | 'not-found' | 'no-answer'): void {
    if (this.state !== 'early') return; // answered already (or over)
    const [status, text] = REJECT[reason] ?? [603, 'Decline'];
    this.respond(status, text);
    this.terminate('refuse');
  }

  protected override onAck(req: Parameters<SipCall['onRequest']>[0]): void {
    this.uas.retransmit?.cancel();
    this.uas.answer = undefined;
    this.offerInAnswer = false;
    super.onAck(req);
  }

  /**
   * Before our 2xx the INVITE's offer has no answer (or, when it had none, the offer is ours to make in the 2xx): an
   * offer in the early dialog is refused 500; after a 2xx that made the offer, until the ACK answers it, 491.
   */
  protected override offerState(): 'ours' | 'theirs' | undefined {
    if (this.state === 'early' || this.state === 'answering') return 'theirs';
    if (this.offerInAnswer && inDialog(this.state)) return 'ours';
    return super.offerState();
  }

  protected override onCancel(): void {
    if (!this.dialogState.can('cancelled')) return; // a final answer went already
    this.respond(487, 'Request Terminated');
    this.terminate('cancelled');
    this.peer?.receive({ type: 'ended' });
  }

  protected override hangUp(): void {
    if (this.dialogState.can('refuse')) {
      // no final answer went yet (ringing, or answering while media opens)
      this.respond(480, 'Temporarily Unavailable');
      this.terminate('refuse');
      return;
    }
    super.hangUp();
  }

  protected override terminate(...args: Parameters<SipCall['terminate']>): void {
    this.uas.retransmit?.cancel();
    this.reliable?.stop();
    super.terminate(...args);
  }

  private respond(status: number, reason: string, extra: readonly (readonly [string, string])[] = [], body?: Buffer): Buffer {
    const u = this.uas;
    const headers: (readonly [string, string])[] = [...extra, ['User-Agent', this.env.userAgent]];
    if (status > 100 && status < 300) headers.push(['Contact', this.contact()]);
    if (status >= 180 && status < 300) headers.push(...u.request.headers.all('record-route').map((r) => ['Record-Route', r] as const));
    const buf = responseTo(u.request, status, reason, this.dialog.localTag, headers, body);
    u.reply(buf);
    return buf;
  }

  /** The latest answer again, for a retransmitted INVITE. */
  override onRetransmittedInvite(): void {
    if (this.uas.answer) this.uas.reply(this.uas.answer);
    else if (this.reliable) this.reliable.repeat((buf) => this.uas.reply(buf));
    else if (this.state === 'early' || this.state === 'answering') this.respond(180, 'Ringing');
  }

  private async answer(): Promise<void> {
    this.dialogState.move('answer');
    await this.openMedia();
    // the 2xx waits for the reliable 1xx's PRACK (RFC 3262 3)
    if (this.reliable) await new Promise<void>((resolve) => this.reliable?.whenAcked(resolve));
    if (this.state !== 'answering') return; // cancelled or hung up meanwhile
    const offer = this.media.remote;
    const direction = offer ? answerDirection(offer.direction, this.media.local) : this.media.local;
    const body = this.media.sdp(direction);
    this.offerInAnswer = !offer;
    this.uas.answer = this.respond(
      200,
      'OK',
      [['Content-Type', 'application/sdp'], ...dialogHeaders(this.capabilities), ...(this.timer?.headers ?? [])],
      body,
    );
    this.reliable?.stop();
    this.dialogState.move('accept');
    if (this.timer) this.session?.accepted(this.timer);
    if (offer) this.media.configure(offer, direction);
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
}
