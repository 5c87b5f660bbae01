/**
 * The Poly API of phone i, forwarded unchanged (forward.ts; signed with the phone's admin credentials when the
 * request brings none): the API explorer's "Try it out" and the dashboard reach every phone from this one origin.
 * Bodies pass as bytes (the scope has its own content-type parser).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, preHandlerHookHandler } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { forward, MAX_BODY } from './forward.js';
import { isCrossSite } from './guard.js';
import type { ControlLogin } from './login.js';

export const forwardSpecs = {
  api: {
    method: 'GET',
    anyMethod: true,
    url: '/phones/:index/api/*',
    summary: 'the Poly API of phone i, forwarded unchanged (any method); signed with its admin credentials when the request brings none',
    params: Type.Object({
      index: Type.String({ description: 'the phone, from 1 in the order of the fleet' }),
      '*': Type.String({ description: 'the rest of the Poly API path, e.g. v2/mgmt/device/info' }),
    }),
    produces: '*/*',
    response: { 200: Type.Unknown({ description: "the phone's answer, unchanged" }), ...refusals(403, 404, 502) },
  },
} as const satisfies Record<string, RouteSpec>;

/** Signed with the phone's admin credentials, a GET may change state (new sessions, a reboot): another site's page must not reach it (an <img src> does not preflight). */
const sameSiteOnly: preHandlerHookHandler = (req, reply, done) => {
  if (isCrossSite(req.raw)) void reply.code(403).send({ error: "a request from another site's page is not forwarded to a phone" });
  else done();
};

function withoutBearer(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  if (!/^Bearer\s/i.test(headers.authorization ?? '')) return headers;
  const { authorization: _bearer, ...rest } = headers;
  return rest;
}

export function forwardRoutes(login: ControlLogin | undefined): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body));
    addRoute(
      app,
      forwardSpecs.api,
      async (req, reply) => {
        const url = req.raw.url ?? '';
        const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
        try {
          // The control credentials (the token's Authorization, the login cookie) are never forwarded: the phone gets its own.
          // Without a token here, a Bearer is still a control token (one for shards that have one; phones take none).
          const headers = login ? login.withoutCredentials(req.headers) : withoutBearer(req.headers);
          const answer = await forward(
            req.controlPhone,
            req.method,
            `/api/${req.params['*']}${query}`,
            headers,
            Buffer.isBuffer(req.body) ? req.body : undefined,
          );
          // The phone's answer, whatever its status, as bytes (not one of the route's own answers).
          return (reply as FastifyReply).code(answer.status).headers(answer.headers).send(answer.body);
        } catch (err) {
          return reply.code(502).send({ error: `phone ${req.params.index} did not answer: ${(err as Error).message}` });
        }
      },
      sameSiteOnly,
    );
  };
}
