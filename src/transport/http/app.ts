/**
 * The HTTP(S) transport: one Fastify application serves every phone of the process. Each phone's listeners tag
 * their sockets with the phone's endpoint, so a request finds its phone without any per-phone Fastify instance.
 * Road: socket -> endpoint -> PhoneRequest (with the HTTP origin's policy) -> the phone's pipeline (src/gate) ->
 * Decision -> the wire (status, envelope, the web server's pages, Allow, close).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { BODY_LIMIT, TOO_LARGE, UNREADABLE } from '../../api/body.js';
import type { TextBody } from '../../api/body.js';
import type { PhonePipeline } from '../../gate/pipeline.js';
import type { Decision, PhoneRequest } from '../../gate/request.js';
import type { Phone } from '../../phone/phone.js';
import { Status } from '../../phone/status.js';
import type { StatusCode } from '../../phone/status.js';
import { envelope, HTML_401, HTML_404, HTML_413, HTML_TYPE, HTTP_STATUS, JSON_TYPE, okEnvelope, standardHeaders } from './envelope.js';
import { HTTP_ORIGIN, HTTPS_ORIGIN, isWebAppPath, WEB_APP_HTTP_ORIGIN, WEB_APP_HTTPS_ORIGIN, webAppStatusOf } from './origin.js';
import { dataSerializer } from './serializers.js';

export interface Endpoint {
  readonly phone: Phone;
  readonly pipeline: PhonePipeline;
  readonly secure: boolean;
}

export const ENDPOINT = Symbol('polysim.endpoint');
type TaggedSocket = Socket & { [ENDPOINT]?: Endpoint };

export function tagSocket(socket: Socket, endpoint: Endpoint): void {
  (socket as TaggedSocket)[ENDPOINT] = endpoint;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

function endpointOf(request: FastifyRequest): Endpoint | undefined {
  return (request.raw.socket as TaggedSocket)[ENDPOINT];
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

interface PhoneHeaders {
  readonly json: readonly Record<string, string>[];
  readonly html: readonly Record<string, string>[];
  /** The JSON headers as node's flat [name, value, ...] list, for answers written straight to node's response. */
  readonly jsonList: readonly string[][];
}

/** The headers of a phone's answers, made once per phone and scheme. */
const headerCache = new WeakMap<Phone, PhoneHeaders>();
function phoneHeaders(phone: Phone): PhoneHeaders {
  let h = headerCache.get(phone);
  if (!h) {
    const make = (secure: boolean, type: string): Record<string, string> => ({
      ...standardHeaders(phone.profile, secure),
      'content-type': type,
    });
    const json = [make(false, JSON_TYPE), make(true, JSON_TYPE)];
    h = { json, html: [make(false, HTML_TYPE), make(true, HTML_TYPE)], jsonList: json.map((j) => Object.entries(j).flat()) };
    headerCache.set(phone, h);
  }
  return h;
}

function headersFor(ep: Endpoint, kind: 'json' | 'html'): Record<string, string> {
  return phoneHeaders(ep.phone)[kind][ep.secure ? 1 : 0] as Record<string, string>;
}

function sendHtml(reply: FastifyReply, ep: Endpoint, code: number, html: string, extra?: Record<string, string | string[]>): FastifyReply {
  reply.code(code).headers(headersFor(ep, 'html'));
  if (extra) reply.headers(extra);
  return reply.send(html);
}

/** The envelope is sent as the string it is: Fastify leaves it (and its content-type) as is, node writes it with the head. */
const AS_IS = (payload: string): string => payload;

function sendJson(reply: FastifyReply, ep: Endpoint, http: number, body: string): FastifyReply {
  return reply.code(http).headers(headersFor(ep, 'json')).serializer(AS_IS).send(body);
}

/**
 * A JSON answer with the phone's headers and no others, written straight to node's response: the same bytes as
 * sendJson (headers in the same order, Content-Length, node's Date and keep-alive), without Fastify's reply path
 * (content-type parsing, send hooks, header by header). The hot path of every plain answer.
 */
function writeJson(reply: FastifyReply, ep: Endpoint, http: number, body: string): FastifyReply {
  reply.hijack();
  const list = phoneHeaders(ep.phone).jsonList[ep.secure ? 1 : 0] as string[];
  reply.raw.writeHead(http, [...list, 'content-length', String(Buffer.byteLength(body))]);
  reply.raw.end(body);
  return reply;
}

function sendStatus(reply: FastifyReply, ep: Endpoint, code: StatusCode, http?: number): FastifyReply {
  return sendJson(reply, ep, http ?? HTTP_STATUS[code], envelope(code));
}

/** Writes what the pipeline decided in HTTP's terms. */
function write(reply: FastifyReply, ep: Endpoint, d: Decision): FastifyReply {
  switch (d.kind) {
    case 'ok': {
      const body = okEnvelope(d.reply, dataSerializer(d.op, ep.phone.dialectMode));
      const { after, headers } = d.reply;
      if (!after && !headers) return writeJson(reply, ep, 200, body);
      if (after) reply.raw.once('finish', after);
      if (headers) reply.headers(headers);
      return sendJson(reply, ep, 200, body);
    }
    case 'status':
      return writeJson(reply, ep, HTTP_STATUS[d.code], envelope(d.code));
    case 'wrong-method':
      return sendStatus(reply.header('allow', d.allow.join(', ')), ep, Status.BAD_REQUEST, 405);
    // No such page; with the REST API off the web server also closes the connection.
    case 'absent':
      return sendHtml(reply, ep, 404, HTML_404);
    case 'closed':
      return sendHtml(reply, ep, 404, HTML_404, { connection: 'close' });
    case 'unauthorized':
      return sendHtml(reply, ep, 401, HTML_401, { 'www-authenticate': [...d.challenges] });
    case 'locked':
      return sendStatus(reply.header('retry-after', String(d.retryAfterS)), ep, Status.FORBIDDEN);
    case 'too-large':
      return sendHtml(reply, ep, 413, HTML_413, { connection: 'close' });
  }
}

/**
 * A web application handler's answer (state polling, push): its document with its own status, or the bare status
 * of a refusal; the web server's pages where the REST API has them too (401 with its challenge, 404, 413).
 */
function writeWebApp(reply: FastifyReply, ep: Endpoint, d: Decision): FastifyReply {
  const code = webAppStatusOf(d);
  switch (d.kind) {
    case 'ok': {
      const doc = d.reply.document;
      return reply
        .code(code)
        .headers(headersFor(ep, 'html'))
        .header('content-type', doc?.contentType ?? 'text/plain')
        .serializer(AS_IS)
        .send(doc?.body ?? '');
    }
    case 'unauthorized':
      if (d.failed) break;
      return sendHtml(reply, ep, 401, HTML_401, { 'www-authenticate': [...d.challenges] });
    case 'wrong-method':
      reply.header('allow', d.allow.join(', '));
      break;
    case 'absent':
    case 'closed':
      return sendHtml(reply, ep, 404, HTML_404);
    case 'too-large':
      return sendHtml(reply, ep, 413, HTML_413, { connection: 'close' });
    default:
      break;
  }
  return reply.code(code).headers(headersFor(ep, 'html')).header('content-type', 'text/plain').serializer(AS_IS).send('');
}

function phoneRequest(request: FastifyRequest, ep: Endpoint, body: unknown, web: boolean): PhoneRequest {
  return {
    origin: web ? (ep.secure ? WEB_APP_HTTPS_ORIGIN : WEB_APP_HTTP_ORIGIN) : ep.secure ? HTTPS_ORIGIN : HTTP_ORIGIN,
    method: request.method,
    path: pathOf(request.url),
    target: request.url,
    headers: request.headers,
    query: (request.query ?? {}) as Record<string, unknown>,
    body,
    from: request.raw.socket.remoteAddress ?? '',
  };
}

function failed(request: FastifyRequest, reply: FastifyReply, ep: Endpoint, err: unknown): FastifyReply {
  request.log.error({ err }, 'request failed');
  return sendStatus(reply, ep, Status.INTERNAL_ERROR);
}

/** Runs the phone's pipeline and writes its outcome; nothing thrown gets past here. A synchronous answer makes no closure. */
function run(request: FastifyRequest, reply: FastifyReply, ep: Endpoint, body: unknown): FastifyReply | Promise<FastifyReply> {
  const web = isWebAppPath(pathOf(request.url));
  const writer = web ? writeWebApp : write;
  try {
    const out = ep.pipeline.run(phoneRequest(request, ep, body, web));
    if (out instanceof Promise)
      return out.then(
        (o) => writer(reply, ep, o),
        (err: unknown) => failed(request, reply, ep, err),
      );
    return writer(reply, ep, out);
  } catch (err) {
    return failed(request, reply, ep, err);
  }
}

function handle(request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
  const ep = endpointOf(request);
  if (!ep || !ep.phone.isUp) {
    request.raw.socket.destroy();
    return reply;
  }
  ep.phone.traffic.noteRequest();
  if (
    request.method === 'GET' &&
    request.raw.headers['content-length'] !== '0' &&
    (request.raw.headers['content-length'] || request.raw.headers['transfer-encoding'])
  ) {
    // Fastify never reads GET bodies; session/delete is a GET with a JSON body, as the manual says.
    return readGetBody(request).then((body) => run(request, reply, ep, body));
  }
  return run(request, reply, ep, request.body);
}

const NO_BODY = undefined;

/** Reads a GET request's body (at most BODY_LIMIT bytes) as JSON, as parseBody would. */
function readGetBody(request: FastifyRequest): Promise<unknown> {
  const raw = request.raw;
  const declared = Number(raw.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        raw.removeAllListeners('data');
        resolve(TOO_LARGE);
      } else {
        chunks.push(c);
      }
    });
    raw.on('end', () => parseBody(request, Buffer.concat(chunks).toString('utf8'), (_e, body) => resolve(body ?? NO_BODY)));
    raw.on('error', () => resolve(NO_BODY));
  });
}

function parseBody(req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  // The web application handlers take their body as text (push: XML), with its declared type.
  if (isWebAppPath(pathOf(req.url))) {
    const type = req.headers['content-type'] ?? '';
    done(null, { text: body, contentType: Array.isArray(type) ? (type[0] ?? '') : type } satisfies TextBody);
    return;
  }
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch {
    done(null, UNREADABLE);
  }
}

export interface HttpApp {
  readonly handler: RequestListener;
  close(): Promise<void>;
}

export async function createHttpApp(logger: Logger | false): Promise<HttpApp> {
  let handler: RequestListener | undefined;
  const app = Fastify({
    loggerInstance: logger || undefined,
    // Every request is in its phone's journal (and the event stream); the log keeps errors, not a line per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
    // A URL Fastify cannot decode (a bad %-escape) is still a request to the phone: its pipeline answers it (404).
    frameworkErrors: (_error, request, reply) => {
      const ep = endpointOf(request);
      if (!ep || !ep.phone.isUp) {
        request.raw.socket.destroy();
        return reply;
      }
      return run(request, reply, ep, undefined);
    },
    serverFactory: (h: (req: IncomingMessage, res: ServerResponse) => void) => {
      handler = h;
      // Fastify wants a server; the phones' own listeners (listeners.ts) are the ones that accept connections.
      return createServer(h);
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseBody);
  // Every path goes to the pipeline, which finds the operation (one table for HTTP and SIP).
  app.route({ method: [...ALL_METHODS], url: '*', handler: handle });
  app.setNotFoundHandler(handle);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ep = endpointOf(request);
    if (!ep || !ep.phone.isUp) {
      request.raw.socket.destroy();
      return reply;
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return run(request, reply, ep, TOO_LARGE);
    if (error.statusCode && error.statusCode < 500) return run(request, reply, ep, UNREADABLE);
    request.log.error({ err: error }, 'unexpected error');
    return sendStatus(reply, ep, Status.INTERNAL_ERROR);
  });
  await app.ready();
  if (!handler) throw new Error('fastify did not hand over its request handler');
  return { handler, close: () => app.close() };
}
