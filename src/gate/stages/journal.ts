/** Around the whole road: every request is recorded with its answer, however it arrived and wherever it stopped. */
import { DETAIL_BODY_MAX } from '../journal.js';
import type { Journal, RequestDetail } from '../journal.js';
import { TOO_LARGE } from '../request.js';
import { UNREADABLE } from '../../api/dispatch.js';
import { redactedJson, redactHeaders, redactUrl } from '../redact.js';
import type { PhoneRequest } from '../request.js';

const cap = (text: string): string => (text.length > DETAIL_BODY_MAX ? `${text.slice(0, DETAIL_BODY_MAX)}…` : text);

function detailOf(req: PhoneRequest, o: Outcome): RequestDetail {
  const body = req.body === undefined ? undefined : req.body === TOO_LARGE ? '(over 20 KB)' : req.body === UNREADABLE ? '(not JSON)' : cap(redactedJson(req.body));
  const status = statusOf(o);
  const response = o.kind === 'ok' ? { ...o.reply.top, ...(o.reply.data === undefined ? {} : { data: o.reply.data }), Status: '2000' }
    : status ? { Status: status } : undefined;
  return { requestHeaders: redactHeaders(req.headers), ...(body === undefined ? {} : { requestBody: body }),
    ...(response ? { responseBody: cap(redactedJson(response)) } : {}) };
}
import type { Context, Result, Stage } from '../stage.js';
import { httpStatusOf, statusOf } from '../request.js';
import type { Outcome } from '../request.js';

export function journalStage(journal: Journal, now: () => number): Stage {
  const record = (ctx: Context, started: number, o: Outcome): Outcome => {
    const { req } = ctx;
    journal.add({
      at: now(), transport: req.transport, method: req.method, url: redactUrl(req.target), from: req.from, auth: ctx.auth?.method,
      httpStatus: httpStatusOf(o), status: statusOf(o), ms: Math.round((performance.now() - started) * 10) / 10,
      detail: o.kind === 'status' ? o.detail : undefined,
    }, journal.listening ? detailOf(req, o) : undefined);
    return o;
  };
  return (ctx, next): Result => {
    const started = performance.now();
    const out = next(ctx);
    if (out instanceof Promise) return out.then((o) => record(ctx, started, o));
    return record(ctx, started, out);
  };
}
