/**
 * One request at a time, however it arrived: while one runs, another is refused with 403 / Status 4403 (or waits,
 * when the phone is set to queue). The slot is released when the operation has answered.
 */
import { Status } from '../../phone/status.js';
import type { Result, Stage } from '../stage.js';
import type { RequestSlot } from '../slot.js';

const BUSY = { kind: 'status', code: Status.FORBIDDEN, detail: 'another request is being processed' } as const;

export function slotStage(slot: RequestSlot): Stage {
  const guarded = (run: () => Result): Result => {
    let out: Result;
    try {
      out = run();
    } catch (err) {
      slot.release();
      throw err;
    }
    if (out instanceof Promise) return out.finally(() => slot.release());
    slot.release();
    return out;
  };
  return (ctx, next) => {
    const got = slot.acquire();
    if (got === false) return BUSY;
    if (got === true) return guarded(() => next(ctx));
    return got.then(() => guarded(() => next(ctx)));
  };
}
