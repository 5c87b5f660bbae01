/** A phone's faults: the next requests (to one path, or any) answer a given Status instead of running. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { isStatusCode } from '../phone/status.js';
import { FaultsAnswer, NoContent, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const faultSpecs = {
  add: {
    method: 'POST',
    url: '/phones/:index/faults',
    summary: 'the next requests (to path, or any) answer this Status; answers the faults waiting',
    params: IndexParams,
    body: Type.Object(
      {
        status: Type.String({ pattern: '^(4\\d{3}|5000|5500)$' }),
        // A REST path, or a web application handler's (/push, /polling/...): both take the same road.
        path: Type.Optional(Type.String({ pattern: '^/(api/|push$|polling/)', maxLength: 512 })),
        count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      },
      { additionalProperties: false },
    ),
    response: { 201: FaultsAnswer, ...refusals(400, 404) },
  },
  list: {
    method: 'GET',
    url: '/phones/:index/faults',
    summary: 'the faults waiting',
    params: IndexParams,
    response: { 200: FaultsAnswer, ...refusals(400, 404) },
  },
  clear: {
    method: 'DELETE',
    url: '/phones/:index/faults',
    summary: 'clear them',
    params: IndexParams,
    response: { 204: NoContent, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const faultRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, faultSpecs.add, async (req, reply) => {
    const { status, path, count } = req.body;
    if (!isStatusCode(status)) return reply.code(400).send({ error: `${status} is not a Status code of the manual` });
    const faults = req.controlPhone.faults;
    faults.add({ status, path, remaining: count ?? 1 });
    return reply.code(201).send(faults.list());
  });
  addRoute(app, faultSpecs.list, async (req) => req.controlPhone.faults.list());
  addRoute(app, faultSpecs.clear, async (req, reply) => {
    req.controlPhone.faults.clear();
    return reply.code(204).send();
  });
};
