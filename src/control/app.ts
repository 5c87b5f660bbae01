/**
 * polysim's own control API, apart from the Poly API (its own port): list phones, make calls arrive, drive far
 * ends, set far-end scripts, read each phone's request journal, tune a phone's request latency, stream events, serve
 * metrics.
 * This file composes it: the door (guard.ts, login), the phone lookup, and one plugin per resource, each a table
 * of route specs (control-route.ts) with its handlers.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { PhoneError } from '../phone/status.js';
import { EventHub } from '../runtime/events.js';
import type { Fleet } from '../runtime/fleet.js';
import type { GuardLimits } from '../transport/connection-guard.js';
import { clockRoutes } from './clock-routes.js';
import { configRoutes } from './config-routes.js';
import { CONTROL_SERVER_OPTIONS, guardControlServer } from './connections.js';
import { loadDashboard } from './dashboard.js';
import { docsRoutes } from './docs-routes.js';
import { eventRoutes } from './event-routes.js';
import type { StreamLimits } from './event-routes.js';
import { farEndRoutes } from './far-end-routes.js';
import { faultRoutes } from './fault-routes.js';
import { forwardRoutes } from './forward-routes.js';
import { checkControlRequest } from './guard.js';
import type { GuardOptions } from './guard.js';
import { incomingRoutes } from './incoming-routes.js';
import { journalRoutes } from './journal-routes.js';
import { latencyRoutes } from './latency-routes.js';
import { lineRoutes } from './line-routes.js';
import { messageRoutes } from './message-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { directoryRoutes } from './directory-routes.js';
import { ControlLogin } from './login.js';
import { answerLoggedOut, loginRoutes } from './login-routes.js';
import { peripheralRoutes } from './peripheral-routes.js';
import { usePhoneLookup } from './phone-lookup.js';
import { phonesRoutes } from './phones-routes.js';
import { postRoutes } from './post-routes.js';
import { pushRoutes } from './push-routes.js';
import { scriptRoutes } from './script-routes.js';
import { Peers } from './peers.js';
import type { PeerOptions } from './peers.js';
import { shardRoutes } from './shard-routes.js';
import { userRoutes } from './user-routes.js';

export type { StreamLimits } from './event-routes.js';

/** Bodies of the control API's own routes (the proxy has its own bound, forward.ts). */
const BODY_LIMIT = 64 * 1024;

export type ControlApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

export async function createControlApp(
  fleet: Fleet,
  logger: Logger | false,
  guard: GuardOptions = {},
  limits: StreamLimits = {},
  connections: Partial<GuardLimits> = {},
  /** The fleet's other shards (--peer-control, --peers-dns): the dashboard shows their phones too. */
  peers?: PeerOptions,
): Promise<ControlApp> {
  const app = Fastify({ loggerInstance: logger || undefined, bodyLimit: BODY_LIMIT, ...CONTROL_SERVER_OPTIONS }) as unknown as ControlApp;
  guardControlServer(app.server, connections);
  // With a token, a browser logs in (login.ts) and its cookie stands for the token.
  const login = guard.token === undefined ? undefined : (guard.login ?? new ControlLogin(guard.token));
  const door = { ...guard, login };
  app.addHook('onRequest', (req, reply, done) => {
    const refused = checkControlRequest(req.raw, door);
    if (refused) {
      if (refused.status === 401 && login && answerLoggedOut(login, req, reply)) return;
      void reply
        .code(refused.status)
        .headers(refused.headers ?? {})
        .send({ error: refused.error });
      return;
    }
    done();
  });
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _req, reply) => {
    if (err instanceof PhoneError) return reply.code(400).send({ error: err.message });
    if (err.validation || (err.statusCode && err.statusCode < 500)) return reply.code(err.statusCode ?? 400).send({ error: err.message });
    return reply.code(500).send({ error: 'internal error' });
  });

  const root = app as unknown as FastifyInstance;
  usePhoneLookup(root, fleet);
  const dashboard = loadDashboard();
  const switchboard = fleet.switchboard;
  // One event hub for the stream and the metrics (its counts); event times on the fleet clock, as the phones'
  // journals, call times and logs are.
  const hub = new EventHub(fleet, fleet.clock);
  app.addHook('onClose', async () => hub.close());
  await root.register(loginRoutes(login));
  await root.register(docsRoutes(fleet));
  await root.register(dashboard.routes);
  await root.register(phonesRoutes(fleet, dashboard.page));
  const shardPeers = peers ? new Peers(peers) : undefined;
  await root.register(eventRoutes(hub, limits, shardPeers));
  await root.register(shardRoutes(shardPeers));
  await root.register(metricsRoutes(fleet, hub));
  await root.register(forwardRoutes(login));
  await root.register(journalRoutes);
  await root.register(configRoutes);
  await root.register(latencyRoutes);
  await root.register(lineRoutes);
  await root.register(messageRoutes);
  await root.register(directoryRoutes);
  await root.register(peripheralRoutes);
  await root.register(faultRoutes);
  await root.register(userRoutes);
  await root.register(pushRoutes);
  await root.register(postRoutes(fleet));
  await root.register(incomingRoutes(switchboard));
  await root.register(farEndRoutes(switchboard));
  await root.register(scriptRoutes(switchboard));
  await root.register(clockRoutes(fleet));
  return app;
}
