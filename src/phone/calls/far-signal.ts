/**
 * What a call does when its far end signals: ringing, answered, rejected, ended, hold and resume, DTMF, a replaced
 * far end (transfers joined by the network), and REFER (the far end transfers this phone away: at once when it has
 * left already, else through referred-transfers.ts). A call replaced while it rings (a directed pickup) is answered.
 */
import type { Call } from './call.js';
import type { Signal } from './signal.js';

/** What the call manager lends the handling of a signal. */
export interface SignalTarget {
  now(): number;
  /** The call is over: it leaves the list and is logged. */
  finish(call: Call): void;
  /** Something changed: the phone is told. */
  changed(): void;
  /** Dial `target` on `line` (after a REFER). */
  redial(line: number, target: string): void;
  /** The far end asks the call to go to `target` and stays until it knows how that went (referred-transfers.ts). */
  referred(call: Call, target: string): void;
}

export function applyFarSignal(call: Call, s: Signal, t: SignalTarget): void {
  if (!call.live) return;
  const now = t.now();
  switch (s.type) {
    case 'ringing':
      if (call.state === 'Setup') call.apply('farRinging', now);
      break;
    case 'answered':
      if (call.state === 'Setup' || call.state === 'RingBack') call.apply('farAnswered', now);
      break;
    case 'rejected':
      if (call.state === 'Setup' || call.state === 'RingBack') {
        call.apply('farRejected', now);
        call.endReason = 'rejected';
        t.finish(call);
        return;
      }
      break;
    case 'ended':
      // a call handed on by a transfer ends when the transferor leaves it
      call.apply(call.handedOn ? 'transferred' : 'farEnded', now);
      call.endReason = call.handedOn ? 'transferred' : 'remote';
      t.finish(call);
      return;
    case 'hold':
      call.remoteHeld = true;
      break;
    case 'resume':
      call.remoteHeld = false;
      break;
    case 'dtmf':
      call.dtmfReceived += s.digits;
      break;
    case 'replace':
      call.far = s.inbox;
      call.remote = s.party;
      call.remoteHeld = false;
      // replaced while it rang (a directed pickup, RFC 3891 early-only): the one who picked it up has answered
      if (call.state === 'Setup' || call.state === 'RingBack') call.apply('farAnswered', now);
      break;
    case 'refer': {
      // Transferred away: call the target on the same line, then leave this call. Only a call that is up can be.
      if (!call.established) break;
      if (s.referrerStays) {
        t.referred(call, s.target);
        break;
      }
      const line = call.line;
      call.apply('transferred', now);
      call.endReason = 'transferred';
      call.far?.receive({ type: 'ended' });
      t.finish(call);
      try {
        t.redial(line, s.target);
      } catch {
        // the line cannot call out: the transfer fails on this side only
      }
      return;
    }
  }
  t.changed();
}
