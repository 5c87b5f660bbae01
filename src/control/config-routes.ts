/**
 * A phone's configuration: the browser (parameters whose name contains `q`, with value, winning source, type and
 * default, secrets masked as config/get masks them), and what the phone's own web interface and menus would set or
 * reset (the WEB and DEVICE layers; a menu's reset of any layer). Editing at the LOCAL level goes through the Poly
 * API's config/set.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { redactParam } from '../gate/redact.js';
import { ConfigPageAnswer, ConfigSetAnswer, NoContent, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

const Limit = Type.Integer({ minimum: 1, maximum: 1000 });

export const configSpecs = {
  browse: {
    method: 'GET',
    url: '/phones/:index/config',
    summary: 'parameters whose name contains q: value, source, type, default (secrets masked)',
    params: IndexParams,
    querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Limit) }),
    response: { 200: ConfigPageAnswer, ...refusals(400, 404) },
  },
  set: {
    method: 'PUT',
    url: '/phones/:index/config/:layer',
    summary: 'set values at the WEB or DEVICE level (answers each value with its winning source, secrets masked)',
    params: Type.Object({ ...IndexParams.properties, layer: Type.Union([Type.Literal('web'), Type.Literal('device')]) }),
    body: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { minProperties: 1 }),
    response: { 200: ConfigSetAnswer, ...refusals(400, 404) },
  },
  reset: {
    method: 'DELETE',
    url: '/phones/:index/config/:layer',
    summary: "reset a layer, as the phone's menu does",
    params: Type.Object({
      ...IndexParams.properties,
      layer: Type.Union([Type.Literal('local'), Type.Literal('web'), Type.Literal('device'), Type.Literal('config')]),
    }),
    response: { 204: NoContent, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const configRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, configSpecs.browse, async (req) => {
    const config = req.controlPhone.phone.config;
    const q = (req.query.q ?? '').toLowerCase();
    const params = [...config.params.values()].filter((p) => p.name.toLowerCase().includes(q));
    return {
      total: params.length,
      params: params.slice(0, req.query.limit ?? 200).map((p) => {
        const v = config.get(p.name);
        return {
          name: p.name,
          value: redactParam(p.name, v?.value ?? '', p.spec.secret),
          source: (v?.source ?? 'DEFAULT').toLowerCase(),
          type: p.spec.type.kind,
          default: redactParam(p.name, p.defaultValue, p.spec.secret),
          description: p.spec.description,
        };
      }),
    };
  });

  addRoute(app, configSpecs.set, async (req) => {
    const config = req.controlPhone.phone.config;
    config.set(req.params.layer === 'web' ? 'WEB' : 'DEVICE', req.body);
    // The values as set, secrets (admin and SIP passwords) masked as the event stream masks them.
    return Object.fromEntries(
      Object.keys(req.body).flatMap((name) => {
        const v = config.lookup(name);
        return v ? [[name, { ...v, value: redactParam(name, v.value, config.params.get(name)?.spec.secret) }]] : [];
      }),
    );
  });

  addRoute(app, configSpecs.reset, async (req, reply) => {
    req.controlPhone.phone.resetConfig([req.params.layer.toUpperCase() as 'LOCAL']);
    return reply.code(204).send();
  });
};
