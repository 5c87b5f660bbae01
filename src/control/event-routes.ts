/**
 * The event stream (Server-Sent Events) of every phone or of one: a snapshot per phone, then every change
 * (src/runtime/events.ts). A reader more than `backlog` bytes behind, or whose socket stays full for `drainMs`, is
 * cut off (it reconnects and gets a fresh snapshot): readers that stopped reading do not hold the stream slots. With
 * every slot taken, a new reader takes the oldest stream's (that stream is ended; an EventSource reconnects by
 * itself): readers that never read, even with nothing to send them, cannot keep a new one out.
 */
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

/** How far an event stream's reader may fall behind (bytes not yet taken by its socket) before it is cut off. */
const STREAM_BACKLOG = 1024 * 1024;
/** How long an event stream's socket may stay full (writes not drained) before its reader is cut off. */
const STREAM_DRAIN_MS = 30_000;
const HEARTBEAT_MS = 15_000;

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
} as const satisfies Record<string, RouteSpec>;

/** The streams of the hub's events (the control app makes the hub, and closes it with itself). */
export function eventRoutes(hub: EventHub, limits: StreamLimits = {}): FastifyPluginAsync {
  const { maxStreams = MAX_SUBSCRIBERS, backlog = STREAM_BACKLOG, drainMs = STREAM_DRAIN_MS } = limits;
  return async (app) => {
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
    addRoute(app, eventSpecs.all, (req, reply) => stream(req, reply, undefined));
    addRoute(app, eventSpecs.one, (req, reply) => stream(req, reply, req.params.index));
  };
}
