/**
 * What the pipeline decided, written in HTTP's terms straight to node's response: status, the phone's headers, the
 * envelope or page, Allow, Retry-After, the challenges, Connection: close. The one writer of phone answers, for both
 * roads into the pipeline (app.ts): Fastify's (a reply hijacked, then this) and the direct one for plain GETs. Each
 * answer is one writeHead with a flat header list (content-length last, as Fastify wrote it) and one end, which node
 * sends in one write.
 */
import type { ServerResponse } from 'node:http';
import type { Decision } from '../../gate/request.js';
import type { FamilySpec } from '../../phone/models.js';
import { Status } from '../../phone/status.js';
import type { StatusCode } from '../../phone/status.js';
import type { Endpoint } from './endpoint.js';
import { envelope, HTML_401, HTML_404, HTML_413, HTML_TYPE, HTTP_STATUS, JSON_TYPE, okEnvelope, standardHeaders } from './envelope.js';
import { webAppStatusOf } from './origin.js';
import { headOf, ReadCache } from './read-cache.js';
import { dataComparator, dataSerializer } from './serializers.js';

type HeaderList = readonly string[];

/** Every phone's last answer to each read, as bytes (read-cache.ts). */
const reads = new ReadCache();

interface FamilyHeaders {
  /** The JSON and the HTML headers as node's flat [name, value, ...] lists, for HTTP and for HTTPS. */
  readonly json: readonly [HeaderList, HeaderList];
  readonly html: readonly [HeaderList, HeaderList];
}

/** The headers of answers, made once per family (they depend on nothing else: envelope.ts), shared by its phones. */
const headerCache = new WeakMap<FamilySpec, FamilyHeaders>();
function familyHeaders(family: FamilySpec): FamilyHeaders {
  let h = headerCache.get(family);
  if (!h) {
    const make = (secure: boolean, type: string): HeaderList =>
      Object.entries({ ...standardHeaders(family, secure), 'content-type': type }).flat();
    h = { json: [make(false, JSON_TYPE), make(true, JSON_TYPE)], html: [make(false, HTML_TYPE), make(true, HTML_TYPE)] };
    headerCache.set(family, h);
  }
  return h;
}

function headersOf(ep: Endpoint, kind: 'json' | 'html'): HeaderList {
  return familyHeaders(ep.phone.profile.family)[kind][ep.secure ? 1 : 0];
}

/**
 * One answer: `before` (headers an answer puts ahead of the phone's: Allow, Retry-After, Set-Cookie), the phone's
 * headers of that kind with a content type of its own if given, `after` (the challenges, Connection), then
 * Content-Length: the order Fastify's reply wrote them in.
 */
function send(
  res: ServerResponse,
  code: number,
  base: HeaderList,
  body: string,
  extra?: { before?: HeaderList; type?: string; after?: HeaderList },
): void {
  const length = String(Buffer.byteLength(body));
  if (!extra) {
    res.writeHead(code, [...base, 'content-length', length]);
  } else {
    const list = [...(extra.before ?? []), ...base];
    if (extra.type !== undefined) {
      for (let i = list.length - 2; i >= 0; i -= 2) {
        if (list[i] === 'content-type') {
          list[i + 1] = extra.type;
          break;
        }
      }
    }
    res.writeHead(code, [...list, ...(extra.after ?? []), 'content-length', length]);
  }
  res.end(body);
}

const sendJson = (
  res: ServerResponse,
  ep: Endpoint,
  code: number,
  body: string,
  extra?: { before?: HeaderList; after?: HeaderList },
): void => send(res, code, headersOf(ep, 'json'), body, extra);

const sendHtml = (res: ServerResponse, ep: Endpoint, code: number, html: string, after?: HeaderList): void =>
  send(res, code, headersOf(ep, 'html'), html, after && { after });

const challenges = (list: readonly string[]): HeaderList => list.flatMap((c) => ['www-authenticate', c]);
const CLOSE: HeaderList = ['connection', 'close'];

/** A Status envelope with the HTTP status of its code (or `http`). */
export function writeStatus(res: ServerResponse, ep: Endpoint, code: StatusCode, http?: number, before?: HeaderList): void {
  sendJson(res, ep, http ?? HTTP_STATUS[code], envelope(code), before && { before });
}

/** The answer to a request whose handling failed past the pipeline: 5000, as the phone's own errors are. */
export function writeFailure(res: ServerResponse, ep: Endpoint): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeStatus(res, ep, Status.INTERNAL_ERROR);
}

/** A REST API decision. */
export function writeDecision(res: ServerResponse, ep: Endpoint, d: Decision): void {
  switch (d.kind) {
    case 'ok': {
      const mode = ep.phone.dialectMode;
      const serialize = dataSerializer(d.op, mode);
      const same = dataComparator(d.op, mode);
      const { after, headers, data, top } = d.reply;
      if (after) res.once('finish', after);
      if (serialize && same && data !== undefined && top === undefined && !headers) {
        // A read's answer: the bytes of the last one while its data is the same (read-cache.ts).
        const scheme = ep.secure ? 1 : 0;
        const kept = reads.answer(ep.phone, d.op, mode, data, same, () => okEnvelope(d.reply, serialize));
        // node reads the list and keeps none of it: one list serves every answer with this body.
        res.writeHead(200, headOf(kept, scheme, headersOf(ep, 'json')) as string[]);
        res.end(kept.body);
        return;
      }
      sendJson(res, ep, 200, okEnvelope(d.reply, serialize), headers && { before: Object.entries(headers).flat() });
      return;
    }
    case 'status':
      writeStatus(res, ep, d.code);
      return;
    case 'wrong-method':
      writeStatus(res, ep, Status.BAD_REQUEST, 405, ['allow', d.allow.join(', ')]);
      return;
    // No such page; with the REST API off the web server also closes the connection.
    case 'absent':
      sendHtml(res, ep, 404, HTML_404);
      return;
    case 'closed':
      sendHtml(res, ep, 404, HTML_404, CLOSE);
      return;
    case 'unauthorized':
      sendHtml(res, ep, 401, HTML_401, challenges(d.challenges));
      return;
    case 'locked':
      writeStatus(res, ep, Status.FORBIDDEN, undefined, ['retry-after', String(d.retryAfterS)]);
      return;
    case 'too-large':
      sendHtml(res, ep, 413, HTML_413, CLOSE);
      return;
  }
}

/**
 * A web application handler's decision (state polling, push): its document with its own status, or the bare status
 * of a refusal; the web server's pages where the REST API has them too (401 with its challenge, 404, 413).
 */
export function writeWebAppDecision(res: ServerResponse, ep: Endpoint, d: Decision): void {
  const code = webAppStatusOf(d);
  const html = headersOf(ep, 'html');
  switch (d.kind) {
    case 'ok': {
      const doc = d.reply.document;
      send(res, code, html, doc?.body ?? '', { type: doc?.contentType ?? 'text/plain' });
      return;
    }
    case 'wrong-method':
      send(res, code, html, '', { type: 'text/plain', before: ['allow', d.allow.join(', ')] });
      return;
    // The web server's own pages, as the REST API answers them.
    case 'unauthorized':
      if (d.failed) break;
      writeDecision(res, ep, d);
      return;
    case 'absent':
    case 'too-large':
      writeDecision(res, ep, d);
      return;
    // (Its origin has no switch that shuts it; were it shut, a 404 that keeps the connection.)
    case 'closed':
      sendHtml(res, ep, 404, HTML_404);
      return;
    default:
      break;
  }
  send(res, code, html, '', { type: 'text/plain' });
}
