/**
 * The documents phones post (telephony events, polled state): how many each phone delivered, had fail, dropped, and
 * has waiting; and the same summed over the fleet. Each document's fate is also in the phone's journal and on the
 * event stream (`request` with direction `out`).
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';
import { PostsAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const postSpecs = {
  fleet: {
    method: 'GET',
    url: '/posts',
    summary: "every phone's posted documents summed: delivered, failed, dropped, waiting",
    response: { 200: PostsAnswer },
  },
  phone: {
    method: 'GET',
    url: '/phones/:index/posts',
    summary: 'its posted documents (telephony events, polled state): delivered, failed, dropped, waiting',
    params: IndexParams,
    response: { 200: PostsAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

type Posts = Static<typeof PostsAnswer>;

export function describePosts(r: RunningPhone): Posts {
  const { delivered, failed, dropped } = r.posts.counts;
  return { delivered, failed, dropped, waiting: r.posts.length };
}

export function postRoutes(fleet: Fleet): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, postSpecs.fleet, async () => {
      const sum: Posts = { delivered: 0, failed: 0, dropped: 0, waiting: 0 };
      for (const r of fleet.phones) {
        const p = describePosts(r);
        sum.delivered += p.delivered;
        sum.failed += p.failed;
        sum.dropped += p.dropped;
        sum.waiting += p.waiting;
      }
      return sum;
    });
    addRoute(app, postSpecs.phone, async (req) => describePosts(req.controlPhone));
  };
}
