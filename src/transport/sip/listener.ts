/**
 * One phone's SIP sockets: UDP and TCP on one port, TLS on its own, following the phone's life like its HTTP
 * listeners. Inbound stream connections are bounded (connection-guard.ts) and framed (stream-framing.ts); every
 * message goes to the receiver (the phone's SIP endpoint, sip-endpoint.ts). The listener is also the user agent's
 * wire (src/sip/wire.ts): UDP goes from its own socket, TCP and TLS over the outbound connections (outbound.ts),
 * which close with it. In address mode the fleet's phones share one TCP and one TLS listening socket
 * (shared-ports.ts): the phone's servers are attached to them for its address while it is up; UDP stays the phone's
 * own socket.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { plainListener, TlsOnFirstConnection } from '../tls.js';
import type { TlsMaterial, TlsSource } from '../tls.js';
import type { Server as TlsServer } from 'node:tls';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Phone } from '../../phone/phone.js';
import { DEFAULT_STREAM_LIMITS, phoneConnections } from '../connection-budget.js';
import type { ConnectionBudget, StreamLimits } from '../connection-budget.js';
import { ConnectionGuard } from '../connection-guard.js';
import { listenError } from '../listen-error.js';
import { feedTo } from '../shared-ports.js';
import type { Feed, SharedPorts } from '../shared-ports.js';
import type { Destination, SipTransportName } from '../../sip/codec/destination.js';
import type { SipOutbound } from './outbound.js';
import type { SipReceiver, Sender } from './receiver.js';
import type { SipTally } from './sip-tally.js';
import { frameStream } from './stream-framing.js';

export interface SipListenerOptions {
  readonly limits?: Partial<StreamLimits>;
  /** The process-wide budget of connections to phones (default: the process's, shared by every phone). */
  readonly budget?: ConnectionBudget;
  /** Told of a failure no message caused (the phone's certificate could not be loaded for TLS). */
  readonly onError?: (err: unknown) => void;
  /** Told when the listener cannot reopen after the phone comes back (a ListenError: the port was taken meanwhile). */
  readonly onReopenError?: (err: unknown) => void;
  /** Counts what the user agent sends (what arrives is counted by the receiver it is given: sip-tally.ts). */
  readonly tally?: SipTally;
  /** Address mode: the fleet's shared listeners, open on the SIP port (TCP) and the SIP-TLS port already. */
  readonly shared?: SharedPorts;
}

/** A name of this host as seen from itself: loopback or a wildcard. */
const isLocalName = (a: string): boolean => a === 'localhost' || a.startsWith('127.') || a === '::1' || a === '0.0.0.0' || a === '::';

export class SipListener {
  port: number;
  /** The SIP-over-TLS port, once it listens. */
  tlsPort: number | undefined;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  /** SIP over TLS: the TLS server is made, with the certificate, on the first connection (tls.ts); this listens for it. */
  private readonly tlsServer: TlsOnFirstConnection<TlsServer> | undefined;
  private tlsListener: Server | undefined;
  /** Bounds inbound TCP and TLS connections together, counted at accept (before the TLS handshake). */
  private readonly guard: ConnectionGuard;
  private readonly limits: StreamLimits;
  /** The address put in Via and Contact (the listen address, or loopback when listening on all). */
  readonly advertised: string;
  private transition: Promise<void> = Promise.resolve();
  private readonly onDown = (): void => {
    this.transition = this.transition.then(() => this.close());
  };
  /** Reopening after a reboot can fail (the port was taken meanwhile): the host is told, never silently. */
  private readonly onUp = (): void => {
    this.transition = this.transition.then(() => this.open()).catch((err: unknown) => this.options.onReopenError?.(err));
  };

  constructor(
    private readonly phone: Phone,
    private readonly address: string,
    port: number,
    private readonly tls: { readonly port: number; readonly material: TlsSource } | undefined,
    private readonly receiver: SipReceiver,
    private readonly outbound: SipOutbound,
    private readonly options: SipListenerOptions = {},
  ) {
    this.port = port;
    this.tlsPort = tls?.port;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    this.guard = new ConnectionGuard(
      { maxConnections: this.limits.perPhone, handshakeMs: this.limits.handshakeMs, idleMs: this.limits.idleMs },
      options.budget ?? phoneConnections,
    );
    this.advertised = address === '0.0.0.0' ? phone.ipv4 || '127.0.0.1' : address === '::' ? phone.ipv6 || '::1' : address;
    this.tlsServer = tls && new TlsOnFirstConnection((material) => this.makeTls(material), tls.material, options.onError);
  }

  // ---- the user agent's wire (src/sip/wire.ts) ----

  /** Sends from the phone's own UDP socket, or over the outbound connection kept for the server; never throws. */
  send(dest: Destination, message: Buffer): void {
    this.options.tally?.note('out', message);
    if (dest.transport === 'UDP') {
      try {
        this.udp?.send(message, dest.port, dest.host, () => undefined);
      } catch {
        // a destination no socket can send to (the parsers refuse such ports; this keeps a timer's send from throwing)
        this.receiver.failed(dest);
      }
      return;
    }
    // no new connections while the listener is closed (the phone is away)
    if (!this.udp) this.receiver.failed(dest);
    else this.outbound.send({ ...dest, transport: dest.transport }, message);
  }

  /** The address and port this phone is reached at over `transport` (its Via sent-by and Contact). */
  local(transport: SipTransportName): { readonly host: string; readonly port: number } {
    return { host: this.advertised, port: transport === 'TLS' ? (this.tlsPort ?? this.port) : this.port };
  }

  /** Whether host:port is this listener (the built-in switchboard's address, not a SIP server). */
  listensOn(host: string, port: number): boolean {
    return port === this.port && (host === this.address || host === this.advertised || (isLocalName(host) && isLocalName(this.address)));
  }

  /** Inbound stream connections open now (TLS ones still in their handshake included). */
  get connectionCount(): number {
    return this.guard.count;
  }

  async start(): Promise<void> {
    await this.open();
    this.phone.on('down', this.onDown);
    this.phone.on('up', this.onUp);
  }

  private makeTls(material: TlsMaterial): TlsServer {
    // TLS 1.2, as the phones' SIP stacks speak it (and as common SIP tools expect: TLS 1.3 session tickets confuse some).
    const server = this.guard.watch(
      createTlsServer({ maxVersion: 'TLSv1.2', ...this.guard.tlsOptions, cert: material.cert, key: material.key }),
      'stream',
    );
    server.on('secureConnection', (s: Socket) => this.onConnection(s, 'TLS'));
    return server;
  }

  private makeTcp(): Server {
    const tcp = this.guard.watch(createServer(), 'stream');
    tcp.on('connection', (s: Socket) => this.onConnection(s));
    return tcp;
  }

  /**
   * Shared ports: the TCP server is made on the phone's first connection (most phones of a large fleet never see
   * one), the TLS server as in port mode; both are fed the connections made to its address.
   */
  private readonly feedTcp: Feed = feedTo(() => (this.tcp ??= this.makeTcp()));
  /** Shared ports: whether the phone's address is attached to the TCP and TLS ones. */
  private attachedTcp = false;
  private attachedTls = false;

  private async openTls(): Promise<void> {
    const tls = this.tlsServer;
    if (!tls) return;
    const shared = this.options.shared;
    if (shared && this.tlsPort) {
      if (!this.attachedTls) shared.attach(this.tlsPort, this.address, tls.feed);
      this.attachedTls = true;
      return;
    }
    if (this.tlsListener) return;
    const listener = plainListener(tls.feed);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', (err: NodeJS.ErrnoException) =>
        reject(listenError(err, `SIP TLS ${this.address}:${this.tlsPort ?? 0}`, this.address)),
      );
      listener.listen(this.tlsPort ?? 0, this.address, () => resolve());
    });
    this.tlsListener = listener;
    this.tlsPort = (listener.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.phone.off('down', this.onDown);
    this.phone.off('up', this.onUp);
    await this.transition;
    await this.close();
  }

  private async open(): Promise<void> {
    await this.openPlain();
    await this.openTls();
    this.receiver.opened({ address: this.address, port: this.port });
  }

  private async openPlain(): Promise<void> {
    if (this.udp) return;
    const family = this.address.includes(':') ? 'udp6' : 'udp4';
    // Port 0: take a free UDP port, then the same number for TCP (trying again if TCP has it taken).
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: family, reuseAddr: false });
      udp.on('message', (msg, rinfo) => this.onDatagram(udp, msg, rinfo));
      udp.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        udp.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, `SIP ${this.address}:${this.port}/udp`, this.address)));
        udp.bind(this.port, this.address, () => resolve());
      });
      const port = udp.address().port;
      const shared = this.options.shared;
      if (shared && this.port) {
        try {
          shared.attach(port, this.address, this.feedTcp);
        } catch (err) {
          udp.close();
          throw err;
        }
        this.attachedTcp = true;
        this.udp = udp;
        return;
      }
      const tcp = this.makeTcp();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, this.address, () => resolve());
        });
      } catch (err) {
        udp.close();
        if (this.port === 0 && attempt < 5 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw listenError(err, `SIP ${this.address}:${port}/tcp`, this.address);
      }
      this.udp = udp;
      this.tcp = tcp;
      this.port = (tcp.address() as AddressInfo).port;
      return;
    }
  }

  private async close(): Promise<void> {
    // What the user agent sent just before (an unregistration, a BYE) leaves first: a send resolves its address on
    // the next tick.
    await new Promise((r) => setImmediate(r));
    const udp = this.udp;
    const tcp = this.tcp;
    const tlsServer = this.tlsServer?.take();
    const tlsListener = this.tlsListener;
    this.udp = undefined;
    this.tcp = undefined;
    this.tlsListener = undefined;
    // Shared ports reset connections to the phone's address from now on, as its own closed listeners would refuse them.
    const shared = this.options.shared;
    if (shared && this.attachedTcp) shared.detach(this.port, this.address, this.feedTcp);
    if (shared && this.attachedTls && this.tlsPort && this.tlsServer) shared.detach(this.tlsPort, this.address, this.tlsServer.feed);
    this.attachedTcp = false;
    this.attachedTls = false;
    // Every inbound connection goes, TLS ones still in their handshake included.
    this.guard.closeAll();
    this.outbound.closeAll();
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
    if (tlsServer) await new Promise<void>((r) => tlsServer.close(() => r()));
    if (tlsListener) await new Promise<void>((r) => tlsListener.close(() => r()));
  }

  private onDatagram(udp: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    const sender: Sender = { transport: 'UDP', send: (buf) => udp.send(buf, rinfo.port, rinfo.address) };
    this.receiver.receive(msg, { datagram: true, sender, address: rinfo.address, port: rinfo.port });
  }

  /** A connection the guard admitted (bounded, closed when idle): messages that do not finish in time close it too. */
  private onConnection(socket: Socket, transport: 'TCP' | 'TLS' = 'TCP'): void {
    if (socket.destroyed) return;
    socket.on('error', () => undefined);
    const sender: Sender = {
      transport,
      send: (buf) => {
        if (!socket.destroyed) socket.write(buf);
      },
    };
    frameStream(
      socket,
      this.limits,
      (raw) =>
        this.receiver.receive(raw, {
          datagram: false,
          sender,
          address: socket.remoteAddress ?? '',
          port: socket.remotePort ?? 0,
        }),
      () => socket.destroy(),
    );
  }
}
