/**
 * The call state machine. A call is created in Dialtone (off hook), Setup (dialling) or Offering (incoming) and
 * ends in Disconnected. Remote hold is a flag beside the state (a connected call the far end holds shows "Held").
 *
 *            offHook                 dial                 farRinging               farAnswered
 *   (new) ──────────> Dialtone ────────────> Setup ──────────────> RingBack ──────────────────┐
 *   (new) ─────────────────────── dial ──────> │  ──────────── farAnswered ─────────────────>  │
 *                                                                                              v
 *   (new) ── incoming ──> Offering ──────────────────── answer ─────────────────────────> Connected
 *                          │  (ignore: stays Offering, silent)                           hold │  ^ resume
 *                          │                                                                  v  │
 *                          │                                                                  Hold
 *                          │
 *   every state ── end / reject / farEnded / farRejected / transferred ──> Disconnected
 */
import { PhoneError, Status } from '../status.js';

export type CallState = 'Dialtone' | 'Setup' | 'RingBack' | 'Offering' | 'Connected' | 'Hold' | 'Disconnected';

export type CallEvent =
  'dial' | 'farRinging' | 'farAnswered' | 'answer' | 'hold' | 'resume' | 'end' | 'reject' | 'farEnded' | 'farRejected' | 'transferred';

const ENDINGS: Partial<Record<CallEvent, CallState>> = {
  end: 'Disconnected',
  farEnded: 'Disconnected',
  transferred: 'Disconnected',
};

/** Allowed moves: state -> event -> next state. Anything else is refused. */
export const TRANSITIONS: Readonly<Record<CallState, Partial<Record<CallEvent, CallState>>>> = {
  Dialtone: { dial: 'Setup', end: 'Disconnected' },
  Setup: { farRinging: 'RingBack', farAnswered: 'Connected', farRejected: 'Disconnected', end: 'Disconnected', farEnded: 'Disconnected' },
  RingBack: { farAnswered: 'Connected', farRejected: 'Disconnected', end: 'Disconnected', farEnded: 'Disconnected' },
  Offering: { answer: 'Connected', reject: 'Disconnected', end: 'Disconnected', farEnded: 'Disconnected' },
  Connected: { hold: 'Hold', ...ENDINGS },
  Hold: { resume: 'Connected', ...ENDINGS },
  Disconnected: {},
};

/** The state after `event`, or 4003 when the move is not allowed (4007 once the call has ended). */
export function next(state: CallState, event: CallEvent): CallState {
  const to = TRANSITIONS[state][event];
  if (to === undefined) {
    throw new PhoneError(state === 'Disconnected' ? Status.CALL_DOES_NOT_EXIST : Status.NOT_ALLOWED, `${event} in ${state}`);
  }
  return to;
}
