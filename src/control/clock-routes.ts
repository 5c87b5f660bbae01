/**
 * The fleet's clock (movable-clock.ts): read it, set its speed, move it ahead now. Every phone's timers follow it
 * (provisioning polls, registration refresh, session expiry, no-answer and dial-tone timeouts, scenarios), and so
 * do the times the phones answer (uptime, call durations, call logs, journal and event times).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../phone/clock.js';
import { isSteerable, MAX_ADVANCE_MS, MAX_SPEED } from '../phone/movable-clock.js';
import type { Fleet } from '../runtime/fleet.js';
import { ClockAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';

export const clockSpecs = {
  get: {
    method: 'GET',
    url: '/clock',
    summary: "the fleet clock's time and speed",
    response: { 200: ClockAnswer },
  },
  set: {
    method: 'PUT',
    url: '/clock',
    summary: 'run the fleet clock at a speed (times real time; 0 stops it), from now on',
    body: Type.Object({ speed: Type.Number({ minimum: 0, maximum: MAX_SPEED }) }, { additionalProperties: false }),
    response: { 200: ClockAnswer, ...refusals(400, 409) },
  },
  advance: {
    method: 'POST',
    url: '/clock/advance',
    summary: 'move the fleet clock ahead now: every timer due on the way fires, in order',
    body: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_MS }) }, { additionalProperties: false }),
    response: { 200: ClockAnswer, ...refusals(400, 409) },
  },
} as const satisfies Record<string, RouteSpec>;

function reading(clock: Clock): { now: string; epochMs: number; speed: number } {
  const now = clock.now();
  return { now: new Date(now).toISOString(), epochMs: now, speed: isSteerable(clock) ? clock.speed : 1 };
}

export const clockRoutes =
  (fleet: Fleet): FastifyPluginAsync =>
  async (app) => {
    const clock = fleet.clock;
    addRoute(app, clockSpecs.get, async () => reading(clock));
    addRoute(app, clockSpecs.set, async (req, reply) => {
      if (!isSteerable(clock) || !clock.setSpeed(req.body.speed))
        return reply.code(409).send({ error: "this fleet's clock has no speed of its own (it moves only when advanced)" });
      return reading(clock);
    });
    addRoute(app, clockSpecs.advance, async (req, reply) => {
      if (!isSteerable(clock)) return reply.code(409).send({ error: "this fleet's clock cannot be moved" });
      clock.advance(req.body.ms);
      return reading(clock);
    });
  };
