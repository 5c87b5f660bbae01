/**
 * The OpenAPI document (the Poly API's and the control API's paths) and Swagger UI on it, at /docs (here, not among
 * the Poly API's paths). Served with the running phones as its servers: "Try it out" goes to /phones/{i}/api/...,
 * forwarded (and signed) by the proxy. A bar at its top leads back to the dashboard.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { servedDocument } from './openapi.js';
import type { Fleet } from '../runtime/fleet.js';
import { VERSION } from '../version.js';

/** Servers listed in the document (one per phone, up to this many). */
const MAX_SERVERS = 500;

/** A bar above Swagger UI with the way back to the dashboard (its pages link here). */
const BACK_TO_DASHBOARD = `(() => {
  const nav = document.createElement('nav');
  nav.className = 'polysim-nav';
  nav.setAttribute('aria-label', 'polysim');
  const home = document.createElement('a');
  home.href = '/';
  home.textContent = '← polysim dashboard';
  nav.append(home);
  document.body.prepend(nav);
})();
`;
const NAV_CSS = `.polysim-nav { padding: .5rem 1.25rem; background: #1d2330; font: 14px system-ui, sans-serif; }
.polysim-nav a { color: #9cc3ff; }
`;

export function docsRoutes(fleet: Fleet): FastifyPluginAsync {
  return async (app) => {
    const document = {
      ...servedDocument(VERSION),
      servers: fleet.phones.slice(0, MAX_SERVERS).map((r, i) => ({
        url: `/phones/${i + 1}`,
        description: `phone ${i + 1}: ${r.phone.profile.model.name} (${r.phone.profile.firmware}), line 1 ${r.phone.lines.exists(1) ? r.phone.lines.get(1).address : ''}`,
      })),
    };
    await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
    await app.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      theme: {
        title: 'polysim API explorer',
        js: [{ filename: 'dashboard-link.js', content: BACK_TO_DASHBOARD }],
        css: [{ filename: 'dashboard-link.css', content: NAV_CSS }],
      },
    });
    app.get('/docs/openapi.json', async () => document);
  };
}
