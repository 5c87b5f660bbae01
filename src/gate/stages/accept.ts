/**
 * The point where a request is taken: its origin is open and the operation exists. An origin that acknowledges
 * commands before running them (SIP NOTIFY answers 200, and reports a failure afterwards) is told here, and the rest
 * of the road runs on a later microtask, once its adapter has sent the acknowledgement. Others pass straight on.
 */
import type { Stage } from '../stage.js';

export const acceptStage: Stage = (ctx, next) => {
  const accepted = ctx.req.accepted;
  if (!accepted) return next(ctx);
  accepted();
  return Promise.resolve(ctx).then(next);
};
