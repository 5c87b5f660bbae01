/**
 * One phone's HTTP and HTTPS listeners. They follow the phone's life: closed (connections refused, open ones cut)
 * while it restarts or reboots, open again on the same ports when it is back. In address mode a fleet's phones
 * share one listening socket per port (shared-ports.ts): the phone's servers then never listen themselves but are
 * attached to the shared port for their address while the phone is up (connections to it reset while it is away).
 */
import { createServer as createHttpServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { ListenError } from '../../errors.js';
import { listenError } from '../listen-error.js';
import { feedTo } from '../shared-ports.js';
import type { Feed, SharedPorts } from '../shared-ports.js';
import type { PhonePipeline } from '../../gate/pipeline.js';
import type { Phone } from '../../phone/phone.js';
import type { Endpoint } from './endpoint.js';
import { tagSocket } from './endpoint.js';
import { plainListener, TlsOnFirstConnection } from '../tls.js';
import type { TlsSource } from '../tls.js';
import { phoneConnections } from '../connection-budget.js';
import type { ConnectionBudget } from '../connection-budget.js';
import { ConnectionGuard, DEFAULT_HTTP_LIMITS, KEEP_ALIVE_MS } from '../connection-guard.js';
import type { GuardLimits } from '../connection-guard.js';

export interface ListenerOptions {
  readonly address: string;
  /** 0 picks a free port on first open; the same port is reused after every restart. */
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Where the certificate comes from: HTTPS listens at once and asks for it on its first connection (tls.ts). */
  readonly tls: TlsSource;
  /** The phone's request pipeline, shared with its SIP listener. */
  readonly pipeline: PhonePipeline;
  /** How long a request may take to arrive in full (headers and body); slower ones are cut with 408. */
  readonly bodyTimeoutMs?: number;
  /** Bounds on the connections of HTTP and HTTPS together (before the TLS handshake included): connection-guard.ts. */
  readonly limits?: Partial<GuardLimits>;
  /** The process-wide budget of connections to phones (default: the process's, shared by every phone). */
  readonly budget?: ConnectionBudget;
  /** Told when the listeners cannot reopen after a restart (e.g. the port was taken meanwhile). */
  readonly onError?: (err: unknown) => void;
  /** Address mode: the fleet's shared listeners, already open on httpPort and httpsPort (absent: listen on our own). */
  readonly shared?: SharedPorts;
}

export { ListenError };

function listen(server: NetServer, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(listenError(err, `${address}:${port}`, address));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, address);
  });
}

/** Closes a server: its own listening socket, or (fed by a shared port) its connection tracking. */
function closeServer(server: Server | HttpsServer, fed: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening && !fed) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A server fed by a shared port: node's http server starts tracking its connections (request and header deadlines,
 * closeAllConnections) when it starts listening, which such a server never does; its 'listening' event starts it.
 */
function fedServer<S extends Server | HttpsServer>(server: S): S {
  server.emit('listening');
  return server;
}

export class PhoneListeners {
  httpPort: number;
  httpsPort: number;
  private http: Server | undefined;
  /** HTTPS: the server is made, with the certificate, on the first connection (tls.ts); this listens for it. */
  private readonly https: TlsOnFirstConnection<HttpsServer>;
  private httpsListener: NetServer | undefined;
  /** Shared ports: whether the phone's address is attached to them (it is up). */
  private attached = false;
  /** Counts and bounds the connections of both listeners, from TCP accept on. */
  readonly guard: ConnectionGuard;
  private readonly endpoints: { http: Endpoint; https: Endpoint };
  private transition: Promise<void> = Promise.resolve();
  private readonly onDown = (): void => {
    this.queue(() => this.close());
  };
  private readonly onUp = (): void => {
    this.queue(() => this.open());
  };

  constructor(
    readonly phone: Phone,
    private readonly handler: RequestListener,
    private readonly options: ListenerOptions,
  ) {
    this.httpPort = options.httpPort;
    this.httpsPort = options.httpsPort;
    this.guard = new ConnectionGuard({ ...DEFAULT_HTTP_LIMITS, ...options.limits }, options.budget ?? phoneConnections);
    this.endpoints = {
      http: { phone, pipeline: options.pipeline, secure: false },
      https: { phone, pipeline: options.pipeline, secure: true },
    };
    this.https = new TlsOnFirstConnection((material) => fedServer(this.makeHttps(material)), options.tls, options.onError);
  }

  get address(): string {
    return this.options.address;
  }

  /** Opens HTTP and HTTPS; follows the phone's down/up events. */
  async start(): Promise<void> {
    await this.open();
    this.phone.on('down', this.onDown);
    this.phone.on('up', this.onUp);
  }

  async stop(): Promise<void> {
    this.phone.off('down', this.onDown);
    this.phone.off('up', this.onUp);
    await this.transition;
    await this.close();
  }

  /** Resolves when pending opens and closes (from phone events) are done. */
  settled(): Promise<void> {
    return this.transition;
  }

  private queue(step: () => Promise<void>): void {
    this.transition = this.transition.then(step).catch((err: unknown) => {
      this.options.onError?.(err);
    });
  }

  private async open(): Promise<void> {
    if (this.options.shared) {
      this.attach(this.options.shared);
      return;
    }
    await this.openHttp();
    await this.openHttps();
  }

  private timeouts(): Record<string, number> {
    const requestTimeout = this.options.bodyTimeoutMs ?? 10_000;
    return {
      keepAliveTimeout: KEEP_ALIVE_MS,
      requestTimeout,
      headersTimeout: requestTimeout,
      // How often node looks for requests past their deadline.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeout / 4))),
    };
  }

  private makeHttp(): Server {
    const http = this.guard.watch(createHttpServer(this.timeouts(), this.handler), 'http');
    http.on('connection', (s: Socket) => tagSocket(s, this.endpoints.http));
    return http;
  }

  private makeHttps(material: { cert: string; key: string }): HttpsServer {
    const https = createHttpsServer({ ...this.timeouts(), ...this.guard.tlsOptions, cert: material.cert, key: material.key }, this.handler);
    this.guard.watch(https, 'http');
    https.on('secureConnection', (s: Socket) => tagSocket(s, this.endpoints.https));
    return https;
  }

  private async openHttp(): Promise<void> {
    if (this.http) return;
    const http = this.makeHttp();
    this.httpPort = await listen(http, this.httpPort, this.options.address);
    this.http = http;
  }

  private async openHttps(): Promise<void> {
    if (this.httpsListener) return;
    const listener = plainListener(this.https.feed);
    this.httpsPort = await listen(listener, this.httpsPort, this.options.address);
    this.httpsListener = listener;
  }

  /**
   * Shared ports: the phone's HTTP server is made on its first connection (most phones of a large fleet never see
   * one: no timers for them), HTTPS's as in port mode; both are fed the connections made to the phone's address.
   */
  private readonly feedHttp: Feed = feedTo(() => (this.http ??= fedServer(this.makeHttp())));

  private attach(shared: SharedPorts): void {
    if (this.attached) return;
    shared.attach(this.httpPort, this.options.address, this.feedHttp);
    try {
      shared.attach(this.httpsPort, this.options.address, this.https.feed);
    } catch (err) {
      shared.detach(this.httpPort, this.options.address, this.feedHttp);
      throw err;
    }
    this.attached = true;
  }

  private async close(): Promise<void> {
    const shared = this.options.shared;
    if (shared && this.attached) {
      // From now on connections to the phone's address are reset, as its own closed listeners would refuse them.
      shared.detach(this.httpPort, this.options.address, this.feedHttp);
      shared.detach(this.httpsPort, this.options.address, this.https.feed);
      this.attached = false;
    }
    const http = this.http;
    const https = this.https.take();
    const listener = this.httpsListener;
    this.http = undefined;
    this.httpsListener = undefined;
    // Every connection goes, TLS ones still in their handshake and idle keep-alive ones included.
    this.guard.closeAll();
    await Promise.all([
      http && closeServer(http, shared !== undefined),
      https && closeServer(https, true),
      listener && new Promise<void>((r) => listener.close(() => r())),
    ]);
    this.options.pipeline.slot.reset();
  }
}
