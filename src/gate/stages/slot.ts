/**
 * One request at a time, however it arrived: while one runs, another is refused with 403 / Status 4403 (or waits,
 * when the phone is set to queue). The slot is released when the operation has answered.
 */
import { Status } from '../../phone/status.js';
import type { Context, Next, Result, Stage } from '../stage.js';
import type { RequestSlot } from '../slot.js';

const BUSY = { kind: 'status', code: Status.FORBIDDEN, detail: 'another request is being processed' } as const;

/** Runs the rest of the road in the slot and gives the slot back when it has answered (or thrown). */
function inSlot(slot: RequestSlot, ctx: Context, next: Next): Result {
  let out: Result;
  try {
    out = next(ctx);
  } catch (err) {
    slot.release();
    throw err;
  }
  if (out instanceof Promise) return out.finally(() => slot.release());
  slot.release();
  return out;
}

export function slotStage(slot: RequestSlot): Stage {
  return (ctx, next) => {
    const got = slot.acquire();
    if (got === false) return BUSY;
    if (got === true) return inSlot(slot, ctx, next);
    return got.then(() => inSlot(slot, ctx, next));
  };
}
