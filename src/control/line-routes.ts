/** A phone's lines as the call server sees them: it stops answering a line's registrations, or answers again. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { RegistrationAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const lineSpecs = {
  registration: {
    method: 'PUT',
    url: '/phones/:index/lines/:line/registration',
    summary: "the call server stops (false) or resumes (true) answering the line's registrations",
    params: Type.Object({ ...IndexParams.properties, line: Type.Integer({ minimum: 1 }) }),
    body: Type.Object({ registered: Type.Boolean() }, { additionalProperties: false }),
    response: { 200: RegistrationAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const lineRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, lineSpecs.registration, async (req, reply) => {
    const lines = req.controlPhone.phone.lines;
    const { line } = req.params;
    if (!lines.exists(line)) return reply.code(400).send({ error: `the phone has no line ${line}` });
    if (req.body.registered) lines.restoreRegistration(line);
    else lines.loseRegistration(line);
    return { line, registered: lines.get(line).registered };
  });
};
