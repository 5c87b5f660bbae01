/**
 * The HTTP(S) transport: one application serves every phone of the process. Each phone's listeners tag their sockets
 * with the phone's endpoint (endpoint.ts), so a request finds its phone without any per-phone server state.
 * Road: socket -> endpoint -> PhoneRequest (with the HTTP origin's policy) -> the phone's pipeline (src/gate) ->
 * Decision -> the wire (wire.ts: status, envelope, the web server's pages, Allow, close).
 *
 * Two ways onto that road, one writer. A GET without a body or a query string, the request every poller sends, goes
 * from node's request straight to the pipeline: the pipeline finds the operation itself (one table for HTTP and
 * SIP), so Fastify's routing, request and reply objects would add nothing to it but time. Every other request (a
 * body to read and bound, a query to parse, a URL to decode) goes through Fastify. Both build the same PhoneRequest
 * and write with wire.ts; test/http-roads.test.ts holds their answers equal byte for byte.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { BODY_LIMIT, TOO_LARGE, UNREADABLE } from '../../api/body.js';
import type { TextBody } from '../../api/body.js';
import type { Decision, PhoneRequest } from '../../gate/request.js';
import { endpointOfSocket } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { HTTP_ORIGIN, HTTPS_ORIGIN, isWebAppPath, WEB_APP_HTTP_ORIGIN, WEB_APP_HTTPS_ORIGIN } from './origin.js';
import { writeDecision, writeFailure, writeWebAppDecision } from './wire.js';

export type { Endpoint } from './endpoint.js';
export { tagSocket } from './endpoint.js';

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

const NO_QUERY: Readonly<Record<string, unknown>> = Object.freeze({});

function phoneRequest(
  raw: IncomingMessage,
  ep: Endpoint,
  path: string,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
  web: boolean,
): PhoneRequest {
  return {
    origin: web ? (ep.secure ? WEB_APP_HTTPS_ORIGIN : WEB_APP_HTTP_ORIGIN) : ep.secure ? HTTPS_ORIGIN : HTTP_ORIGIN,
    method: raw.method ?? 'GET',
    path,
    target: raw.url ?? path,
    headers: raw.headers,
    query,
    body,
    from: raw.socket.remoteAddress ?? '',
  };
}

type Log = Pick<Logger, 'error'> | undefined;

function failed(res: ServerResponse, ep: Endpoint, err: unknown, log: Log): void {
  log?.error({ err }, 'request failed');
  writeFailure(res, ep);
}

/** Writes a decision; a writer that throws (it should not) still leaves an answer. */
function deliver(res: ServerResponse, ep: Endpoint, d: Decision, web: boolean, log: Log): void {
  try {
    if (web) writeWebAppDecision(res, ep, d);
    else writeDecision(res, ep, d);
  } catch (err) {
    failed(res, ep, err, log);
  }
}

/**
 * Runs the phone's pipeline on a request and writes its decision; nothing thrown gets past here. A synchronous
 * decision is written at once, without a promise.
 */
function answer(res: ServerResponse, ep: Endpoint, req: PhoneRequest, web: boolean, log: Log): void | Promise<void> {
  let out: ReturnType<Endpoint['pipeline']['run']>;
  try {
    out = ep.pipeline.run(req);
  } catch (err) {
    failed(res, ep, err, log);
    return;
  }
  if (out instanceof Promise)
    return out.then(
      (d) => deliver(res, ep, d, web, log),
      (err: unknown) => failed(res, ep, err, log),
    );
  deliver(res, ep, out, web, log);
}

/** The phone a request reaches, if it is up; otherwise the connection goes, as a phone away answers nothing. */
function phoneOf(raw: IncomingMessage): Endpoint | undefined {
  const ep = endpointOfSocket(raw.socket);
  if (!ep || !ep.phone.isUp) {
    raw.socket.destroy();
    return undefined;
  }
  return ep;
}

/** A request with a body, by its headers (node reads none otherwise). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
}

/**
 * The direct way: a GET without body or query string, answered from node's request. False when the request is not
 * one (Fastify takes it). The URL is taken as sent, as Fastify passes it to the pipeline too (its '*' route).
 */
function direct(raw: IncomingMessage, res: ServerResponse, log: Log): boolean {
  const url = raw.url;
  if (raw.method !== 'GET' || url === undefined || url.includes('?') || hasBody(raw.headers)) return false;
  const ep = phoneOf(raw);
  if (!ep) return true;
  ep.phone.traffic.noteRequest();
  const web = isWebAppPath(url);
  void answer(res, ep, phoneRequest(raw, ep, url, NO_QUERY, undefined, web), web, log);
  return true;
}

/** Fastify's way: the request as Fastify read it (query parsed, body read and bounded), then the pipeline. */
function viaFastify(request: FastifyRequest, reply: FastifyReply, ep: Endpoint, body: unknown): void | Promise<void> {
  reply.hijack();
  const path = pathOf(request.url);
  const web = isWebAppPath(path);
  const query = (request.query ?? NO_QUERY) as Record<string, unknown>;
  return answer(reply.raw, ep, phoneRequest(request.raw, ep, path, query, body, web), web, request.log);
}

function handle(request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const ep = phoneOf(request.raw);
  if (!ep) return;
  ep.phone.traffic.noteRequest();
  if (request.method === 'GET' && hasBody(request.raw.headers)) {
    // Fastify never reads GET bodies; session/delete is a GET with a JSON body, as the manual says.
    return readGetBody(request).then((body) => viaFastify(request, reply, ep, body));
  }
  return viaFastify(request, reply, ep, request.body);
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
  /** How many requests each way took (tests read it). */
  readonly served: { readonly direct: number; readonly fastify: number };
  close(): Promise<void>;
}

export interface HttpAppOptions {
  /** Plain GETs straight to the pipeline (default); false: every request through Fastify (tests compare the two). */
  readonly direct?: boolean;
}

export async function createHttpApp(logger: Logger | false, options: HttpAppOptions = {}): Promise<HttpApp> {
  let viaFastifyHandler: RequestListener | undefined;
  const log = logger || undefined;
  const app = Fastify({
    loggerInstance: log,
    // Every request is in its phone's journal (and the event stream); the log keeps errors, not a line per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
    // A URL Fastify cannot decode (a bad %-escape) is still a request to the phone: its pipeline answers it (404).
    frameworkErrors: (_error, request, reply) => {
      const ep = phoneOf(request.raw);
      return ep ? viaFastify(request, reply, ep, undefined) : undefined;
    },
    serverFactory: (h: (req: IncomingMessage, res: ServerResponse) => void) => {
      viaFastifyHandler = h;
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
    const ep = phoneOf(request.raw);
    if (!ep) return;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return viaFastify(request, reply, ep, TOO_LARGE);
    if (error.statusCode && error.statusCode < 500) return viaFastify(request, reply, ep, UNREADABLE);
    request.log.error({ err: error }, 'unexpected error');
    reply.hijack();
    writeFailure(reply.raw, ep);
  });
  await app.ready();
  const fastifyHandler = viaFastifyHandler;
  if (!fastifyHandler) throw new Error('fastify did not hand over its request handler');
  const served = { direct: 0, fastify: 0 };
  const handler: RequestListener =
    options.direct === false
      ? (req, res) => {
          served.fastify++;
          fastifyHandler(req, res);
        }
      : (req, res) => {
          if (direct(req, res, log)) {
            served.direct++;
          } else {
            served.fastify++;
            fastifyHandler(req, res);
          }
        };
  return { handler, served, close: () => app.close() };
}
