/**
 * The dashboard (ui/, built into dist/ui by npm run build): its files under /ui/, its page at / and, for a browser
 * (Accept: text/html), at /phones/{i} (phones-routes.ts); other clients of /phones/{i} get JSON.
 */
import fastifyStatic from '@fastify/static';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export interface Dashboard {
  /** Answers the dashboard's page (503 when it is not built). */
  readonly page: (reply: FastifyReply) => FastifyReply;
  /** Serves its files and its page at /. */
  readonly routes: FastifyPluginAsync;
}

export function loadDashboard(): Dashboard {
  const uiRoot = fileURLToPath(new URL('../../dist/ui/', import.meta.url));
  const indexHtml = existsSync(join(uiRoot, 'index.html')) ? readFileSync(join(uiRoot, 'index.html')) : undefined;
  const page = (reply: FastifyReply): FastifyReply =>
    indexHtml
      ? reply.type('text/html; charset=utf-8').send(indexHtml)
      : reply.code(503).type('text/plain').send('The dashboard is not built: run npm run build.\n');
  return {
    page,
    routes: async (scope) => {
      if (indexHtml) await scope.register(fastifyStatic, { root: uiRoot, prefix: '/ui/', index: false, decorateReply: false });
      scope.get('/', async (_req, reply) => page(reply));
    },
  };
}
