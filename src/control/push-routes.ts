/**
 * The push messages on a phone's screen (pushed through the phone's /push, push-board.ts): the one shown and those
 * waiting, and the Back softkey's dismissal of the one shown, for tests that do not drive the keys.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { PushBoard, PushMessage } from '../phone/screen/push-board.js';
import type { PushMessageAnswer } from './answers.js';
import { PushAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const pushSpecs = {
  list: {
    method: 'GET',
    url: '/phones/:index/push',
    summary: 'the push message shown on the screen, those waiting, and how many were dropped',
    params: IndexParams,
    response: { 200: PushAnswer, ...refusals(400, 404) },
  },
  dismiss: {
    method: 'POST',
    url: '/phones/:index/push/dismiss',
    summary: 'close the message shown, as the Back softkey does (the next waiting one may show); answers the messages after',
    params: IndexParams,
    response: { 200: PushAnswer, ...refusals(400, 404, 409) },
  },
} as const satisfies Record<string, RouteSpec>;

function message(m: PushMessage): Static<typeof PushMessageAnswer> {
  return { id: m.id, priority: m.priority, text: m.text, ...(m.url ? { url: m.url } : {}), at: new Date(m.at).toISOString() };
}

export function describePush(board: PushBoard): Static<typeof PushAnswer> {
  return {
    ...(board.shown ? { shown: message(board.shown) } : {}),
    queued: board.queued.map(message),
    dropped: board.dropped,
  };
}

export const pushRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, pushSpecs.list, async (req) => describePush(req.controlPhone.phone.screen.push));
  addRoute(app, pushSpecs.dismiss, async (req, reply) => {
    const board = req.controlPhone.phone.screen.push;
    if (!board.shown) return reply.code(409).send({ error: 'no push message is shown' });
    board.dismiss();
    return describePush(board);
  });
};
