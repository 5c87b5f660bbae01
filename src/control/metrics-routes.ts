/**
 * `/metrics`: the fleet's metrics in the Prometheus text format (metrics.ts), behind the control API's door as the
 * rest of the API is (not left open as /ready is for probes): open on loopback, and with a token in force Prometheus
 * sends it (`authorization` in its scrape config; docs/control.md#metrics).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { EventHub } from '../runtime/events.js';
import type { Fleet } from '../runtime/fleet.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { fleetMetrics } from './metrics.js';

export const metricsSpecs = {
  scrape: {
    method: 'GET',
    url: '/metrics',
    summary:
      "the fleet's metrics in the Prometheus text format: phones, lines, calls, Poly API requests with their durations, SIP messages, RTP packets, posted documents, the event stream, the process",
    produces: 'text/plain; version=0.0.4',
    response: { 200: Type.String({ description: 'the Prometheus text format, version 0.0.4' }) },
  },
} as const satisfies Record<string, RouteSpec>;

export function metricsRoutes(fleet: Fleet, hub: EventHub): FastifyPluginAsync {
  return async (app) => {
    const metrics = fleetMetrics(fleet, hub);
    app.addHook('onClose', async () => metrics.close());
    addRoute(app, metricsSpecs.scrape, async (_req, reply) => {
      const text = await metrics.registry.metrics();
      void reply.type(metrics.registry.contentType);
      return reply.code(200).send(text);
    });
  };
}
