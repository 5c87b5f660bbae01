/**
 * The HTTP(S) transport: one Fastify application serves every phone of the process. Each phone's listeners tag
 * their sockets with the phone's endpoint, so a request finds its phone without any per-phone Fastify instance.
 * Request road: socket -> endpoint -> gate -> operation table -> dispatch -> envelope.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { dispatch, extractInput, UNREADABLE } from '../../api/dispatch.js';
import type { Outcome } from '../../api/dispatch.js';
import { allPaths, operationAt } from '../../api/index.js';
import type { Method, Operation } from '../../api/operation.js';
import type { AuthInfo } from '../../gate/types.js';
import { checkGate, restApiOn } from '../../gate/gate.js';
import type { FaultPlan } from '../../gate/faults.js';
import type { RequestSlot } from '../../gate/slot.js';
import type { Phone } from '../../phone/phone.js';
import type { Journal } from '../../runtime/journal.js';
import { Status } from '../../phone/status.js';
import type { StatusCode } from '../../phone/status.js';
import { envelope, HTML_401, HTML_404, HTML_413, HTML_TYPE, HTTP_STATUS, JSON_TYPE, standardHeaders } from './envelope.js';

/** The manual's limit: more than 20 KB of body is refused with 413 before it is read in full. */
export const BODY_LIMIT = 20 * 1024;

export interface Endpoint {
  readonly phone: Phone;
  readonly slot: RequestSlot;
  readonly secure: boolean;
  /** Extra processing time per request, to make the one-at-a-time rule observable. */
  latencyMs: number;
  /** Where answered requests are recorded. */
  readonly journal?: Journal;
  /** Faults asked for through the control API. */
  readonly faults?: FaultPlan;
}

/** The Status code each JSON answer carried, for the journal. */
const answeredStatus = new WeakMap<FastifyReply, string>();

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

/** The headers of a phone's answers, made once per phone and scheme. */
const headerCache = new WeakMap<Phone, { json: Record<string, string>[]; html: Record<string, string>[] }>();
function headersFor(ep: Endpoint, kind: 'json' | 'html'): Record<string, string> {
  let h = headerCache.get(ep.phone);
  if (!h) {
    const make = (secure: boolean, type: string): Record<string, string> => ({ ...standardHeaders(ep.phone.profile, secure), 'content-type': type });
    h = { json: [make(false, JSON_TYPE), make(true, JSON_TYPE)], html: [make(false, HTML_TYPE), make(true, HTML_TYPE)] };
    headerCache.set(ep.phone, h);
  }
  return h[kind][ep.secure ? 1 : 0] as Record<string, string>;
}

function sendHtml(reply: FastifyReply, ep: Endpoint, code: number, html: string, extra?: Record<string, string | string[]>): FastifyReply {
  reply.code(code).headers(headersFor(ep, 'html'));
  if (extra) reply.headers(extra);
  return reply.send(html);
}

function sendStatus(reply: FastifyReply, ep: Endpoint, code: StatusCode, data?: unknown, top?: Record<string, unknown>, http?: number): FastifyReply {
  if (ep.journal) answeredStatus.set(reply, code);
  return reply.code(http ?? HTTP_STATUS[code]).headers(headersFor(ep, 'json')).send(Buffer.from(envelope(code, data, top)));
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function handle(request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
  const ep = endpointOf(request);
  if (!ep || !ep.phone.isUp) {
    request.raw.socket.destroy();
    return reply;
  }
  const phone = ep.phone;
  phone.noteRequest();
  const path = pathOf(request.url);
  const transport = ep.secure ? 'https' : 'http';
  const verdict = checkGate(phone, { method: request.method, path, target: request.url, headers: request.headers, transport });
  if (verdict.kind === 'not-found') return sendHtml(reply, ep, 404, HTML_404, { connection: 'close' });
  if (verdict.kind === 'unauthorized') return sendHtml(reply, ep, 401, HTML_401, { 'www-authenticate': [...verdict.challenges] });
  if (verdict.kind === 'status') return sendStatus(reply, ep, verdict.code);
  const op = operationAt(path);
  if (!op) return sendHtml(reply, ep, 404, HTML_404);
  if (!op.methods.includes(request.method as Method)) {
    return sendStatus(reply.header('allow', op.methods.join(', ')), ep, Status.BAD_REQUEST, undefined, undefined, 405);
  }
  if (request.method === 'GET' && op.inputFrom === 'body') {
    // Fastify never reads GET bodies; session/delete is a GET with a JSON body, as the manual says.
    return readGetBody(request).then((body) => {
      if (body === TOO_LARGE) return sendHtml(reply, ep, 413, HTML_413, { connection: 'close' });
      request.body = body;
      return proceed(request, reply, ep, op, path, verdict.auth);
    });
  }
  return proceed(request, reply, ep, op, path, verdict.auth);
}

/** Takes the phone's request slot, runs the operation and answers. */
function proceed(request: FastifyRequest, reply: FastifyReply, ep: Endpoint, op: Operation, path: string, auth: AuthInfo): FastifyReply | Promise<FastifyReply> {
  const phone = ep.phone;
  const transport = ep.secure ? 'https' : 'http';
  const got = ep.slot.acquire();
  if (got === false) return sendStatus(reply, ep, Status.FORBIDDEN);
  const fault = ep.faults?.take(path);
  if (fault) {
    ep.slot.release();
    return sendStatus(reply, ep, fault);
  }
  const run = (): FastifyReply | Promise<FastifyReply> => {
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = dispatch(op, phone, extractInput(op, request.body, request.query as Record<string, unknown>), path, transport, auth);
    } catch (err) {
      ep.slot.release();
      throw err;
    }
    if (outcome instanceof Promise) {
      return outcome.then((o) => answer(request, reply, ep, o))
        .finally(() => ep.slot.release());
    }
    ep.slot.release();
    return answer(request, reply, ep, outcome);
  };
  if (got === true && ep.latencyMs === 0) return run();
  return (async () => {
    if (got !== true) await got;
    if (ep.latencyMs > 0) {
      try {
        await delay(ep.latencyMs);
      } catch (err) {
        ep.slot.release();
        throw err;
      }
    }
    return run();
  })();
}

function answer(request: FastifyRequest, reply: FastifyReply, ep: Endpoint, outcome: Outcome): FastifyReply {
  if (outcome.kind === 'absent') return sendHtml(reply, ep, 404, HTML_404);
  if (outcome.kind === 'status') {
    request.log.debug({ code: outcome.code, detail: outcome.detail }, 'operation failed');
    return sendStatus(reply, ep, outcome.code);
  }
  const after = outcome.reply.after;
  if (after) reply.raw.once('finish', after);
  if (outcome.reply.headers) reply.headers(outcome.reply.headers);
  return sendStatus(reply, ep, Status.OK, outcome.reply.data, outcome.reply.top as Record<string, unknown> | undefined);
}

const TOO_LARGE = Symbol('too large');
const NO_BODY = null;

/** Reads a GET request's body (at most BODY_LIMIT bytes) as JSON, as parseBody would. */
function readGetBody(request: FastifyRequest): Promise<unknown> {
  const raw = request.raw;
  const declared = Number(raw.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) return Promise.resolve(TOO_LARGE);
  if (!raw.headers['content-length'] && !raw.headers['transfer-encoding']) return Promise.resolve(NO_BODY);
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

function parseBody(_req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
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
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
    serverFactory: (h: (req: IncomingMessage, res: ServerResponse) => void) => {
      handler = h;
      // Fastify wants a server; the phones' own listeners (listeners.ts) are the ones that accept connections.
      return createServer(h);
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseBody);
  for (const url of allPaths()) app.route({ method: [...ALL_METHODS], url, handler: handle });
  app.addHook('onResponse', (request, reply, done) => {
    const ep = endpointOf(request);
    ep?.journal?.add({
      at: new Date().toISOString(), method: request.method, url: request.url, httpStatus: reply.statusCode,
      status: answeredStatus.get(reply), ms: Math.round(reply.elapsedTime * 10) / 10,
    });
    done();
  });
  app.setNotFoundHandler((request, reply) => {
    const ep = endpointOf(request);
    if (!ep || !ep.phone.isUp) {
      request.raw.socket.destroy();
      return reply;
    }
    return sendHtml(reply, ep, 404, HTML_404, restApiOn(ep.phone) ? {} : { connection: 'close' });
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ep = endpointOf(request);
    if (!ep) return reply.code(500).send();
    if (!restApiOn(ep.phone)) return sendHtml(reply, ep, 404, HTML_404, { connection: 'close' });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      const op = operationAt(pathOf(request.url));
      if (op?.returnCodes.includes(4009)) return sendStatus(reply, ep, Status.INPUT_SIZE_EXCEEDED);
      return sendHtml(reply, ep, 413, HTML_413, { connection: 'close' });
    }
    if (error.statusCode && error.statusCode < 500) return sendStatus(reply, ep, Status.BAD_REQUEST);
    request.log.error({ err: error }, 'unexpected error');
    return sendStatus(reply, ep, Status.INTERNAL_ERROR);
  });
  await app.ready();
  if (!handler) throw new Error('fastify did not hand over its request handler');
  return { handler, close: () => app.close() };
}
