/** The phones: every phone, one phone (or the dashboard's page for a browser), and whether all are ready. */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, preHandlerHookHandler } from 'fastify';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';
import { PhoneAnswer, ReadyAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { wantsPage } from './login-routes.js';
import { IndexParams } from './phone-lookup.js';

export const phoneSpecs = {
  ready: {
    method: 'GET',
    url: '/ready',
    summary: '200 once every phone is ready (initialised), 503 while any is not',
    response: { 200: ReadyAnswer, 503: ReadyAnswer },
  },
  list: {
    method: 'GET',
    url: '/phones',
    summary: 'every phone: index, model, firmware, dialect, mac, serial, number, state, URLs, calls',
    response: { 200: Type.Array(PhoneAnswer) },
  },
  one: {
    method: 'GET',
    url: '/phones/:index',
    summary: 'one phone (a browser asking for text/html gets the dashboard)',
    params: IndexParams,
    response: { 200: PhoneAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

/** Up, and every line with an address registered (to the switchboard or a real SIP server). */
function isRegistered(r: RunningPhone): boolean {
  return r.phone.isUp && r.phone.lines.assigned().every((l) => l.registered);
}

export function describePhone(r: RunningPhone, index: number): Static<typeof PhoneAnswer> {
  const p = r.phone;
  return {
    index,
    model: p.profile.model.name,
    firmware: p.profile.firmware,
    dialect: p.dialectMode,
    mac: p.identity.mac,
    serial: p.identity.serial,
    number: p.lines.get(1).address.split('@')[0] ?? '',
    state: p.state,
    registered: isRegistered(r),
    httpUrl: r.httpUrl,
    httpsUrl: r.httpsUrl,
    family: p.profile.family.id,
    keys: [...p.profile.keys],
    screen: { ...p.profile.model.screen },
    lineKeys: p.profile.model.lines,
    latencyMs: r.pipeline.latencyMs,
    // A listener that did not reopen after the last reboot: its catalogue code (src/errors.ts) and why.
    ...(r.listenError() ? { listenError: r.listenError() } : {}),
    calls: p.calls.all().map((c) => ({
      handle: c.handle,
      callId: c.callId,
      line: c.line,
      direction: c.direction,
      state: c.stateLabel,
      remoteNumber: c.remote.number,
      remoteName: c.remote.name,
      dtmfReceived: c.dtmfReceived,
    })),
    locked: p.locked,
    ...(p.user === undefined ? {} : { user: p.user }),
  };
}

export function phonesRoutes(fleet: Fleet, page: (reply: FastifyReply) => FastifyReply): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, phoneSpecs.ready, async (_req, reply) => {
      const notReady = fleet.phones.filter((r) => !r.phone.isReady).length;
      const registered = fleet.phones.filter(isRegistered).length;
      return reply.code(notReady === 0 ? 200 : 503).send({ ready: notReady === 0, phones: fleet.phones.length, notReady, registered });
    });
    addRoute(app, phoneSpecs.list, async () => fleet.phones.map((r, i) => describePhone(r, i + 1)));
    // A browser's navigation gets the dashboard's page, before the lookup (any index).
    const pageForBrowser: preHandlerHookHandler = (req, reply, done) => {
      if (wantsPage(req)) void page(reply);
      else done();
    };
    addRoute(app, phoneSpecs.one, async (req) => describePhone(req.controlPhone, req.params.index), pageForBrowser);
  };
}
