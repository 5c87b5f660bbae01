/**
 * Around the whole road: every request is recorded with its answer, however it arrived and wherever it stopped, and
 * the pipeline's observers are told of it.
 */
import { performance } from 'node:perf_hooks';
import { markerText } from '../../api/body.js';
import { DETAIL_BODY_MAX } from '../journal.js';
import type { Journal, RequestDetail } from '../journal.js';
import { redactedJson, redactHeaders, redactUrl } from '../redact.js';
import { statusOf } from '../request.js';
import type { Decision, PhoneRequest } from '../request.js';
import type { Context, Result, Stage } from '../stage.js';

const cap = (text: string): string => (text.length > DETAIL_BODY_MAX ? `${text.slice(0, DETAIL_BODY_MAX)}…` : text);

function detailOf(req: PhoneRequest, d: Decision): RequestDetail {
  const body = req.body === undefined ? undefined : (markerText(req.body) ?? cap(redactedJson(req.body)));
  const status = statusOf(d);
  const response =
    d.kind === 'ok'
      ? d.reply.document
        ? undefined
        : { ...d.reply.top, ...(d.reply.data === undefined ? {} : { data: d.reply.data }), Status: '2000' }
      : status
        ? { Status: status }
        : undefined;
  // A web application handler's document is shown as sent (it holds no secret: state the phone posts or answers).
  const document = d.kind === 'ok' ? d.reply.document?.body : undefined;
  return {
    requestHeaders: redactHeaders(req.headers),
    ...(body === undefined ? {} : { requestBody: body }),
    ...(response ? { responseBody: cap(redactedJson(response)) } : document ? { responseBody: cap(document) } : {}),
  };
}

/** Records waiting for the check phase; past this many (a burst in one turn of the loop) they are made at once. */
const PENDING_MAX = 256;

interface Pending {
  readonly ctx: Context;
  readonly decision: Decision;
  readonly at: number;
  readonly ms: number;
}

/**
 * Records are made after the answer has been written: the stage notes the time and the decision, and the entry
 * (its copies of strings, its details for live readers) is made in the next check phase of the event loop, once
 * the transport has written its answer. Nothing a client can see comes between: its answer cannot be read before.
 */
export function journalStage(
  journal: Journal,
  now: () => number,
  /** Told of every answer at once, with its time in milliseconds (the pipeline's observers: metrics). */
  answered?: (ctx: Context, decision: Decision, ms: number) => void,
): Stage {
  let pending: Pending[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    for (const { ctx, decision: d, at, ms } of batch) {
      const { req } = ctx;
      journal.add(
        {
          at,
          transport: req.origin.transport,
          method: req.method,
          url: redactUrl(req.target),
          from: req.from,
          auth: ctx.auth?.method,
          httpStatus: req.origin.answerStatus(d),
          status: statusOf(d),
          ms,
          detail: d.kind === 'status' || d.kind === 'wrong-method' ? d.detail : undefined,
        },
        journal.listening ? detailOf(req, d) : undefined,
      );
    }
  };
  const record = (ctx: Context, started: number, d: Decision): Decision => {
    const ms = performance.now() - started;
    answered?.(ctx, d, ms);
    if (pending.length >= PENDING_MAX) flush();
    if (pending.length === 0) setImmediate(flush);
    pending.push({ ctx, decision: d, at: now(), ms: Math.round(ms * 10) / 10 });
    return d;
  };
  return (ctx, next): Result => {
    const started = performance.now();
    const out = next(ctx);
    if (out instanceof Promise) return out.then((d) => record(ctx, started, d));
    return record(ctx, started, out);
  };
}
