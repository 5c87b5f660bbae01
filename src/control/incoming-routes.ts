/** Incoming calls: a call from any number and name arrives at a phone's line, played by a far end of the switchboard. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Switchboard } from '../network/switchboard.js';
import { FarEndAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { describeFarEnd } from './far-end-routes.js';
import { IndexParams } from './phone-lookup.js';

export const incomingSpecs = {
  call: {
    method: 'POST',
    url: '/phones/:index/incoming',
    summary: 'a call from any number arrives at the phone (line 1 unless given); answers its far end',
    params: IndexParams,
    body: Type.Object(
      {
        from: Type.String({ minLength: 1, maxLength: 64 }),
        name: Type.Optional(Type.String({ maxLength: 64 })),
        line: Type.Optional(Type.Integer({ minimum: 1 })),
      },
      { additionalProperties: false },
    ),
    response: { 201: FarEndAnswer, ...refusals(400, 404, 409) },
  },
} as const satisfies Record<string, RouteSpec>;

export function incomingRoutes(switchboard: Switchboard): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, incomingSpecs.call, async (req, reply) => {
      const phone = req.controlPhone.phone;
      if (!phone.isUp) return reply.code(409).send({ error: 'the phone is restarting' });
      const line = req.body.line ?? 1;
      if (!phone.lines.exists(line)) return reply.code(400).send({ error: `the phone has no line ${line}` });
      if (!phone.lines.get(line).registered) return reply.code(409).send({ error: `line ${line} is not registered` });
      const farEnd = switchboard.callPhone(phone, line, { number: req.body.from, name: req.body.name });
      return reply.code(201).send(describeFarEnd(farEnd));
    });
  };
}
