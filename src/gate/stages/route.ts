/**
 * Finding the operation: an unknown path is 'absent' (over HTTP the web server's 404, before any login, as for any
 * page the server does not have); a known path with a method it does not serve is 'wrong-method' (Status 4400 with
 * the methods it does), after login, for origins whose policy checks methods. A SIP NOTIFY names only a path: its
 * command runs whatever the operation's method.
 */
import type { Method } from '../../api/operation.js';
import type { Stage } from '../stage.js';

const ABSENT = { kind: 'absent' } as const;

export const routeStage: Stage = (ctx, next) => {
  const op = ctx.req.origin.route(ctx.req.path);
  if (!op) return ABSENT;
  ctx.op = op;
  return next(ctx);
};

export const methodStage: Stage = (ctx, next) => {
  const op = ctx.op;
  if (op && ctx.req.origin.checksMethods && !op.methods.includes(ctx.req.method as Method)) {
    return { kind: 'wrong-method', allow: op.methods, detail: `${ctx.req.method} not served here` };
  }
  return next(ctx);
};
