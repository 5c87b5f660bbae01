/**
 * Address mode's TCP listeners: every phone of a fleet on its own address and the same ports, so one listening socket
 * per port, on the wildcard address, serves them all (a fleet of 10,000 phones holds four listening sockets for
 * HTTP, HTTPS, SIP over TCP and SIP over TLS instead of 40,000). An accepted connection goes to the phone whose
 * address it was made to (the socket's local address): its own server (an http, https, net or tls Server that never
 * listens itself, made on the phone's first connection) receives it as its 'connection' event, so the phone's guard,
 * TLS context, timeouts and handlers are the same as in port mode. A connection to an address no phone holds, or to a phone that is away (restarting,
 * rebooting, stopped: it detaches its servers as its own listeners would close), is reset at once: as close to a
 * refused connection as a listener that has already accepted can come (the client sees ECONNRESET, not
 * ECONNREFUSED). UDP cannot be shared this way (node's dgram does not tell the address a datagram was sent to), so
 * SIP over UDP keeps one socket per phone.
 *
 * The wildcard listener holds its port on every address of the machine: a port another program holds on any address
 * cannot be shared, and while the fleet runs no other program can listen on that port anywhere.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { ListenError } from '../errors.js';
import { listenError } from './listen-error.js';

/** Takes a connection made to a phone's address (hands it to the phone's server as its 'connection' event). */
export type Feed = (socket: Socket) => void;

/** The feed of a server that never listens itself: `server()` gives it (made when first needed). */
export function feedTo(server: () => Server): Feed {
  return (socket) => server().emit('connection', socket);
}

export interface SharedPortOptions {
  /** HTTP wants half-open connections (node's http.Server is made with allowHalfOpen); the rest do not. */
  readonly allowHalfOpen?: boolean;
  /** What the port serves, for messages ("HTTP", "SIP TLS"). */
  readonly what: string;
}

interface SharedPort {
  readonly server: Server;
  readonly what: string;
  /** By phone address: what takes the connections made to it. */
  readonly routes: Map<string, Feed>;
  /** Connections accepted and not yet closed (destroyed on close, whoever holds them). */
  readonly sockets: Set<Socket>;
}

export class SharedPorts {
  private readonly ports = new Map<number, SharedPort>();
  /** Connections reset because no phone was at their address (absent or away). */
  resets = 0;

  /** `host`: the wildcard address the listeners bind (IPv4: address mode's ranges are IPv4). */
  constructor(private readonly host = '0.0.0.0') {}

  /** Listening sockets held (one per port). */
  get listening(): number {
    return this.ports.size;
  }

  /** The ports held, with what each serves. */
  get held(): ReadonlyMap<number, string> {
    return new Map([...this.ports].map(([port, p]) => [port, p.what]));
  }

  has(port: number): boolean {
    return this.ports.has(port);
  }

  /**
   * Listens on `port` for every address (0: a free port), unless it does already; resolves to the port. A port held
   * on any address already fails as a port in use (listen-error.ts), out of descriptors as DescriptorError.
   */
  async open(port: number, options: SharedPortOptions): Promise<number> {
    if (port !== 0 && this.ports.has(port)) return port;
    const server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false, noDelay: true });
    const shared: SharedPort = { server, what: options.what, routes: new Map(), sockets: new Set() };
    server.on('connection', (socket: Socket) => this.dispatch(socket, shared));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new ListenError(
                `port in use: ${options.what} port ${port} is held on some address of this machine, and address mode listens on ${this.host}:${port} for every phone (free it, choose another port, or --per-phone-listeners)`,
                { cause: err },
              )
            : listenError(err, `${this.host}:${port} (${options.what} of every phone)`, this.host),
        ),
      );
      server.listen(port, this.host, () => resolve());
    });
    // Accept errors other than running out of descriptors (which libuv handles by dropping the connection) are
    // per connection: nothing to stop for.
    server.on('error', () => undefined);
    const bound = (server.address() as AddressInfo).port;
    this.ports.set(bound, shared);
    return bound;
  }

  /** Connections to `address`:`port` go to `feed` from now on. The port must be open; one feed per address. */
  attach(port: number, address: string, feed: Feed): void {
    const p = this.ports.get(port);
    if (!p) throw new Error(`no shared listener on port ${port}`);
    if (p.routes.has(address)) throw listenError(Object.assign(new Error('taken'), { code: 'EADDRINUSE' }), `${address}:${port}`, address);
    p.routes.set(address, feed);
  }

  /** Connections to `address`:`port` are reset from now on (if `feed` still is the one attached). */
  detach(port: number, address: string, feed: Feed): void {
    const p = this.ports.get(port);
    if (p?.routes.get(address) === feed) p.routes.delete(address);
  }

  /** Closes every shared listener (after the phones have detached and closed their connections). */
  async close(): Promise<void> {
    const ports = [...this.ports.values()];
    this.ports.clear();
    await Promise.all(
      ports.map(
        (p) =>
          new Promise<void>((r) => {
            p.server.close(() => r());
            for (const s of p.sockets) s.destroy();
          }),
      ),
    );
  }

  private dispatch(socket: Socket, port: SharedPort): void {
    const feed = port.routes.get(socket.localAddress ?? '');
    if (!feed) {
      this.resets++;
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    port.sockets.add(socket);
    socket.once('close', () => port.sockets.delete(socket));
    feed(socket);
  }
}
