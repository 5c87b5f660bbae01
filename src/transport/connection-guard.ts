/**
 * The one way every listener of the process (a phone's HTTP, HTTPS, SIP TCP and SIP TLS, the control API) is
 * guarded against descriptor exhaustion. A connection is counted when TCP accepts it (the server's 'connection'
 * event, before any TLS handshake), against a cap for the listeners of one guard and against the process's budget;
 * past either it is closed at once. A TLS connection has `handshakeMs` to finish its handshake; a connection that
 * stays silent past `idleMs` is closed. On shutdown `closeAll()` destroys every connection, half-open ones included.
 */
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { TLS_GROUPS } from '../tls-groups.js';
import type { ConnectionBudget } from './connection-budget.js';

/** Marks a connection whose idle timer gave way to node's HTTP deadlines (its first request came). */
const TIMED_BY_NODE = Symbol('polysim.timedByNode');

export interface GuardLimits {
  /** Connections the listeners of one guard hold at once (a phone's HTTP and HTTPS together, say). */
  readonly maxConnections: number;
  /** A TLS connection whose handshake is not done within this is closed (node's own default is 120 s). */
  readonly handshakeMs: number;
  /**
   * Silence: a stream connection (SIP) with nothing sent or received for this long is closed; an HTTP connection
   * must bring its first request within this (between requests node's keepAliveTimeout bounds it, and a request's
   * arrival its headersTimeout and requestTimeout).
   */
  readonly idleMs: number;
}

/**
 * How long an idle keep-alive HTTP connection is kept: 5.9 s, while node's header says `Keep-Alive: timeout=5` (it
 * writes whole seconds). A client that reuses a connection just inside the 5 s it was told must not meet the close
 * on the way (the slack node 24 adds as keepAliveTimeoutBuffer); undici's own timers run up to a second late.
 */
export const KEEP_ALIVE_MS = 5900;

/** What the listeners speak: framed messages of our own ('stream', SIP), or HTTP served by node's http server. */
export type GuardedProtocol = 'stream' | 'http';

export class ConnectionGuard {
  readonly limits: GuardLimits;
  private readonly sockets = new Set<Socket>();

  /** `budget`: the process's, shared with every other guard given it (absent: only this guard's cap applies). */
  constructor(
    limits: GuardLimits,
    private readonly budget?: ConnectionBudget,
  ) {
    this.limits = limits;
  }

  /** Options a guarded TLS server must be created with (node reads them only then). */
  get tlsOptions(): { handshakeTimeout: number; ecdhCurve: string } {
    return { handshakeTimeout: this.limits.handshakeMs, ecdhCurve: TLS_GROUPS };
  }

  /** Connections held now (TLS ones before their handshake included). */
  get count(): number {
    return this.sockets.size;
  }

  /**
   * Guards a server: call before it listens, and before adding a 'connection' listener of one's own (which then
   * sees only admitted connections: a refused socket is destroyed).
   */
  watch<S extends Server>(server: S, protocol: GuardedProtocol): S {
    const tls = server instanceof TlsServer;
    server.on('connection', (socket: Socket) => this.admit(socket, !tls));
    if (tls) {
      // A failed or timed-out handshake: node reports it but leaves a plain TLS server's socket open.
      server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
      server.on('secureConnection', (socket: TLSSocket) => this.idle(socket));
    }
    if (protocol === 'http') {
      // From the first request on, node's own HTTP deadlines apply (a response may take as long as it takes). Once
      // per connection: clearing a socket's timer on every request of a keep-alive connection costs a poller's
      // every answer a timer operation.
      server.on('request', (req: IncomingMessage) => {
        const socket = req.socket as Socket & { [TIMED_BY_NODE]?: true };
        if (socket[TIMED_BY_NODE]) return;
        socket[TIMED_BY_NODE] = true;
        socket.setTimeout(0);
      });
    }
    return server;
  }

  /** Destroys every connection (shutdown, or the phone going away). */
  closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private admit(socket: Socket, plain: boolean): void {
    socket.on('error', () => undefined);
    if (this.sockets.size >= this.limits.maxConnections || (this.budget && !this.budget.take())) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.budget?.give();
    });
    // TLS connections are timed by their handshake until it is done, then by idle() on the TLS socket.
    if (plain) this.idle(socket);
  }

  private idle(socket: Socket): void {
    if (!socket.destroyed) socket.setTimeout(this.limits.idleMs, () => socket.destroy());
  }
}

/** A phone's HTTP and HTTPS listeners together. */
export const DEFAULT_HTTP_LIMITS: GuardLimits = { maxConnections: 64, handshakeMs: 10_000, idleMs: 30_000 };

/** The control API (dashboards hold an event stream each, at most 64 of them: events.ts). */
export const DEFAULT_CONTROL_LIMITS: GuardLimits = { maxConnections: 256, handshakeMs: 10_000, idleMs: 30_000 };
