/**
 * The control API's connections, bounded as a phone's listeners are (src/transport/connection-guard.ts): a cap of
 * its own (not the phones' budget, so that a flood of the phones' ports does not lock the operator out), a deadline
 * for the first request, node's deadlines between and during requests; and on close every connection goes at once,
 * event streams and silent or idle ones included (Fastify's forceCloseConnections).
 */
import type { Server } from 'node:http';
import { ConnectionGuard, DEFAULT_CONTROL_LIMITS, KEEP_ALIVE_MS } from '../transport/connection-guard.js';
import type { GuardLimits } from '../transport/connection-guard.js';

/** Fastify's options for the control API's server. */
export const CONTROL_SERVER_OPTIONS = {
  /** Close destroys every connection (an event stream never ends by itself). */
  forceCloseConnections: true,
  /** An idle keep-alive connection is closed after this (Fastify's default is 72 s). */
  keepAliveTimeout: KEEP_ALIVE_MS,
  /** A request must arrive in full within this (node's default is 300 s). */
  requestTimeout: 10_000,
} as const;

/** Guards the control API's server; `limits` for tests (small deadlines) and large deployments. */
export function guardControlServer(server: Server, limits: Partial<GuardLimits> = {}): ConnectionGuard {
  const guard = new ConnectionGuard({ ...DEFAULT_CONTROL_LIMITS, ...limits });
  guard.watch(server, 'http');
  return guard;
}
