/**
 * The event stream (Server-Sent Events) of every phone or of one: a snapshot per phone, then every change
 * (src/runtime/events.ts). A reader more than `backlog` bytes behind, or whose socket stays full for `drainMs`, is
 * cut off (it reconnects and gets a fresh snapshot): readers that stopped reading do not hold the stream slots. With
 * every slot taken, a new reader takes the oldest stream's (that stream is ended; an EventSource reconnects by
 * itself): readers that never read, even with nothing to send them, cannot keep a new one out.
 */
import { Type } from '@sinclair/typebox';
import { polysimEvents } from '@polysim/client';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { EventSchema } from '../runtime/event-schemas.js';
import type { PolysimEvent } from '../runtime/event-schemas.js';
import { MAX_SUBSCRIBERS } from '../runtime/events.js';
import type { EventHub } from '../runtime/events.js';
import { refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';
import { localShardName } from './peers.js';
import type { Peers } from './peers.js';

/** How far an event stream's reader may fall behind (bytes not yet taken by its socket) before it is cut off. */
const STREAM_BACKLOG = 1024 * 1024;
/** How long an event stream's socket may stay full (writes not drained) before its reader is cut off. */
const STREAM_DRAIN_MS = 30_000;
const HEARTBEAT_MS = 15_000;
/** How often the merged stream looks for new peers, and waits before it asks a peer that went away again. */
const PEER_LOOK_MS = 5_000;
const PEER_RETRY_MS = 2_000;

/** Bounds of the event streams (smaller ones for tests). */
export interface StreamLimits {
  readonly maxStreams?: number;
  readonly backlog?: number;
  readonly drainMs?: number;
}

const SSE = 'text/event-stream';
export const eventSpecs = {
  all: {
    method: 'GET',
    url: '/events',
    summary: 'the event stream of every phone (Server-Sent Events)',
    produces: SSE,
    response: { 200: EventSchema },
  },
  one: {
    method: 'GET',
    url: '/phones/:index/events',
    summary: 'the event stream of one phone',
    produces: SSE,
    params: IndexParams,
    response: { 200: EventSchema, ...refusals(400, 404) },
  },
  shards: {
    method: 'GET',
    url: '/shards/events',
    summary:
      "the event streams of this shard and of every peer (GET /shards) as one: each event with its shard (host:port); a 'shard' event says when a peer's stream opens or ends",
    produces: SSE,
    response: {
      200: Type.Union([
        Type.Intersect([EventSchema, Type.Object({ shard: Type.String() })]),
        Type.Object({ type: Type.Literal('shard'), shard: Type.String(), connected: Type.Boolean(), error: Type.Optional(Type.String()) }),
      ]),
    },
  },
} as const satisfies Record<string, RouteSpec>;

/** What a stream sends: an event of the hub, or of a shard. */
type Streamed = { readonly type: string; readonly seq?: number; readonly [field: string]: unknown };
type Send = (event: Streamed) => boolean;

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** One peer's events, as long as `signal` lets, asked again after it ends or fails; its comings and goings said. */
async function followPeer(name: string, url: string, token: string | undefined, signal: AbortSignal, send: Send): Promise<void> {
  let said: boolean | undefined;
  while (!signal.aborted) {
    let error: string | undefined;
    try {
      for await (const e of polysimEvents(url, { token, signal })) {
        if (said !== true) send({ type: 'shard', shard: name, connected: (said = true) });
        send({ ...e, shard: name });
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (signal.aborted) return;
    if (said !== false) send({ type: 'shard', shard: name, connected: (said = false), ...(error ? { error } : {}) });
    await pause(PEER_RETRY_MS, signal);
  }
}

/** Every peer's events while `signal` lets: peers that appear are followed, those gone are let go. */
async function followPeers(peers: Peers, self: string, signal: AbortSignal, send: Send): Promise<void> {
  const followed = new Map<string, AbortController>();
  while (!signal.aborted) {
    const now = await peers.list(self);
    for (const s of now) {
      if (followed.has(s.name)) continue;
      const own = new AbortController();
      followed.set(s.name, own);
      void followPeer(s.name, s.url, peers.token, AbortSignal.any([signal, own.signal]), send);
    }
    for (const [name, own] of followed) {
      if (now.some((s) => s.name === name)) continue;
      own.abort();
      followed.delete(name);
      send({ type: 'shard', shard: name, connected: false, error: 'no longer a peer' });
    }
    await pause(PEER_LOOK_MS, signal);
  }
}

/** The streams of the hub's events (the control app makes the hub, and closes it with itself), and of the peers'. */
export function eventRoutes(hub: EventHub, limits: StreamLimits = {}, peers?: Peers): FastifyPluginAsync {
  const { maxStreams = MAX_SUBSCRIBERS, backlog = STREAM_BACKLOG, drainMs = STREAM_DRAIN_MS } = limits;
  return async (app) => {
    const streams = new Set<ServerResponse>();
    const stream = (req: FastifyRequest, reply: FastifyReply, subscribe: (send: Send) => () => void): void => {
      while (streams.size >= maxStreams) {
        const oldest = streams.values().next().value as ServerResponse;
        streams.delete(oldest);
        oldest.destroy();
      }
      reply.hijack();
      const res = reply.raw;
      streams.add(res);
      res.writeHead(200, { 'content-type': `${SSE}; charset=utf-8`, 'cache-control': 'no-cache', connection: 'keep-alive' });
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
      const send = (event: Streamed): boolean => {
        if (res.destroyed) return false;
        if (res.writableLength > backlog) {
          res.destroy();
          return false;
        }
        write(`${event.seq === undefined ? '' : `id: ${event.seq}\n`}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        return true;
      };
      const unsubscribe = subscribe(send);
      const heartbeat = setInterval(() => {
        if (!res.destroyed) write(': keep-alive\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
      req.raw.socket.once('close', () => {
        streams.delete(res);
        clearInterval(heartbeat);
        clearTimeout(stalled);
        unsubscribe();
      });
    };
    const ofHub = (phone: number | undefined) => (send: Send) => hub.subscribe(phone, send as (e: PolysimEvent) => boolean);
    addRoute(app, eventSpecs.all, (req, reply) => stream(req, reply, ofHub(undefined)));
    addRoute(app, eventSpecs.one, (req, reply) => stream(req, reply, ofHub(req.params.index)));
    // This shard's events and its peers', as one stream (the dashboard's fleet page of a fleet in shards).
    addRoute(app, eventSpecs.shards, (req, reply) => {
      const self = localShardName(req.raw);
      stream(req, reply, (send) => {
        const unsubscribe = hub.subscribe(undefined, (e) => send({ ...e, shard: self }));
        const done = new AbortController();
        if (peers) void followPeers(peers, self, done.signal, send);
        return () => {
          unsubscribe();
          done.abort();
        };
      });
    });
  };
}
