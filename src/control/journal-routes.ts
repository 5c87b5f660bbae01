/** A phone's journal: its last requests (HTTP, HTTPS, SIP NOTIFY) with their answers. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { JournalEntryAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const journalSpecs = {
  last: {
    method: 'GET',
    url: '/phones/:index/journal',
    summary: 'its last requests (HTTP, HTTPS, SIP NOTIFY) with their answers',
    params: IndexParams,
    querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'how many (default 50)' })) }),
    response: { 200: Type.Array(JournalEntryAnswer), ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const journalRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, journalSpecs.last, async (req) => req.controlPhone.journal.last(req.query.limit ?? 50));
};
