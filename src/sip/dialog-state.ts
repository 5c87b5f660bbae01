/**
 * An INVITE dialog's state (RFC 3261 12, 13, 15), for both sides of a call, and the state of the re-INVITEs this
 * phone sends inside it (RFC 3261 14). A call is created in `calling` (we sent the INVITE, UAC) or `early` (we got
 * one, UAS) and ends in `terminated`, which accepts nothing.
 *
 *                  progress (1xx > 100)            answered (2xx, ACKed)
 *   UAC  calling ─────────────────────> early ───────────────────────────────────┐
 *          │ │ └─────────────────────────────── answered ─────────────────────────┤
 *          │ │ hangUp [a 1xx came]               │ hangUp                         │
 *          │ └──────────────────────────> cancelling <───────┐                    │
 *          │ hangUp [INVITE out, no 1xx]                     │ trying / progress  │
 *          ├──────────────────────────> cancelPending ───────┘ (the CANCEL goes)  │
 *          │ hangUp [INVITE not sent]   cancelPending, cancelling ──answered──────┤ (ACK, then BYE at once)
 *          └──────────────────────────> terminated                                v
 *   UAS  early ──answer──> answering ──accept (200 sent)───────────────────> confirmed ──refer──> transferring
 *
 *   calling, early, cancelPending, cancelling ── rejected (final >= 300) / timeout ──> terminated
 *   early, answering ── refuse (we answer >= 300) / cancelled (CANCEL came) ──> terminated
 *   confirmed, transferring ── bye (we send BYE) ──> terminated
 *   calling, early, answering, confirmed, transferring ── byeReceived ──> terminated
 *   (once our CANCEL is out the INVITE's final answer ends the call; a BYE meanwhile is only answered)
 *
 * Beside the state, facts that are not states stay with the call: whether the phone has let the call go (it ended
 * it, or handed it on by REFER or Replaces), whether the far end holds us, a REFER we accepted (its NOTIFYs), the
 * INVITE transaction's own facts (a 1xx came, the challenge was answered).
 *
 * Re-INVITEs we send, one at a time (14.1); the far end's re-INVITE while ours is out is answered 491 (14.2), and a
 * 491 to ours is retried after a random wait (2.1-4 s when this phone chose the Call-ID, else 0-2 s):
 *
 *   stable ──offer──> offering ──settled (final answer)──> stable
 *                       │ change (hold or resume meanwhile)
 *                       v
 *                     queued ──settled──> stable, and the next offer goes at once      (queued ──change──> queued)
 *   offering, queued ──requestPending (491)──> backingOff ──retry (after the wait)──> offering
 *   backingOff ──change──> backingOff (the retry carries the latest direction)
 */
import { StateMachine } from './state-table.js';
import type { RefusalSink, Table } from './state-table.js';

export type DialogState = 'calling' | 'early' | 'answering' | 'cancelPending' | 'cancelling' | 'confirmed' | 'transferring' | 'terminated';

export type DialogEvent =
  // UAC: what comes back to our INVITE, and the phone giving up on it
  | 'trying'
  | 'progress'
  | 'answered'
  | 'rejected'
  | 'timeout'
  | 'hangUp'
  // UAS: the phone answers or refuses; the caller cancels
  | 'answer'
  | 'accept'
  | 'refuse'
  | 'cancelled'
  // both, in the dialog
  | 'refer'
  | 'bye'
  | 'byeReceived';

/** provisional: a 1xx came for our INVITE (a CANCEL may go, 9.1); inviteSent: the INVITE is out at all. */
export type DialogGuard = 'provisional' | 'inviteSent';

const UNANSWERED = { answered: 'confirmed', rejected: 'terminated', timeout: 'terminated' } as const;

/** Allowed moves: state -> event -> next state (guards tried in order). Anything else is refused. */
export const DIALOG_TRANSITIONS: Table<DialogState, DialogEvent, DialogGuard> = {
  calling: {
    progress: 'early',
    ...UNANSWERED,
    byeReceived: 'terminated',
    hangUp: [{ if: 'provisional', to: 'cancelling' }, { if: 'inviteSent', to: 'cancelPending' }, { to: 'terminated' }],
  },
  early: {
    progress: 'early',
    ...UNANSWERED,
    byeReceived: 'terminated',
    hangUp: 'cancelling',
    answer: 'answering',
    refuse: 'terminated',
    cancelled: 'terminated',
  },
  answering: { accept: 'confirmed', refuse: 'terminated', cancelled: 'terminated', byeReceived: 'terminated' },
  cancelPending: { trying: 'cancelling', progress: 'cancelling', ...UNANSWERED },
  cancelling: { ...UNANSWERED },
  confirmed: { refer: 'transferring', bye: 'terminated', byeReceived: 'terminated' },
  transferring: { bye: 'terminated', byeReceived: 'terminated' },
  terminated: {},
};

/** A confirmed dialog, whatever else goes on in it: in-dialog requests (re-INVITE, INFO, NOTIFY, BYE) may go. */
export const inDialog = (s: DialogState): boolean => s === 'confirmed' || s === 'transferring';

/** The phone has hung up before a final answer: a CANCEL is out or waits for the first 1xx. */
export const cancelled = (s: DialogState): boolean => s === 'cancelPending' || s === 'cancelling';

export type DialogMachine = StateMachine<DialogState, DialogEvent, DialogGuard>;

export const dialogMachine = (role: 'uac' | 'uas', refused?: RefusalSink): DialogMachine =>
  new StateMachine('SIP dialog', DIALOG_TRANSITIONS, role === 'uac' ? 'calling' : 'early', refused);

// ---- re-INVITEs we send ----

export type OfferState = 'stable' | 'offering' | 'queued' | 'backingOff';

export type OfferEvent = 'offer' | 'change' | 'settled' | 'requestPending' | 'retry';

export const OFFER_TRANSITIONS: Table<OfferState, OfferEvent, never> = {
  stable: { offer: 'offering' },
  offering: { change: 'queued', settled: 'stable', requestPending: 'backingOff' },
  queued: { change: 'queued', settled: 'stable', requestPending: 'backingOff' },
  backingOff: { change: 'backingOff', retry: 'offering' },
};

/** Our re-INVITE is out: one from the far end now is glare, answered 491 Request Pending (14.2). */
export const offerPending = (s: OfferState): boolean => s === 'offering' || s === 'queued';

export type OfferMachine = StateMachine<OfferState, OfferEvent, never>;

export const offerMachine = (refused?: RefusalSink): OfferMachine =>
  new StateMachine('SIP re-INVITE', OFFER_TRANSITIONS, 'stable', refused);

/** How long to wait before sending a re-INVITE again after 491 (14.1), in ms, in steps of 10 ms. */
export const glareWait = (ownsCallId: boolean, random: () => number = Math.random): number =>
  ownsCallId ? 2100 + Math.floor(random() * 191) * 10 : Math.floor(random() * 201) * 10;
