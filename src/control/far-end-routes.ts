/**
 * The far ends of calls (the switchboard's callers and callees) and how they are driven: answer, reject, hold,
 * resume, hang up, send DTMF. A route with an `:id` finds its far end first (`req.controlFarEnd`) or answers 404.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { FarEnd } from '../network/far-end.js';
import type { Switchboard } from '../network/switchboard.js';
import { FarEndAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { notFound } from './phone-lookup.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The far end of a far-end route with an `:id` parameter (set before the handler). */
    controlFarEnd: FarEnd;
  }
}

const IdParams = Type.Object({ id: Type.String({ description: 'the far end, e.g. fe-1' }) });
const ACTIONS = ['answer', 'reject', 'hold', 'resume', 'hangup'] as const;
type Action = (typeof ACTIONS)[number];

const action = (name: Action, summary: string) =>
  ({
    method: 'POST',
    url: `/far-ends/:id/${name}`,
    summary,
    params: IdParams,
    response: { 200: FarEndAnswer, ...refusals(400, 404, 409) },
  }) as const satisfies RouteSpec;

export const farEndSpecs = {
  list: { method: 'GET', url: '/far-ends', summary: 'the far ends of calls now', response: { 200: Type.Array(FarEndAnswer) } },
  answer: action('answer', 'the far end answers a call the phone placed'),
  reject: action('reject', 'the far end rejects a call the phone placed'),
  hold: action('hold', 'the far end holds the call'),
  resume: action('resume', 'the far end resumes the call'),
  hangup: action('hangup', 'the far end hangs up'),
  dtmf: {
    method: 'POST',
    url: '/far-ends/:id/dtmf',
    summary: 'the far end sends DTMF',
    params: IdParams,
    body: Type.Object({ digits: Type.String({ pattern: '^[0-9*#A-Da-d]+$' }) }, { additionalProperties: false }),
    response: { 200: FarEndAnswer, ...refusals(400, 404, 409) },
  },
} as const satisfies Record<string, RouteSpec>;

export function describeFarEnd(f: FarEnd): Static<typeof FarEndAnswer> {
  return {
    id: f.id,
    direction: f.direction,
    number: f.party.number,
    name: f.party.name,
    phoneNumber: f.phoneNumber,
    callId: f.callId,
    state: f.state,
    holding: f.holding,
    heldByPhone: f.heldByPhone,
    dtmfReceived: f.dtmfReceived,
  };
}

export function farEndRoutes(switchboard: Switchboard): FastifyPluginAsync {
  return async (app) => {
    app.decorateRequest('controlFarEnd', null as unknown as FarEnd);
    app.addHook('preHandler', (req, reply, done) => {
      const id = (req.params as { id?: string }).id;
      if (id === undefined) return done();
      const farEnd = switchboard.farEnds.get(id);
      if (!farEnd) return void notFound(reply, 'such far end');
      req.controlFarEnd = farEnd;
      done();
    });
    addRoute(app, farEndSpecs.list, async () => [...switchboard.farEnds.values()].map(describeFarEnd));
    for (const name of ACTIONS) {
      addRoute(app, farEndSpecs[name], async (req, reply) => {
        const farEnd = req.controlFarEnd;
        return farEnd[name]() ? describeFarEnd(farEnd) : reply.code(409).send({ error: `cannot ${name} in state ${farEnd.state}` });
      });
    }
    addRoute(app, farEndSpecs.dtmf, async (req, reply) => {
      const farEnd = req.controlFarEnd;
      return farEnd.sendDtmf(req.body.digits.toUpperCase()) ? describeFarEnd(farEnd) : reply.code(409).send({ error: 'not connected' });
    });
  };
}
