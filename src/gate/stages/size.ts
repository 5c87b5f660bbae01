/**
 * The manual's 20 KB limit (api/body.ts): a body over it is refused before it is read in full. Operations that
 * list 4009 answer it with Status 4009; the others too when the origin's policy says so ('status': a NOTIFY always
 * reports 4009), or else refuse it without a Status ('too-large': over HTTP the web server's 413 page).
 */
import { TOO_LARGE } from '../../api/body.js';
import { Status } from '../../phone/status.js';
import type { Stage } from '../stage.js';

const EXCEEDED = { kind: 'status', code: Status.INPUT_SIZE_EXCEEDED } as const;
const TOO_LARGE_DECISION = { kind: 'too-large' } as const;

export const sizeStage: Stage = (ctx, next) => {
  if (ctx.req.body !== TOO_LARGE) return next(ctx);
  if (ctx.req.origin.oversize === 'status' || ctx.op?.returnCodes.includes(4009)) return EXCEEDED;
  return TOO_LARGE_DECISION;
};
