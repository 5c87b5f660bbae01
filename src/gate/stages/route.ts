/**
 * Finding the operation: an unknown path is the web server's 404 (before any login, as for any page the server
 * does not have); a known path with a method it does not serve is 405 with Allow and Status 4400, after login.
 * A SIP NOTIFY names only a path: its command runs whatever the operation's HTTP method.
 */
import { operationAt } from '../../api/index.js';
import type { Method } from '../../api/operation.js';
import { Status } from '../../phone/status.js';
import type { Stage } from '../stage.js';

const ABSENT = { kind: 'absent' } as const;

export const routeStage: Stage = (ctx, next) => {
  const op = operationAt(ctx.req.path);
  if (!op) return ABSENT;
  ctx.op = op;
  return next(ctx);
};

export const methodStage: Stage = (ctx, next) => {
  const op = ctx.op;
  if (op && ctx.req.transport !== 'sip' && !op.methods.includes(ctx.req.method as Method)) {
    return { kind: 'status', code: Status.BAD_REQUEST, http: 405, allow: op.methods, detail: `${ctx.req.method} not served here` };
  }
  return next(ctx);
};
