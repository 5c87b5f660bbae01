/**
 * Call transfer over SIP (RFC 3515 REFER, RFC 3891 Replaces, RFC 5589), both sides of it.
 *
 * - CallTransfer, one per dialog. As transferor: the phone transfers its call (blind: REFER to the target; attended:
 *   REFER to the other call's far end with Replaces, that other dialog handed on), then leaves with BYE once the
 *   transferee reports a final answer (or after 32 s); a handed-on dialog the target has not ended by then (it
 *   ignored Replaces) gets its BYE too. As transferee: a REFER the far end sends (answered 202 when call.transfer.
 *   allowedTargets lets it) goes to the phone as a refer whose referrer stays: the phone holds the call and places
 *   the new one (phone/calls/referred-transfers.ts). NOTIFYs with sipfrag report it: `SIP/2.0 100 Trying` at once
 *   (Subscription-State active), then the new call's final answer (200, or the failure) with Subscription-State
 *   terminated;reason=noresource; one answered 491 Request Pending goes again. The transferor's BYE ends the held
 *   call; after a failure it stays, on hold.
 * - Referrals, one per user agent: which outgoing call a REFER caused, so that its outcome reaches the referrer.
 */
import type { Inbox } from '../phone/calls/signal.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import type { Dialog } from './dialog.js';
import { glareWait } from './dialog-state.js';
import { hostPort, parseNameAddr } from './name-addr.js';

/** How many times a NOTIFY answered 491 Request Pending is sent in all. */
export const NOTIFY_TRIES = 4;

type Answer = (status: number, reason: string, extra?: readonly (readonly [string, string])[]) => void;

/** What a transfer needs of its call (sip-call.ts). */
export interface TransferCall {
  readonly dialog: Dialog;
  /** The dialog is established (confirmed, or confirmed and handing the call on): dialog-state.ts's inDialog. */
  confirmed(): boolean;
  /** A REFER we sent is out (the dialog is in its `transferring` state). */
  transferring(): boolean;
  /** Moves the dialog to `transferring`; false when its state allows no REFER. */
  startTransfer(): boolean;
  peer(): Inbox | undefined;
  /** The host of the hop the call began with (the domain of a bare number when the dialog has no local URI). */
  readonly hopHost: string;
  contact(): string;
  send(method: string, headers: readonly (readonly [string, string])[], body?: Buffer, onFinal?: (res: SipResponse) => void): void;
  sendBye(): void;
  hangUp(): void;
  /** The phone's side ends with the transfer: a BYE that comes later is not news to the phone. */
  leftByPhone(): void;
  schedule(ms: number, fn: () => void): { cancel(): void };
  /** Whether a REFER may send the call to this URI (call.transfer.allowedTargets). */
  referAllowed(uri: string): boolean;
  /** Runs fn with this dialog as the one whose REFER the calls fn makes answer to; true when fn made one. */
  referring(fn: () => void): boolean;
  /** Another of the user agent's calls (the phone's far end), if it is one: its dialog, and handing it on. */
  transferOf(other: Inbox): { readonly dialog: Dialog; transferring(): boolean; handOn(): void; end(): void } | undefined;
}

export class CallTransfer {
  /** A REFER we accepted: progress of the new call goes back in NOTIFYs with sipfrag. */
  referSubscription: { id: number } | undefined;
  private referSeq = 0;
  /** The latest NOTIFY of the transfer's progress (a retry of an older one is dropped), and its pending retry. */
  private notifySeq = 0;
  private notifyRetry: { cancel(): void } | undefined;
  private byeTimer: { cancel(): void } | undefined;
  /** Attended transfer: the other dialog, handed on with ours; it ends when we leave, if its far end has not. */
  private handedOn: { end(): void } | undefined;

  constructor(private readonly call: TransferCall) {}

  /** The call ends: no BYE is pending any more; a dialog handed on with it ends too. */
  cancel(): void {
    this.byeTimer?.cancel();
    this.notifyRetry?.cancel();
    this.endHandedOn();
  }

  /** The transferor leaves: BYE, and the dialog handed on with ours (RFC 5589 7.x: the target should have ended it). */
  private leave(): void {
    this.call.sendBye();
    this.endHandedOn();
  }

  private endHandedOn(): void {
    const other = this.handedOn;
    this.handedOn = undefined;
    other?.end();
  }

  // ---- transferor ----

  /** The phone transfers the call to target (blind). */
  referTo(target: string): void {
    this.refer(`<${this.targetUri(target)}>`);
  }

  /** The phone's far end (inbox) is another SIP call: refer our far end to it, with Replaces (attended transfer). */
  replaceWith(other: Inbox): void {
    const o = this.call.transferOf(other);
    if (!o) {
      this.call.hangUp();
      return;
    }
    if (o.transferring() || this.call.transferring()) return; // the other side already sent the REFER
    const d = o.dialog;
    // Replaces names the dialog as the target sees it: its Call-ID, its tag (to-tag) and ours (from-tag).
    const replaces = encodeURIComponent(`${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}`);
    o.handOn();
    this.handedOn = o;
    this.refer(`<${d.remoteTarget}?Replaces=${replaces}>`);
  }

  private targetUri(target: string): string {
    if (/^sips?:/i.test(target)) return target;
    const local = this.call.dialog.local;
    const domain = local ? hostPort(local.host, local.port) : this.call.hopHost;
    return target.includes('@') ? `sip:${target}` : `sip:${target}@${domain}`;
  }

  private refer(referTo: string): void {
    if (!this.call.startTransfer()) {
      this.call.hangUp();
      this.endHandedOn();
      return;
    }
    this.call.leftByPhone();
    const me = this.call.dialog.local;
    this.call.send(
      'REFER',
      [
        ['Refer-To', referTo],
        ['Referred-By', `<sip:${me?.user ?? ''}@${me ? hostPort(me.host, me.port) : ''}>`],
        ['Contact', this.call.contact()],
      ],
      undefined,
      (res) => {
        if (res.status >= 300) this.leave();
      },
    );
    // If no NOTIFY ends it, the transferor leaves anyway.
    this.byeTimer = this.call.schedule(32_000, () => this.leave());
  }

  /** A NOTIFY in the dialog: the transferee's report on our REFER. */
  onNotify(req: SipRequest): void {
    if (!/^refer/i.test(req.headers.get('event') ?? '')) return;
    const m = /^SIP\/2\.0 (\d{3})/.exec(req.body.toString());
    const status = m ? Number(m[1]) : 0;
    const terminated = /^terminated/i.test(req.headers.get('subscription-state') ?? '');
    if (this.call.transferring() && (status >= 200 || terminated)) this.leave();
  }

  // ---- transferee ----

  /** A REFER from the far end. */
  onRefer(req: SipRequest, answer: Answer): void {
    const referTo = req.headers.get('refer-to');
    if (!referTo) {
      answer(400, 'Bad Request');
      return;
    }
    if (!this.call.confirmed() || this.referSubscription) {
      // a call not yet answered (or already being transferred) is not transferred
      answer(403, 'Forbidden');
      return;
    }
    const uri = parseNameAddr(referTo).uri;
    if (!this.call.referAllowed(uri)) {
      // call.transfer.allowedTargets: this target is none of them
      answer(403, 'Forbidden');
      return;
    }
    answer(202, 'Accepted', [['Contact', this.call.contact()]]);
    this.referSubscription = { id: ++this.referSeq };
    this.notifyFrag(100, 'Trying', false);
    const m = /\?(.*)$/.exec(uri);
    const replaces = m ? (new URLSearchParams(m[1]).get('Replaces') ?? undefined) : undefined;
    const target = uri.replace(/\?.*$/, '');
    // the phone holds this call and places the new one; this dialog stays until the transferor leaves it
    const made = this.call.referring(() => {
      this.call.peer()?.receive({
        type: 'refer',
        target: replaces ? `${target}?Replaces=${encodeURIComponent(replaces)}` : target,
        referrerStays: true,
      });
    });
    if (!made) this.notifyFrag(503, 'Service Unavailable', true);
  }

  /** The outcome of the call a REFER asked for, to the referrer (RFC 3515 sipfrag). */
  notifyFrag(status: number, reason: string, final: boolean): void {
    if (!this.referSubscription || !this.call.confirmed()) return;
    if (final) this.referSubscription = undefined;
    this.sendFrag(++this.notifySeq, status, reason, final, NOTIFY_TRIES);
  }

  private sendFrag(seq: number, status: number, reason: string, final: boolean, tries: number): void {
    this.call.send(
      'NOTIFY',
      [
        ['Contact', this.call.contact()],
        ['Event', 'refer'],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
        ['Content-Type', 'message/sipfrag;version=2.0'],
      ],
      Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`),
      (res) => {
        // 491: the far end's INVITE transaction of this dialog is not over; linphone's stack (belle-sip) answers so
        // to a NOTIFY that overtakes the ACK of our hold re-INVITE. The report goes again after the wait RFC 3261
        // 14.1 gives a re-INVITE that met 491, unless a newer report went meanwhile.
        if (res.status !== 491 || tries <= 1) return;
        this.notifyRetry = this.call.schedule(glareWait(false), () => {
          this.notifyRetry = undefined;
          if (seq === this.notifySeq && this.call.confirmed()) this.sendFrag(seq, status, reason, final, tries - 1);
        });
      },
    );
  }
}

/** Which outgoing call a REFER caused (the user agent's side of transfers). */
export class Referrals<C extends { readonly transfer: CallTransfer }> {
  private referrer: C | undefined;
  private made = false;
  private readonly referredBy = new WeakMap<C, C>();

  /** Runs fn with `call` as the dialog whose REFER the calls fn makes answer to; true when fn made one. */
  during(call: C, fn: () => void): boolean {
    const before = this.referrer;
    this.referrer = call;
    this.made = false;
    try {
      fn();
    } finally {
      this.referrer = before;
    }
    return this.made;
  }

  /** A new outgoing call: when a REFER is being served, it is the call the REFER asked for. */
  placed(call: C): void {
    if (!this.referrer) return;
    this.referredBy.set(call, this.referrer);
    this.made = true;
  }

  /** An outgoing call's final answer (or its timeout), reported to its referrer; provisional ones are not. */
  progress(call: C, status: number, reason: string): void {
    const referrer = this.referredBy.get(call);
    if (!referrer || status < 200) return;
    this.referredBy.delete(call);
    referrer.transfer.notifyFrag(status, reason, true);
  }
}
