/** Around the whole road: every request is recorded with its answer, however it arrived and wherever it stopped. */
import { markerText } from '../../api/body.js';
import { DETAIL_BODY_MAX } from '../journal.js';
import type { Journal, RequestDetail } from '../journal.js';
import { redactedJson, redactHeaders, redactUrl } from '../redact.js';
import { statusOf } from '../request.js';
import type { Decision, PhoneRequest } from '../request.js';
import type { Context, Result, Stage } from '../stage.js';

const cap = (text: string): string => (text.length > DETAIL_BODY_MAX ? `${text.slice(0, DETAIL_BODY_MAX)}…` : text);

function detailOf(req: PhoneRequest, d: Decision): RequestDetail {
  const body = req.body === undefined ? undefined : markerText(req.body) ?? cap(redactedJson(req.body));
  const status = statusOf(d);
  const response = d.kind === 'ok' ? { ...d.reply.top, ...(d.reply.data === undefined ? {} : { data: d.reply.data }), Status: '2000' }
    : status ? { Status: status } : undefined;
  return { requestHeaders: redactHeaders(req.headers), ...(body === undefined ? {} : { requestBody: body }),
    ...(response ? { responseBody: cap(redactedJson(response)) } : {}) };
}

export function journalStage(journal: Journal, now: () => number): Stage {
  const record = (ctx: Context, started: number, d: Decision): Decision => {
    const { req } = ctx;
    journal.add({
      at: now(), transport: req.origin.transport, method: req.method, url: redactUrl(req.target), from: req.from, auth: ctx.auth?.method,
      httpStatus: req.origin.answerStatus(d), status: statusOf(d), ms: Math.round((performance.now() - started) * 10) / 10,
      detail: d.kind === 'status' || d.kind === 'wrong-method' ? d.detail : undefined,
    }, journal.listening ? detailOf(req, d) : undefined);
    return d;
  };
  return (ctx, next): Result => {
    const started = performance.now();
    const out = next(ctx);
    if (out instanceof Promise) return out.then((d) => record(ctx, started, d));
    return record(ctx, started, out);
  };
}
