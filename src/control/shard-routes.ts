/**
 * The shards of a fleet split over processes or pods, from one control port: which there are (this one and its
 * peers, peers.ts), and each peer's control API through this one, `/shards/{shard}/...` (so that the dashboard, a
 * page of this origin, opens a phone of another shard: its page, its event stream and its actions). Proxied with
 * @fastify/reply-from, streams included: this port's own credentials (the login cookie, a Bearer) stay here and the
 * peers' token is added; only peers this port knows are reached, and never for another site's page.
 */
import replyFrom from '@fastify/reply-from';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, preHandlerHookHandler } from 'fastify';
import { ErrorAnswer, ShardAnswer } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { isCrossSite } from './guard.js';
import { localShardName } from './peers.js';
import type { Peers } from './peers.js';

export const shardSpecs = {
  list: {
    method: 'GET',
    url: '/shards',
    summary: 'this shard and its peers (--peer-control, --peers-dns): the shards of the fleet this control API knows',
    response: { 200: Type.Array(ShardAnswer) },
  },
  proxy: {
    method: 'GET',
    anyMethod: true,
    url: '/shards/:shard/*',
    summary: "a peer shard's control API through this one (any method, event streams too), with the peers' token",
    params: Type.Object({
      shard: Type.String({ description: 'the peer, host:port as GET /shards names it' }),
      '*': Type.String({ description: "the rest of the peer's control API path, e.g. phones/1/events" }),
    }),
    produces: '*/*',
    response: { 200: Type.Unknown({ description: "the peer's answer, unchanged" }), 403: ErrorAnswer, 404: ErrorAnswer, 502: ErrorAnswer },
  },
} as const satisfies Record<string, RouteSpec>;

/** Headers of the browser's request that are this port's business, not the peer's. */
const OWN = ['authorization', 'cookie', 'origin', 'referer', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user'];

const sameSiteOnly: preHandlerHookHandler = (req, reply, done) => {
  if (isCrossSite(req.raw)) void reply.code(403).send({ error: "a request from another site's page is not passed to a shard" });
  else done();
};

export function shardRoutes(peers: Peers | undefined): FastifyPluginAsync {
  return async (app) => {
    // No retries (a 503 of /ready is an answer), no deadline on a body (event streams last).
    await app.register(replyFrom, { disableRequestLogging: true, undici: { bodyTimeout: 0 } });
    // Bodies pass as they come.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    addRoute(app, shardSpecs.list, async (req) => {
      const self = localShardName(req.raw);
      const host = req.headers.host ?? self;
      const others = peers ? await peers.list(self) : [];
      return [{ name: self, url: `http://${host}`, local: true }, ...others.map((s) => ({ ...s, local: false }))];
    });
    addRoute(
      app,
      shardSpecs.proxy,
      async (req, reply) => {
        const shard = peers ? await peers.find(localShardName(req.raw), req.params.shard) : undefined;
        if (!shard) return reply.code(404).send({ error: `no peer shard ${req.params.shard}` });
        const raw = req.raw.url ?? '';
        const query = raw.includes('?') ? raw.slice(raw.indexOf('?')) : '';
        const token = peers?.token;
        return reply.from(`${shard.url}/${req.params['*']}${query}`, {
          rewriteRequestHeaders: (_req, headers) => {
            const out = { ...headers };
            for (const h of OWN) delete out[h];
            return token ? { ...out, authorization: `Bearer ${token}` } : out;
          },
          retryDelay: () => null,
          // The peer refusing this port's token is this port's trouble, not the browser's login here.
          onResponse: (_req, r, res) => {
            if (res.statusCode !== 401) return void r.send(res.stream);
            res.stream.destroy();
            r.removeHeader('www-authenticate').removeHeader('content-length');
            void r.code(502).send({ error: `shard ${shard.name} refused this port's token: give the shards one --control-token` });
          },
          onError: (r, { error }) => void r.code(502).send({ error: `shard ${shard.name} did not answer: ${error.message}` }),
        });
      },
      sameSiteOnly,
    );
  };
}
