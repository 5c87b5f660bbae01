/**
 * An outgoing call (UAC): the INVITE with our offer through the line's server, its challenge answered once, the
 * provisional and final answers (ringing; answered, with the 2xx acknowledged; busy, declined, not found, no
 * answer), a reliable provisional PRACKed in the early dialog (RFC 3262: each RSeq once), and CANCEL when the
 * phone gives up before an answer. With session timers on, the INVITE asks for an interval (Session-Expires, Min-SE),
 * a 422 is answered by asking once more for the interval it names, and the 2xx's Session-Expires starts the timer
 * (RFC 4028 7).
 */
import { dialogHeaders } from './codec/capabilities.js';
import type { Party, Signal } from '../phone/calls/signal.js';
import type { SipResponse } from './codec/message.js';
import { writeSip } from './codec/message.js';
import type { Dialog } from './dialog.js';
import { cancelled, inDialog } from './dialog-state.js';
import { authorization, pickChallenge } from './digest.js';
import { hostPort } from './name-addr.js';
import { ProvisionalAcks } from './reliable-provisional.js';
import { allowOf, SipCall } from './sip-call.js';
import type { CallEnv } from './sip-call.js';
import type { Destination, OutRequest } from './wire.js';

function rejection(status: number): Signal {
  if (status === 486 || status === 600) return { type: 'rejected', reason: 'busy' };
  if (status === 404 || status === 484 || status === 604 || status === 410) return { type: 'rejected', reason: 'not-found' };
  if (status === 480 || status === 408) return { type: 'rejected', reason: 'no-answer' };
  return { type: 'rejected', reason: 'declined' };
}

export class OutgoingCall extends SipCall {
  /** The INVITE's transaction and its own facts: a 1xx came (a CANCEL may go, 9.1), its challenge was answered. */
  private invite: { request: OutRequest; branch: string; provisional: boolean; authTried: boolean; intervalTried: boolean } | undefined;
  /** The reliable provisionals PRACKed (RFC 3262). */
  private readonly acks = new ProvisionalAcks();

  /** The INVITE goes once media is ready. */
  constructor(
    env: CallEnv,
    dest: Destination,
    requestUri: string,
    dialog: Dialog,
    remote: Party,
    extra: readonly (readonly [string, string])[] = [],
  ) {
    super(env, 'uac', dialog, dest, remote);
    void this.sendInvite(requestUri, extra);
  }

  private async sendInvite(requestUri: string, extra: readonly (readonly [string, string])[]): Promise<void> {
    await this.openMedia();
    if (this.state === 'terminated') return;
    const headers = [
      ...this.dialog.headers('INVITE', this.dialog.localSeq),
      ['Contact', this.contact()] as [string, string],
      // shaped as a VVX 450 writes its INVITE; what it lists is what polysim does (capabilities.ts)
      ...dialogHeaders(this.capabilities).map(([k, v]) => [k, v] as [string, string]),
      ...(this.session?.request() ?? []).map(([k, v]) => [k, v] as [string, string]),
      ['User-Agent', this.env.userAgent] as [string, string],
      ['Accept-Language', 'en'] as [string, string],
      ['Content-Type', 'application/sdp'] as [string, string],
      ...extra.map(([k, v]) => [k, v] as [string, string]),
    ];
    const request: OutRequest = { method: 'INVITE', uri: requestUri, headers, body: this.media.sdp('sendrecv', true) };
    this.invite = { request, branch: '', provisional: false, authTried: false, intervalTried: false };
    this.sendInviteRequest(request);
  }

  private sendInviteRequest(request: OutRequest): void {
    const inv = this.invite;
    if (!inv) return;
    inv.branch = this.env.transactions.send(
      request,
      this.dest,
      {
        provisional: (res) => this.onInviteProvisional(res),
        final: (res) => this.onInviteFinal(res),
        timeout: () => this.onInviteTimeout(),
      },
      this.env.policy,
    );
  }

  private onInviteProvisional(res: SipResponse): void {
    const inv = this.invite;
    if (!inv) return;
    inv.provisional = true;
    const event = res.status === 100 ? 'trying' : 'progress';
    if (this.state === 'cancelPending') {
      // the phone hung up before any answer: the CANCEL may go now
      this.dialogState.move(event);
      this.sendCancel();
      return;
    }
    if (!this.dialogState.can(event)) return;
    if (/;\s*tag=/i.test(res.headers.get('to') ?? '')) this.dialog.fromResponse(res);
    if (res.status > 100) this.prack(res, inv.request);
    this.env.onProgress?.(this, res.status, res.reason);
    const first = this.state === 'calling';
    this.dialogState.move(event);
    if (first) {
      if (res.status === 183 && res.body.length > 0) this.media.apply(res.body, true);
      this.peer?.receive({ type: 'ringing' });
    }
  }

  /** A reliable 1xx (Require: 100rel, RSeq) is PRACKed in its early dialog, once per RSeq (RFC 3262 4). */
  private prack(res: SipResponse, request: OutRequest): void {
    if (!this.dialog.remoteTag) return; // no early dialog to send it in
    const rseq = this.acks.toAck(res.headers.all('require'), res.headers.get('rseq'));
    if (rseq === undefined) return;
    const cseq = (request.headers.find(([k]) => k === 'CSeq')?.[1] ?? '1 INVITE').split(' ')[0];
    this.requests.send('PRACK', [['RAck', `${rseq} ${cseq} INVITE`]]);
  }

  private onInviteFinal(res: SipResponse): void {
    const inv = this.invite;
    if (!inv) return;
    if (res.status >= 200 && res.status < 300) {
      this.dialog.fromResponse(res);
      this.sendAck();
      if (!this.dialogState.can('answered')) return;
      const hungUp = cancelled(this.state);
      this.dialogState.move('answered');
      if (hungUp) {
        // answered after we hung up: end it at once
        this.sendBye();
        return;
      }
      if (this.media.apply(res.body, true)) {
        // an answer that cannot be carried: ACKed, then ended (RFC 3261 13.2.2.4)
        this.endForMedia();
        return;
      }
      this.peerMethods = allowOf(res.headers.all('allow'));
      this.session?.answered(res.headers);
      this.env.onProgress?.(this, res.status, res.reason);
      this.peer?.receive({ type: 'answered' });
      return;
    }
    if (
      res.status === 422 &&
      !inv.intervalTried &&
      (this.state === 'calling' || this.state === 'early') &&
      this.session?.tooSmall(res.headers)
    ) {
      // the interval asked is too short for a proxy or the callee: once more, asking its Min-SE (RFC 4028 7.3)
      inv.intervalTried = true;
      const asked = new Map(this.session.request());
      this.resendInvite(inv, (k, v) => asked.get(k) ?? v);
      return;
    }
    if ((res.status === 401 || res.status === 407) && !inv.authTried && (this.state === 'calling' || this.state === 'early')) {
      const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
      if (challenge) {
        inv.authTried = true;
        this.resendInvite(inv, (_k, v) => v, [
          res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
          authorization(challenge, this.env.auth.user, this.env.auth.password, 'INVITE', inv.request.uri),
        ]);
        return;
      }
    }
    this.env.onProgress?.(this, res.status, res.reason);
    if (!this.dialogState.can('rejected')) return;
    const wasLive = !cancelled(this.state);
    this.terminate('rejected');
    // a 487 we did not ask for (no CANCEL of ours) ends the phone's call too: no call outlives its dialog
    if (wasLive) this.peer?.receive(rejection(res.status));
  }

  /** The INVITE again, as a new transaction with the next CSeq, its headers rewritten by `value`, one added. */
  private resendInvite(
    inv: NonNullable<OutgoingCall['invite']>,
    value: (name: string, v: string) => string,
    added?: [string, string],
  ): void {
    const cseq = ++this.dialog.localSeq;
    const headers = inv.request.headers.map(([k, v]): [string, string] => [k, k.toLowerCase() === 'cseq' ? `${cseq} INVITE` : value(k, v)]);
    if (added) headers.push(added);
    inv.request = { ...inv.request, headers };
    inv.provisional = false;
    this.sendInviteRequest(inv.request);
  }

  private onInviteTimeout(): void {
    if (!this.dialogState.can('timeout')) return;
    const wasLive = !cancelled(this.state);
    this.terminate('timeout');
    if (!wasLive) return;
    this.env.onProgress?.(this, 408, 'Request Timeout');
    this.peer?.receive({ type: 'rejected', reason: 'no-answer' });
  }

  /** Our INVITE's offer has no answer until a 2xx (or an 18x) brings one: an offer in the early dialog is refused 491. */
  protected override offerState(): 'ours' | 'theirs' | undefined {
    if (!inDialog(this.state) && !this.media.remote) return 'ours';
    return super.offerState();
  }

  /** A retransmitted 2xx (its transaction is gone): ACK again. */
  override onRetransmitted2xx(): void {
    if (this.state !== 'calling') this.sendAck();
  }

  /** The ACK of the INVITE's 2xx, with the INVITE's CSeq and credentials. */
  private sendAck(): void {
    const inv = this.invite;
    const cseq = inv ? Number((inv.request.headers.find(([k]) => k === 'CSeq')?.[1] ?? '1').split(' ')[0]) : this.dialog.localSeq;
    this.requests.ack(cseq, inv?.request.headers.filter(([k]) => /authorization$/i.test(k)) ?? []);
  }

  private sendCancel(): void {
    const inv = this.invite;
    if (!inv) return;
    // CANCEL: same Request-URI, Call-ID, From, To (no tag), CSeq number and Via branch as the INVITE (9.1)
    const local = this.env.wire.local(this.dest.transport);
    const pick = (name: string): string => inv.request.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    const buf = writeSip(`CANCEL ${inv.request.uri} SIP/2.0`, [
      ['Via', `SIP/2.0/${this.dest.transport} ${hostPort(local.host, local.port)};branch=${inv.branch};rport`],
      ['Max-Forwards', '70'],
      ['From', pick('from')],
      ['To', pick('to')],
      ['Call-ID', pick('call-id')],
      ['CSeq', `${pick('cseq').split(' ')[0]} CANCEL`],
      ...inv.request.headers.filter(([k]) => k === 'Route'),
    ]);
    // Sent as a plain message: its 200 needs nothing; the INVITE's 487 ends the call.
    this.env.wire.send(this.dest, buf);
    const resend = (n: number): void => {
      if (n > 5 || this.state !== 'cancelling') return;
      this.env.schedule(this.env.policy.t1 * 2 ** n, () => {
        if (this.invite === inv && this.state === 'cancelling') {
          this.env.wire.send(this.dest, buf);
          resend(n + 1);
        }
      });
    };
    if (this.dest.transport === 'UDP') resend(0);
  }

  /**
   * Before a final answer: CANCEL (at once when a 1xx came, else with the first one), and the INVITE's final answer
   * (487, or a 2xx, then BYE; or its timeout) ends the call; before the INVITE went, the call simply ends.
   */
  protected override hangUp(): void {
    if (!this.dialogState.can('hangUp')) {
      super.hangUp();
      return;
    }
    const inv = this.invite;
    if (!inv) {
      this.terminate('hangUp');
      return;
    }
    this.dialogState.move('hangUp', { provisional: inv.provisional, inviteSent: true });
    this.media.close();
    if (this.state === 'cancelling') this.sendCancel();
  }
}
