/**
 * What the phone's user does at the phone besides calls: lock and unlock it (phone lock), log in and out (user
 * profiles). Each change is the phone's own (Phone.setLocked, logIn, logOut): the screen, the event stream and the
 * telephony events (PhoneLockedEvent, PhoneUnlockedEvent, UserLoginOutEvent) follow.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RunningPhone } from '../runtime/phone-host.js';
import { LockAnswer, NoContent, refusals, UserAnswer } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const userSpecs = {
  lock: {
    method: 'PUT',
    url: '/phones/:index/lock',
    summary: 'lock (true) or unlock (false) the phone, as its user does',
    params: IndexParams,
    body: Type.Object({ locked: Type.Boolean() }, { additionalProperties: false }),
    response: { 200: LockAnswer, ...refusals(400, 404, 409) },
  },
  logIn: {
    method: 'PUT',
    url: '/phones/:index/user',
    summary: 'a user logs in (another logged in is logged out first)',
    params: IndexParams,
    body: Type.Object(
      { user: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'the user ID' }) },
      { additionalProperties: false },
    ),
    response: { 200: UserAnswer, ...refusals(400, 404, 409) },
  },
  logOut: {
    method: 'DELETE',
    url: '/phones/:index/user',
    summary: 'the user logs out',
    params: IndexParams,
    response: { 204: NoContent, ...refusals(400, 404, 409) },
  },
} as const satisfies Record<string, RouteSpec>;

/** A phone that is down or initialising has no user at its keys: 409. */
function notReady(r: RunningPhone, reply: FastifyReply): FastifyReply | undefined {
  return r.phone.isReady
    ? undefined
    : reply.code(409).send({ error: `the phone is ${r.phone.state === 'down' ? 'restarting' : 'starting'}` });
}

export const userRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, userSpecs.lock, async (req, reply) => {
    const refused = notReady(req.controlPhone, reply);
    if (refused) return refused;
    req.controlPhone.phone.setLocked(req.body.locked);
    return { locked: req.controlPhone.phone.locked };
  });
  addRoute(app, userSpecs.logIn, async (req, reply) => {
    const refused = notReady(req.controlPhone, reply);
    if (refused) return refused;
    req.controlPhone.phone.logIn(req.body.user);
    return { user: req.body.user };
  });
  addRoute(app, userSpecs.logOut, async (req, reply) => {
    const refused = notReady(req.controlPhone, reply);
    if (refused) return refused;
    const phone = req.controlPhone.phone;
    if (phone.user === undefined) return reply.code(409).send({ error: 'no user is logged in' });
    phone.logOut();
    return reply.code(204).send();
  });
};
