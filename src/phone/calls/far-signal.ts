/**
 * What a call does when its far end signals: ringing, answered, rejected, ended, hold and resume, DTMF, a replaced
 * far end (transfers joined by the network), and REFER (the far end transfers this phone away).
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
      call.apply('farEnded', now);
      call.endReason = 'remote';
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
      break;
    case 'refer': {
      // Transferred away: call the target on the same line, then leave this call. Only a call that is up can be.
      if (!call.established) break;
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
