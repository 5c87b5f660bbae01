/**
 * Being transferred by a far end that stays on the call until it hears how the transfer went (a transferor on a
 * real network; a phone of this process leaves at once instead, see far-signal.ts):
 *
 *   refer ──> the call is held, the target is dialled on the same line (the new call rings out)
 *   new call answered ──> the held call is handed on: it ends (as transferred) when its far end leaves, or after
 *                         TRANSFERRED_LEAVE_MS if the far end has not left by then
 *   new call fails (rejected, ended, no answer) ──> the held call stays, on hold, to be resumed
 *
 * How the far end hears the outcome is its network's concern (the new call's progress is its own to report).
 */
import type { TimerHandle } from '../clock.js';
import type { Call } from './call.js';

/** How long a handed-on call waits for its far end to leave before it ends itself. */
export const TRANSFERRED_LEAVE_MS = 4000;

export interface ReferredDeps {
  schedule(ms: number, fn: () => void): TimerHandle;
  /** Holds the call (as the Hold key does). */
  hold(call: Call): void;
  /** Dials target on line as a new call; throws when the line cannot call out. */
  dial(line: number, target: string): Call;
  /** Ends the call as transferred (the phone leaves it). */
  leave(call: Call): void;
}

export class ReferredTransfers {
  /** New call -> the call it was placed to hand on. */
  private readonly placedFor = new WeakMap<Call, Call>();

  constructor(private readonly d: ReferredDeps) {}

  /** The far end of `call` asks it to call `target` and stays until told how it went. */
  refer(call: Call, target: string): void {
    this.d.hold(call);
    try {
      this.placedFor.set(this.d.dial(call.line, target), call);
    } catch {
      // the line cannot call out: nothing was placed (the far end hears so), the call stays held
    }
  }

  /** A call was answered by its far end: when it was placed for a transfer, the held call is handed on. */
  answered(next: Call): void {
    const old = this.placedFor.get(next);
    if (!old) return;
    this.placedFor.delete(next);
    if (!old.live) return;
    old.handedOn = true;
    const timer = this.d.schedule(TRANSFERRED_LEAVE_MS, () => {
      if (old.live) this.d.leave(old);
    });
    const before = old.onEnd;
    old.onEnd = () => {
      before?.();
      timer.cancel();
    };
  }
}
