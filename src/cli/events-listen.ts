/**
 * `polysim events listen`: a receiver for what phones POST (telephony events to apps.telNotification.URL, state
 * polling answers to apps.statePolling.URL), to see what a phone sends and to test one's own receiver against. Each
 * POST is parsed with the SDK's parsePhoneDocument and printed as one line (or one JSON line); a document is answered
 * 200, a body that is not one 400 (and printed as an error line), a body over PHONE_DOCUMENT_LIMIT 413, another
 * method 405. Connections are bounded (connection-guard.ts), every request has a deadline, and SIGINT or SIGTERM
 * stops it cleanly.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify from 'fastify';
import { pino } from 'pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePhoneDocument, PHONE_DOCUMENT_LIMIT, PhoneDocumentError } from '@polysim/client';
import { listenError } from '../transport/listen-error.js';
import { selfSignedCertificate } from '../transport/certificate.js';
import { ConnectionGuard, KEEP_ALIVE_MS } from '../transport/connection-guard.js';
import type { GuardLimits } from '../transport/connection-guard.js';
import { documentLine, errorLine } from './events-format.js';
import type { Receipt } from './events-format.js';
import type { CliIo } from './io.js';
import { untilStopped } from './stop-signals.js';
import { armShutdownDeadline } from './shutdown-deadline.js';

export interface EventsListenOptions {
  readonly port: number;
  readonly host: string;
  readonly json?: boolean;
  readonly https?: boolean;
}

/** Connections held at once (phones keep one or two each), and the deadlines of a connection and a request. */
export const LISTEN_LIMITS: GuardLimits & { readonly requestMs: number } = {
  maxConnections: 64,
  handshakeMs: 10_000,
  idleMs: 30_000,
  requestMs: 10_000,
};

/** A self-signed certificate for the listener's address (and localhost), valid for a year from a day ago. */
function certificate(host: string): { cert: string; key: string } {
  const now = Date.now();
  return selfSignedCertificate({
    commonName: 'polysim events listen',
    organization: 'polysim',
    dnsNames: ['localhost'],
    ipAddresses: [...new Set(['127.0.0.1', ...(isIP(host) === 4 && host !== '0.0.0.0' ? [host] : [])])],
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
  });
}

function sender(req: FastifyRequest): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Runs until SIGINT or SIGTERM (or, in-process, the io's signal); exit code 0. */
export async function runEventsListen(o: EventsListenOptions, io: CliIo): Promise<number> {
  const tls = o.https ? certificate(o.host) : undefined;
  const guard = new ConnectionGuard(LISTEN_LIMITS);
  const app = Fastify({
    logger: false,
    bodyLimit: PHONE_DOCUMENT_LIMIT,
    forceCloseConnections: true,
    keepAliveTimeout: KEEP_ALIVE_MS,
    requestTimeout: LISTEN_LIMITS.requestMs,
    ...(tls ? { https: { ...tls, ...guard.tlsOptions } } : {}),
  });
  guard.watch(app.server, 'http');

  const receipt = (req: FastifyRequest): Receipt => ({ receivedAt: new Date().toISOString(), from: sender(req), path: req.url });
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, error: string): FastifyReply => {
    io.stdout.write(`${errorLine(receipt(req), error, status, o.json === true)}\n`);
    return reply.code(status).type('text/plain; charset=utf-8').send(`${error}\n`);
  };

  // Any content type (phones name none the guides record; polysim's is application/xml), kept as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/*', (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      const doc = parsePhoneDocument(body);
      io.stdout.write(`${documentLine(receipt(req), doc, o.json === true)}\n`);
      return reply.code(200).send();
    } catch (err) {
      if (err instanceof PhoneDocumentError) return refuse(req, reply, 400, err.message);
      throw err;
    }
  });
  app.setNotFoundHandler((req, reply) => refuse(req, reply.header('allow', 'POST'), 405, `${req.method}: only POST is received`));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(req, reply, 413, `a body over ${PHONE_DOCUMENT_LIMIT} bytes`);
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return refuse(req, reply, status, err.message);
  });

  let port: number;
  try {
    await app.listen({ port: o.port, host: o.host });
    port = (app.server.address() as { port: number }).port;
  } catch (err) {
    await app.close();
    throw listenError(err, `${o.host}:${o.port}`, o.host);
  }

  // Stops on SIGINT or SIGTERM (the handlers are in place before the banner says it listens), or the io's signal.
  const stopped = untilStopped(io, (cause) => {
    if (cause !== 'abort') armShutdownDeadline(pino({ level: 'error' }, { write: (s: string) => io.stderr.write(s) }), cause);
    guard.closeAll();
    return app.close();
  });

  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `${tls ? 'https' : 'http'}://${shown}:${port}/`;
  const pin = tls ? ` (self-signed, SHA-256 ${new X509Certificate(tls.cert).fingerprint256})` : '';
  io.stderr.write(`polysim: receiving phones' documents at ${url}${pin}; Ctrl-C stops\n`);
  await stopped;
  return 0;
}
