/**
 * polysim's own control API, apart from the Poly API (its own port): list phones, make calls arrive, drive far
 * ends, set far-end scripts, read each phone's request journal, tune a phone's request latency.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { openApiDocument } from '../openapi/document.js';
import { VERSION } from '../version.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FarEnd, FarEndScript } from '../network/far-end.js';
import { isStatusCode, PhoneError } from '../phone/status.js';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';
import { checkControlRequest, isCrossSite } from './guard.js';
import { redactParam } from '../gate/redact.js';
import { forward, MAX_BODY as FORWARD_MAX_BODY } from './forward.js';
import { EventHub, MAX_SUBSCRIBERS } from '../runtime/events.js';
import type { PolysimEvent } from '@polysim/client';
import { FarEndScriptSchema } from '../network/far-end-script.js';
import type { GuardOptions } from './guard.js';
import { ControlLogin } from './login.js';
import { answerLoggedOut, loginRoutes, wantsPage } from './login-routes.js';
import { CONTROL_SERVER_OPTIONS, guardControlServer } from './connections.js';
import type { GuardLimits } from '../transport/connection-guard.js';

/** How far an event stream's reader may fall behind (bytes not yet taken by its socket) before it is cut off. */
const STREAM_BACKLOG = 1024 * 1024;
/** How long an event stream's socket may stay full (writes not drained) before its reader is cut off. */
const STREAM_DRAIN_MS = 30_000;

/** Bounds of the event streams (smaller ones for tests). */
export interface StreamLimits {
  readonly maxStreams?: number;
  readonly backlog?: number;
  readonly drainMs?: number;
}

const Script = FarEndScriptSchema;

const Incoming = Type.Object({
  from: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.Optional(Type.String({ maxLength: 64 })),
  line: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });

const Digits = Type.Object({ digits: Type.String({ pattern: '^[0-9*#A-Da-d]+$' }) }, { additionalProperties: false });
const Latency = Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 600_000 }) }, { additionalProperties: false });
const Index = Type.Object({ index: Type.Integer({ minimum: 1 }) });

function describePhone(r: RunningPhone, index: number): Record<string, unknown> {
  const p = r.phone;
  return {
    index, model: p.profile.model.name, firmware: p.profile.firmware, dialect: p.dialectMode, mac: p.identity.mac, serial: p.identity.serial,
    number: p.lines.get(1).address.split('@')[0] ?? '', state: p.state, httpUrl: r.httpUrl, httpsUrl: r.httpsUrl,
    // A listener that did not reopen after the last reboot: its catalogue code (src/errors.ts) and why.
    ...(r.listenError() ? { listenError: r.listenError() } : {}),
    calls: p.calls.all().map((c) => ({
      handle: c.handle, callId: c.callId, line: c.line, direction: c.direction, state: c.stateLabel,
      remoteNumber: c.remote.number, remoteName: c.remote.name, dtmfReceived: c.dtmfReceived,
    })),
  };
}

function describeFarEnd(f: FarEnd): Record<string, unknown> {
  return {
    id: f.id, direction: f.direction, number: f.party.number, name: f.party.name, phoneNumber: f.phoneNumber,
    callId: f.callId, state: f.state, holding: f.holding, heldByPhone: f.heldByPhone, dtmfReceived: f.dtmfReceived,
  };
}

const notFound = (reply: FastifyReply, what: string): FastifyReply => reply.code(404).send({ error: `no ${what}` });

export type ControlApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

export async function createControlApp(fleet: Fleet, logger: Logger | false, guard: GuardOptions = {}, limits: StreamLimits = {},
  connections: Partial<GuardLimits> = {}): Promise<ControlApp> {
  const { maxStreams = MAX_SUBSCRIBERS, backlog = STREAM_BACKLOG, drainMs = STREAM_DRAIN_MS } = limits;
  const app = Fastify({ loggerInstance: logger || undefined, bodyLimit: 64 * 1024, ...CONTROL_SERVER_OPTIONS }) as unknown as ControlApp;
  guardControlServer(app.server, connections);
  // With a token, a browser logs in (login.ts) and its cookie stands for the token.
  const login = guard.token === undefined ? undefined : guard.login ?? new ControlLogin(guard.token);
  const door = { ...guard, login };
  app.addHook('onRequest', (req, reply, done) => {
    const refused = checkControlRequest(req.raw, door);
    if (refused) {
      if (refused.status === 401 && login && answerLoggedOut(login, req, reply)) return;
      void reply.code(refused.status).headers(refused.headers ?? {}).send({ error: refused.error });
      return;
    }
    done();
  });
  await app.register(loginRoutes(login));
  // The Poly API's OpenAPI document, and Swagger UI on it, at /docs (here, not among the Poly API's paths).
  // Served with the running phones as its servers: "Try it out" goes to /phones/{i}/api/..., forwarded (and signed) here.
  const document = {
    ...openApiDocument(VERSION),
    servers: fleet.phones.slice(0, 500).map((r, i) => ({
      url: `/phones/${i + 1}`,
      description: `phone ${i + 1}: ${r.phone.profile.model.name} (${r.phone.profile.firmware}), line 1 ${r.phone.lines.exists(1) ? r.phone.lines.get(1).address : ''}`,
    })),
  };
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/docs/openapi.json', async () => document);
  const phoneAt = (index: number): RunningPhone | undefined => fleet.phones[index - 1];
  const sb = fleet.switchboard;

  // The dashboard (ui/, built into dist/ui by npm run build): its files under /ui/, its page at / and, for a
  // browser (Accept: text/html), at /phones/{i}; other clients of /phones/{i} get JSON as before.
  const uiRoot = fileURLToPath(new URL('../../dist/ui/', import.meta.url));
  const indexHtml = existsSync(join(uiRoot, 'index.html')) ? readFileSync(join(uiRoot, 'index.html')) : undefined;
  if (indexHtml) await app.register(fastifyStatic, { root: uiRoot, prefix: '/ui/', index: false, decorateReply: false });
  const page = (reply: FastifyReply): FastifyReply => (indexHtml
    ? reply.type('text/html; charset=utf-8').send(indexHtml)
    : reply.code(503).type('text/plain').send('The dashboard is not built: run npm run build.\n'));
  app.get('/', async (_req, reply) => page(reply));

  app.get('/phones', async () => fleet.phones.map((r, i) => describePhone(r, i + 1)));

  // For test harnesses: 200 once every phone is ready (initialised), 503 while any is not.
  app.get('/ready', async (_req, reply) => {
    const notReady = fleet.phones.filter((r) => !r.phone.isReady).length;
    // phones whose every line with an address is registered (to the switchboard or a real SIP server)
    const registered = fleet.phones.filter((r) => r.phone.isUp && r.phone.lines.all().every((l) => !l.assigned || l.registered)).length;
    return reply.code(notReady === 0 ? 200 : 503).send({ ready: notReady === 0, phones: fleet.phones.length, notReady, registered });
  });

  // The event stream (Server-Sent Events): a snapshot per phone, then every change. A reader more than `backlog`
  // bytes behind, or whose socket stays full for `drainMs`, is cut off (it reconnects and gets a fresh snapshot):
  // readers that stopped reading do not hold the stream slots.
  const hub = new EventHub(fleet);
  app.addHook('onClose', async () => hub.close());
  // With every slot taken, a new reader takes the oldest stream's (that stream is ended; an EventSource reconnects by
  // itself): readers that never read, even with nothing to send them, cannot keep a new one out.
  const streams = new Set<ServerResponse>();
  const stream = (req: FastifyRequest, reply: FastifyReply, phone: number | undefined): void => {
    while (streams.size >= maxStreams) {
      const oldest = streams.values().next().value as ServerResponse;
      streams.delete(oldest);
      oldest.destroy();
    }
    reply.hijack();
    const res = reply.raw;
    streams.add(res);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let stalled: NodeJS.Timeout | undefined;
    const write = (text: string): void => {
      // The socket is full: it has drainMs to take it.
      if (!res.write(text) && !stalled) {
        stalled = setTimeout(() => res.destroy(), drainMs);
        stalled.unref();
        res.once('drain', () => {
          clearTimeout(stalled);
          stalled = undefined;
        });
      }
    };
    write(': polysim events\n\n');
    const send = (event: PolysimEvent): boolean => {
      if (res.destroyed) return false;
      if (res.writableLength > backlog) {
        res.destroy();
        return false;
      }
      write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      return true;
    };
    const unsubscribe = hub.subscribe(phone, send);
    const heartbeat = setInterval(() => { if (!res.destroyed) write(': keep-alive\n\n'); }, 15_000);
    heartbeat.unref();
    req.raw.socket.once('close', () => {
      streams.delete(res);
      clearInterval(heartbeat);
      clearTimeout(stalled);
      unsubscribe();
    });
  };
  app.get('/events', (req, reply) => stream(req, reply, undefined));
  app.get<{ Params: Static<typeof Index> }>('/phones/:index/events', { schema: { params: Index } }, (req, reply) => {
    if (!phoneAt(req.params.index)) return notFound(reply, 'such phone');
    stream(req, reply, req.params.index);
    return reply;
  });

  // The Poly API of phone i, forwarded unchanged (signed with the phone's admin credentials when the request brings
  // none): the API explorer's "Try it out" reaches every phone from this one origin. Bodies pass as bytes.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: FORWARD_MAX_BODY }, (_req, body, done) => done(null, body));
    scope.all<{ Params: { index: string; '*': string } }>('/phones/:index/api/*', async (req, reply) => {
      // Signed with the phone's admin credentials, a GET may change state (new sessions, a reboot): another site's
      // page must not reach it (an <img src> does not preflight).
      if (isCrossSite(req.raw)) return reply.code(403).send({ error: 'a request from another site\'s page is not forwarded to a phone' });
      const r = phoneAt(Number(req.params.index));
      if (!r) return notFound(reply, 'such phone');
      const query = req.raw.url?.includes('?') ? req.raw.url.slice(req.raw.url.indexOf('?')) : '';
      try {
        // The control credentials (the token's Authorization, the login cookie) are never forwarded: the phone gets its own.
        const headers = login ? login.withoutCredentials(req.headers) : req.headers;
        const answer = await forward(r, req.method, `/api/${req.params['*']}${query}`, headers, Buffer.isBuffer(req.body) ? req.body : undefined);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      } catch (err) {
        return reply.code(502).send({ error: `phone ${req.params.index} did not answer: ${(err as Error).message}` });
      }
    });
  });

  app.get<{ Params: Static<typeof Index> }>('/phones/:index', { schema: { params: Index } }, async (req, reply) => {
    if (wantsPage(req)) return page(reply);
    const r = phoneAt(req.params.index);
    return r ? describePhone(r, req.params.index) : notFound(reply, 'such phone');
  });

  app.get<{ Params: Static<typeof Index>; Querystring: { limit?: number } }>('/phones/:index/journal', {
    schema: { params: Index, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }) },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    return r ? r.journal.last(req.query.limit ?? 50) : notFound(reply, 'such phone');
  });

  // The configuration browser: parameters whose name contains `q`, with value, winning source, type and default
  // (secrets masked, as config/get masks them). Editing goes through the Poly API's config/set (the LOCAL level).
  const ConfigQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });
  app.get<{ Params: Static<typeof Index>; Querystring: Static<typeof ConfigQuery> }>('/phones/:index/config', {
    schema: { params: Index, querystring: ConfigQuery },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    const q = (req.query.q ?? '').toLowerCase();
    const limit = req.query.limit ?? 200;
    const params = [...r.phone.config.params.values()].filter((p) => p.name.toLowerCase().includes(q));
    return {
      total: params.length,
      params: params.slice(0, limit).map((p) => {
        const v = r.phone.config.get(p.name);
        return { name: p.name, value: redactParam(p.name, v?.value ?? '', p.spec.secret), source: (v?.source ?? 'DEFAULT').toLowerCase(),
          type: p.spec.type.kind, default: redactParam(p.name, p.defaultValue, p.spec.secret), description: p.spec.description };
      }),
    };
  });

  app.put<{ Params: Static<typeof Index>; Body: Static<typeof Latency> }>('/phones/:index/latency', {
    schema: { params: Index, body: Latency },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    r.pipeline.latencyMs = req.body.ms;
    return { latencyMs: req.body.ms };
  });

  app.post<{ Params: Static<typeof Index>; Body: Static<typeof Incoming> }>('/phones/:index/incoming', {
    schema: { params: Index, body: Incoming },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    if (!r.phone.isUp) return reply.code(409).send({ error: 'the phone is restarting' });
    const line = req.body.line ?? 1;
    if (!r.phone.lines.exists(line)) return reply.code(400).send({ error: `the phone has no line ${line}` });
    if (!r.phone.lines.get(line).registered) return reply.code(409).send({ error: `line ${line} is not registered` });
    const fe = sb.callPhone(r.phone, line, { number: req.body.from, name: req.body.name });
    return reply.code(201).send(describeFarEnd(fe));
  });

  const Registration = Type.Object({ registered: Type.Boolean() }, { additionalProperties: false });
  const LineParams = Type.Object({ index: Type.Integer({ minimum: 1 }), line: Type.Integer({ minimum: 1 }) });
  // The call server stops answering a line's registrations (registered: false), or answers again.
  app.put<{ Params: Static<typeof LineParams>; Body: Static<typeof Registration> }>('/phones/:index/lines/:line/registration', {
    schema: { params: LineParams, body: Registration },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    if (!r.phone.lines.exists(req.params.line)) return reply.code(400).send({ error: `the phone has no line ${req.params.line}` });
    if (req.body.registered) r.phone.lines.restoreRegistration(req.params.line);
    else r.phone.lines.loseRegistration(req.params.line);
    return { line: req.params.line, registered: r.phone.lines.get(req.params.line).registered };
  });

  const FaultBody = Type.Object({
    status: Type.String({ pattern: '^(4\\d{3}|5000|5500)$' }),
    path: Type.Optional(Type.String({ pattern: '^/api/' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  }, { additionalProperties: false });
  app.post<{ Params: Static<typeof Index>; Body: Static<typeof FaultBody> }>('/phones/:index/faults', {
    schema: { params: Index, body: FaultBody },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    if (!isStatusCode(req.body.status)) return reply.code(400).send({ error: `${req.body.status} is not a Status code of the manual` });
    r.faults.add({ status: req.body.status, path: req.body.path, remaining: req.body.count ?? 1 });
    return reply.code(201).send(r.faults.list());
  });
  app.get<{ Params: Static<typeof Index> }>('/phones/:index/faults', { schema: { params: Index } }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    return r ? r.faults.list() : notFound(reply, 'such phone');
  });
  app.delete<{ Params: Static<typeof Index> }>('/phones/:index/faults', { schema: { params: Index } }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    r.faults.clear();
    return reply.code(204).send();
  });

  // What the phone's own web interface and menus would set: the WEB and DEVICE layers.
  const LayerParams = Type.Object({ index: Type.Integer({ minimum: 1 }), layer: Type.Union([Type.Literal('web'), Type.Literal('device')]) });
  app.put<{ Params: Static<typeof LayerParams>; Body: Record<string, unknown> }>('/phones/:index/config/:layer', {
    schema: { params: LayerParams, body: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { minProperties: 1 }) },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    r.phone.config.set(req.params.layer === 'web' ? 'WEB' : 'DEVICE', req.body);
    // The values as set, secrets (admin and SIP passwords) masked as the event stream masks them.
    return Object.fromEntries(Object.keys(req.body).map((name) => {
      const v = r.phone.config.lookup(name);
      return [name, v && { ...v, value: redactParam(name, v.value, r.phone.config.params.get(name)?.spec.secret) }];
    }));
  });

  // The phone's menu can also reset a layer, e.g. the LOCAL one after the REST API was turned off through it.
  const ResetParams = Type.Object({ index: Type.Integer({ minimum: 1 }), layer: Type.Union([Type.Literal('local'), Type.Literal('web'), Type.Literal('device'), Type.Literal('config')]) });
  app.delete<{ Params: Static<typeof ResetParams> }>('/phones/:index/config/:layer', { schema: { params: ResetParams } }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    r.phone.resetConfig([req.params.layer.toUpperCase() as 'LOCAL']);
    return reply.code(204).send();
  });

  const Peripherals = Type.Object({
    pcMac: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{12})?$' })),
    bluetooth: Type.Optional(Type.Array(Type.Object({
      type: Type.String(), name: Type.String(), profile: Type.String(), connected: Type.Boolean(), signalStrength: Type.Integer(),
    }, { additionalProperties: false }), { maxItems: 16 })),
    modularRoom: Type.Optional(Type.Array(Type.Object({
      name: Type.String(), model: Type.String(), mac: Type.String(),
      components: Type.Array(Type.Object({ componentType: Type.String(), version: Type.String() }, { additionalProperties: false })),
    }, { additionalProperties: false }), { maxItems: 16 })),
  }, { additionalProperties: false });
  app.put<{ Params: Static<typeof Index>; Body: Static<typeof Peripherals> }>('/phones/:index/peripherals', {
    schema: { params: Index, body: Peripherals },
  }, async (req, reply) => {
    const r = phoneAt(req.params.index);
    if (!r) return notFound(reply, 'such phone');
    const p = r.phone.peripherals;
    if (req.body.pcMac !== undefined) p.pcMac = req.body.pcMac.toUpperCase();
    if (req.body.bluetooth) p.bluetooth = req.body.bluetooth;
    if (req.body.modularRoom) p.modularRoom = req.body.modularRoom;
    return p;
  });

  app.get('/far-ends', async () => [...sb.farEnds.values()].map(describeFarEnd));

  const ACTIONS = ['answer', 'reject', 'hold', 'resume', 'hangup'] as const;
  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/far-ends/:id/${action}`, async (req, reply) => {
      const fe = sb.farEnds.get(req.params.id);
      if (!fe) return notFound(reply, 'such far end');
      const done = fe[action]();
      return done ? describeFarEnd(fe) : reply.code(409).send({ error: `cannot ${action} in state ${fe.state}` });
    });
  }
  app.post<{ Params: { id: string }; Body: Static<typeof Digits> }>('/far-ends/:id/dtmf', { schema: { body: Digits } }, async (req, reply) => {
    const fe = sb.farEnds.get(req.params.id);
    if (!fe) return notFound(reply, 'such far end');
    return fe.sendDtmf(req.body.digits.toUpperCase()) ? describeFarEnd(fe) : reply.code(409).send({ error: 'not connected' });
  });

  app.get('/scripts', async () => ({ default: sb.defaultScript, numbers: Object.fromEntries(sb.scripts) }));
  app.put<{ Params: { number: string }; Body: Static<typeof Script> }>('/scripts/:number', { schema: { body: Script } }, async (req) => {
    const script: FarEndScript = req.body;
    if (req.params.number === 'default') sb.defaultScript = script;
    else sb.scripts.set(req.params.number, script);
    return script;
  });
  app.delete<{ Params: { number: string } }>('/scripts/:number', async (req, reply) =>
    (sb.scripts.delete(req.params.number) ? reply.code(204).send() : notFound(reply, 'script for that number')));

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
    if (err instanceof PhoneError) return reply.code(400).send({ error: err.message });
    if (err.validation || (err.statusCode && err.statusCode < 500)) return reply.code(err.statusCode ?? 400).send({ error: err.message });
    return reply.code(500).send({ error: 'internal error' });
  });
  return app;
}
