/**
 * The manual's 20 KB limit: a body over it is refused before it is read in full. Operations that list 4009 answer
 * it (HTTP 413 with Status 4009); the others get the web server's 413 page. A NOTIFY always reports 4009.
 */
import { Status } from '../../phone/status.js';
import type { Stage } from '../stage.js';
import { TOO_LARGE } from '../request.js';

export const BODY_LIMIT = 20 * 1024;

export const sizeStage: Stage = (ctx, next) => {
  if (ctx.req.body !== TOO_LARGE) return next(ctx);
  if (ctx.req.transport === 'sip' || ctx.op?.returnCodes.includes(4009)) return { kind: 'status', code: Status.INPUT_SIZE_EXCEEDED };
  return { kind: 'too-large' };
};
