/**
 * The one phone lookup of the control API: every route whose URL has an `:index` parameter finds its phone before
 * its handler runs (`req.controlPhone`), or is answered the one 404 (`{"error": "no such phone"}`). Route-level
 * preHandlers (the proxy's cross-site check, a browser's page) run before it.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The phone of a control route with an `:index` parameter (set by the lookup before the handler). */
    controlPhone: RunningPhone;
  }
}

/** The answer to a path naming a phone, far end or script that does not exist. */
export const notFound = (reply: FastifyReply, what: string): FastifyReply => reply.code(404).send({ error: `no ${what}` });

const PARAM = ':index';

/** Adds the lookup to every route registered after it on `app` (its plugins included). */
export function usePhoneLookup(app: FastifyInstance, fleet: Fleet): void {
  app.decorateRequest('controlPhone', null as unknown as RunningPhone);
  const lookup: preHandlerHookHandler = (req: FastifyRequest, reply, done) => {
    const phone = fleet.phones[Number((req.params as { index?: unknown }).index) - 1];
    if (!phone) {
      void notFound(reply, 'such phone');
      return;
    }
    req.controlPhone = phone;
    done();
  };
  app.addHook('onRoute', (route) => {
    if (!route.url.includes(PARAM)) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...own, lookup];
  });
}

/** The path parameter of a phone: from 1, in the order of the fleet. */
export const IndexParams = Type.Object({ index: Type.Integer({ minimum: 1, description: 'the phone, from 1 in the order of the fleet' }) });
