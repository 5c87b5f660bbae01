/** Around the whole road: every request is recorded with its answer, however it arrived and wherever it stopped. */
import type { Journal } from '../journal.js';
import type { Context, Result, Stage } from '../stage.js';
import { httpStatusOf, statusOf } from '../request.js';
import type { Outcome } from '../request.js';

export function journalStage(journal: Journal, now: () => number): Stage {
  const record = (ctx: Context, started: number, o: Outcome): Outcome => {
    const { req } = ctx;
    journal.add({
      at: now(), transport: req.transport, method: req.method, url: req.target, from: req.from, auth: ctx.auth?.method,
      httpStatus: httpStatusOf(o), status: statusOf(o), ms: Math.round((performance.now() - started) * 10) / 10,
      detail: o.kind === 'status' ? o.detail : undefined,
    });
    return o;
  };
  return (ctx, next): Result => {
    const started = performance.now();
    const out = next(ctx);
    if (out instanceof Promise) return out.then((o) => record(ctx, started, o));
    return record(ctx, started, out);
  };
}
