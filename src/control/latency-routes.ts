/** A phone's extra processing time per request (to test clients' handling of slow answers). */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { LatencyAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const MAX_LATENCY_MS = 600_000;

export const latencySpecs = {
  set: {
    method: 'PUT',
    url: '/phones/:index/latency',
    summary: 'extra processing time per request, from now on',
    params: IndexParams,
    body: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: MAX_LATENCY_MS }) }, { additionalProperties: false }),
    response: { 200: LatencyAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const latencyRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, latencySpecs.set, async (req) => {
    req.controlPhone.pipeline.latencyMs = req.body.ms;
    return { latencyMs: req.body.ms };
  });
};
