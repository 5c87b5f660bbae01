/**
 * One phone's SIP listener on UDP and TCP (same port), and TLS on its own port, following the phone's life like its HTTP listeners. UDP
 * retransmissions of a request are answered again from the transaction's cached answer and run once. Commands run
 * after their 200 OK has gone; a failed command's report goes back to the sender in an INFO.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { connect as connectTcp, createServer } from 'node:net';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { secureOnFirstConnection } from '../tls.js';
import type { TlsMaterial } from '../tls.js';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { PhonePipeline } from '../../gate/pipeline.js';
import type { Phone } from '../../phone/phone.js';
import { DEFAULT_STREAM_LIMITS, phoneConnections } from '../connection-budget.js';
import type { ConnectionBudget, StreamLimits } from '../connection-budget.js';
import { ConnectionGuard } from '../connection-guard.js';
import { ListenError } from '../../errors.js';
import { parseSip, responseTo, SipParseError, streamMessageLength, transactionKey, writeSip } from './message.js';
import type { SipRequest, SipResponse } from './message.js';
import { handleSipRequest, REQUIRED } from './notify.js';
import type { CommandReport } from './notify.js';
import { TransactionTable } from './transactions.js';
import type { Destination, SipTransportName, SipWire } from '../../sip/wire.js';

/** What the listener hands to the phone's SIP user agent (calls and registrations), when it has one. */
export interface SipAgent {
  onResponse(res: SipResponse): boolean;
  onRequest(req: SipRequest, ctx: { reply: (buf: Buffer) => void; transport: SipTransportName; address: string; port: number }): boolean;
  boundTo(address: string, port: number): boolean;
  /** The listener is open (again): registrations may go out. */
  transportUp(): void;
  /** A connection this phone opened failed: its transactions end. */
  transportFailed(dest: Destination): void;
}

/** How long an outbound TCP or TLS connection may take to open. */
const CONNECT_MS = 10_000;

/** Outbound stream connections a phone keeps to its servers, at most this many. */
const MAX_OUTBOUND = 16;

export interface SipListenerOptions {
  readonly limits?: Partial<StreamLimits>;
  /** The process-wide budget of connections to phones (default: the process's, shared by every phone). */
  readonly budget?: ConnectionBudget;
  /** Told of anything a message handler threw (it is answered 500 and the listener goes on). */
  readonly onError?: (err: unknown) => void;
}

interface Sender {
  readonly transport: 'UDP' | 'TCP' | 'TLS';
  send(buf: Buffer): void;
}

/** A name of this host as seen from itself: loopback or a wildcard. */
const isLocalName = (a: string): boolean => a === 'localhost' || a.startsWith('127.') || a === '::1' || a === '0.0.0.0' || a === '::';

export class SipListener {
  port: number;
  /** The SIP-over-TLS port, once it listens. */
  tlsPort: number | undefined;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private tlsServer: Server | undefined;
  private tlsMaterial: TlsMaterial | undefined;
  /** Bounds inbound TCP and TLS connections together, counted at accept (before the TLS handshake). */
  private readonly guard: ConnectionGuard;
  private readonly transactions = new TransactionTable<Buffer | undefined>();
  private readonly limits: StreamLimits;
  private readonly toTag = randomBytes(6).toString('hex');
  /** The phone's SIP user agent, when its lines register to real servers. */
  agent: SipAgent | undefined;
  /** The address put in Via and Contact (the listen address, or loopback when listening on all). */
  readonly advertised: string;
  private readonly outbound = new Map<string, Socket>();
  private infoSeq = 1;
  private transition: Promise<void> = Promise.resolve();
  private readonly onDown = (): void => { this.transition = this.transition.then(() => this.close()); };
  private readonly onUp = (): void => { this.transition = this.transition.then(() => this.open()).catch(() => undefined); };

  constructor(
    private readonly phone: Phone,
    private readonly pipeline: PhonePipeline,
    private readonly address: string,
    port: number,
    private readonly tls?: { readonly port: number; readonly material: Promise<TlsMaterial> },
    private readonly options: SipListenerOptions = {},
  ) {
    this.port = port;
    this.tlsPort = tls?.port;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    this.guard = new ConnectionGuard({ maxConnections: this.limits.perPhone, handshakeMs: this.limits.handshakeMs, idleMs: this.limits.idleMs },
      options.budget ?? phoneConnections);
    this.advertised = address === '0.0.0.0' ? phone.ipv4 || '127.0.0.1' : address === '::' ? phone.ipv6 || '::1' : address;
  }

  /** Sending for the user agent: from the phone's own UDP socket, or over a stream connection kept per server. */
  readonly wire: SipWire = {
    send: (dest, message) => this.sendTo(dest, message),
    local: (transport) => ({ host: this.advertised, port: transport === 'TLS' ? this.tlsPort ?? this.port : this.port }),
    listensOn: (host, port) => port === this.port && (host === this.address || host === this.advertised
      || (isLocalName(host) && isLocalName(this.address))),
  };

  private sendTo(dest: Destination, message: Buffer): void {
    if (dest.transport === 'UDP') {
      try {
        this.udp?.send(message, dest.port, dest.host, () => undefined);
      } catch {
        // a destination no socket can send to (the parsers refuse such ports; this keeps a timer's send from throwing)
        this.agent?.transportFailed(dest);
      }
      return;
    }
    if (!Number.isInteger(dest.port) || dest.port < 1 || dest.port > 65535) {
      this.agent?.transportFailed(dest);
      return;
    }
    const key = `${dest.transport}|${dest.host}|${dest.port}`;
    const open = this.outbound.get(key);
    if (open && !open.destroyed) {
      open.write(message);
      return;
    }
    if (!this.udp || this.outbound.size >= MAX_OUTBOUND) {
      this.agent?.transportFailed(dest);
      return;
    }
    const socket = dest.transport === 'TLS'
      // Servers are often reached by address with certificates of their own CA: verified only when the user says so.
      ? connectTls({ host: dest.host, port: dest.port, rejectUnauthorized: false, maxVersion: 'TLSv1.2', servername: /^[\d.:]+$/.test(dest.host) ? undefined : dest.host })
      : connectTcp({ host: dest.host, port: dest.port });
    socket.setNoDelay?.(true);
    // a server that never completes the connection is given up after CONNECT_MS (what was written is dropped)
    const deadline = setTimeout(() => socket.destroy(), CONNECT_MS);
    socket.once(dest.transport === 'TLS' ? 'secureConnect' : 'connect', () => clearTimeout(deadline));
    socket.once('close', () => clearTimeout(deadline));
    this.outbound.set(key, socket);
    socket.write(message);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.outbound.get(key) === socket) this.outbound.delete(key);
      this.agent?.transportFailed(dest);
    });
    this.readStream(socket, dest.transport, () => undefined);
  }

  /** Inbound stream connections open now (TLS ones still in their handshake included). */
  get connectionCount(): number {
    return this.guard.count;
  }

  /** Resolves when SIP over TLS listens (it waits for the phone's certificate). */
  tlsReady: Promise<void> = Promise.resolve();

  async start(): Promise<void> {
    await this.open();
    if (this.tls) {
      const tls = this.tls;
      const ready = this.transition.then(async () => {
        this.tlsMaterial = await tls.material;
        if (this.udp) await this.openTls();
      });
      this.tlsReady = ready;
      this.transition = ready.catch(() => undefined);
    }
    this.phone.on('down', this.onDown);
    this.phone.on('up', this.onUp);
  }

  private async openTls(): Promise<void> {
    if (this.tlsServer || !this.tlsMaterial || !this.tls) return;
    // TLS 1.2, as the phones' SIP stacks speak it (and as common SIP tools expect: TLS 1.3 session tickets confuse some).
    // The certificate is loaded into a TLS context on the first connection (tls.ts), not for every phone at start.
    const server = this.guard.watch(secureOnFirstConnection(createTlsServer({ maxVersion: 'TLSv1.2', ...this.guard.tlsOptions }), this.tlsMaterial,
      { maxVersion: 'TLSv1.2' }, this.options.onError), 'stream');
    server.on('secureConnection', (s: Socket) => this.onConnection(s, 'TLS'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(err.code === 'EADDRINUSE'
        ? `port in use: SIP TLS ${this.address}:${this.tlsPort}` : `cannot listen for SIP TLS: ${err.message}`)));
      server.listen(this.tlsPort ?? 0, this.address, () => resolve());
    });
    this.tlsServer = server;
    this.tlsPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.phone.off('down', this.onDown);
    this.phone.off('up', this.onUp);
    await this.transition;
    await this.close();
  }

  private async open(): Promise<void> {
    await this.openPlain();
    if (this.tlsMaterial) await this.openTls();
    this.agent?.transportUp();
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
        udp.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(err.code === 'EADDRINUSE'
          ? `port in use: SIP ${this.address}:${this.port}/udp` : `cannot listen for SIP on ${this.address}:${this.port}: ${err.message}`)));
        udp.bind(this.port, this.address, () => resolve());
      });
      const port = udp.address().port;
      const tcp = this.guard.watch(createServer(), 'stream');
      tcp.on('connection', (s: Socket) => this.onConnection(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, this.address, () => resolve());
        });
      } catch (err) {
        udp.close();
        if (this.port === 0 && attempt < 5) continue;
        throw new ListenError(`port in use: SIP ${this.address}:${port}/tcp (${(err as Error).message})`);
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
    const tlsServer = this.tlsServer;
    this.udp = undefined;
    this.tcp = undefined;
    this.tlsServer = undefined;
    // Every inbound connection goes, TLS ones still in their handshake included.
    this.guard.closeAll();
    for (const s of this.outbound.values()) s.end();
    this.outbound.clear();
    this.transactions.clear();
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
    if (tlsServer) await new Promise<void>((r) => tlsServer.close(() => r()));
  }

  private onDatagram(udp: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    const sender: Sender = { transport: 'UDP', send: (buf) => udp.send(buf, rinfo.port, rinfo.address) };
    this.onMessage(msg, true, sender, rinfo.address, `${rinfo.address}:${rinfo.port}`, rinfo.port);
  }

  /** A connection the guard admitted (bounded, closed when idle): messages that do not finish in time close it too. */
  private onConnection(socket: Socket, transport: 'TCP' | 'TLS' = 'TCP'): void {
    if (socket.destroyed) return;
    socket.on('error', () => undefined);
    let partialTimer: NodeJS.Timeout | undefined;
    socket.on('close', () => clearTimeout(partialTimer));
    this.readStream(socket, transport, () => socket.destroy(), (t) => { partialTimer = t; }, () => partialTimer);
  }

  /** Frames a stream into messages by Content-Length; a message too large or too slow closes it. */
  private readStream(socket: Socket, transport: 'TCP' | 'TLS', onAbuse: () => void,
    setTimer: (t: NodeJS.Timeout | undefined) => void = () => undefined, getTimer: () => NodeJS.Timeout | undefined = () => undefined): void {
    let buffer: Buffer = Buffer.alloc(0);
    const sender: Sender = { transport, send: (buf) => { if (!socket.destroyed) socket.write(buf); } };
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        while (buffer.length >= 2 && buffer[0] === 13 && buffer[1] === 10) buffer = buffer.subarray(2);
        const need = streamMessageLength(buffer);
        if ((need === undefined && buffer.length > this.limits.maxMessageBytes) || (need !== undefined && need > this.limits.maxMessageBytes)) {
          socket.destroy();
          return;
        }
        if (need === undefined || buffer.length < need) break;
        const one = buffer.subarray(0, need);
        buffer = buffer.subarray(need);
        this.onMessage(one, false, sender, socket.remoteAddress ?? '', `${socket.remoteAddress}:${socket.remotePort}`, socket.remotePort ?? 0);
      }
      if (buffer.length === 0) {
        clearTimeout(getTimer());
        setTimer(undefined);
      } else {
        buffer = Buffer.from(buffer);
        if (!getTimer()) setTimer(setTimeout(onAbuse, this.limits.messageMs));
      }
    });
  }

  /** Every message goes through here; nothing it throws gets past (answered 500, logged, and the listener goes on). */
  private onMessage(raw: Buffer, datagram: boolean, sender: Sender, address: string, from: string, port: number): void {
    try {
      this.handleMessage(raw, datagram, sender, address, from, port);
    } catch (err) {
      this.options.onError?.(err);
      this.answerMalformed(raw, sender, 'internal error', 500, 'Server Internal Error');
    }
  }

  private handleMessage(raw: Buffer, datagram: boolean, sender: Sender, address: string, from: string, port: number): void {
    if (!this.phone.isUp) return;
    let req: SipRequest;
    try {
      const msg = parseSip(raw, datagram);
      if (msg.kind === 'response') {
        this.agent?.onResponse(msg); // answers to our INFOs need nothing
        return;
      }
      req = msg;
    } catch (err) {
      if (err instanceof SipParseError) this.answerMalformed(raw, sender, err.message);
      return;
    }
    this.phone.noteRequest();
    if (this.agent && REQUIRED.every((h) => req.headers.has(h))
      && this.agent.onRequest(req, { reply: (buf) => sender.send(buf), transport: sender.transport, address, port })) return;
    const key = datagram ? `${from}|${transactionKey(req)}` : undefined;
    const now = Date.now();
    if (key) {
      const seen = this.transactions.get(key, now);
      if (seen !== undefined || this.transactions.has(key)) {
        // A retransmission: the same answer again, and the command does not run twice.
        if (seen) sender.send(seen);
        return;
      }
    }
    const verdict = handleSipRequest(this.phone, this.pipeline, req, address, this.agent?.boundTo(address, port) ?? false);
    const answer = verdict.answer
      ? responseTo(req, verdict.answer.status, verdict.answer.reason, this.toTag, [
        ['Server', `Polycom/${this.phone.profile.firmware}`], ...(verdict.answer.headers ?? [])])
      : undefined;
    if (key) this.transactions.set(key, answer, now);
    if (answer) sender.send(answer);
    if (verdict.command) {
      verdict.command().then((report) => {
        if (report) this.sendReport(req, report, sender);
      }).catch((err: unknown) => this.options.onError?.(err));
    }
  }

  /** A request that cannot be parsed gets 400 when it still names a Via to answer to; anything else is dropped. */
  private answerMalformed(raw: Buffer, sender: Sender, why: string, status = 400, reason = 'Bad Request'): void {
    const text = raw.subarray(0, 8192).toString('utf8');
    if (!/^[A-Za-z0-9.!%*_+`'~-]+ \S+ SIP\/2\.0\r\n/.test(text)) return;
    const header = (name: string): string | undefined => new RegExp(`\\r\\n(?:${name})[ \\t]*:[ \\t]*([^\\r\\n]*)`, 'i').exec(text)?.[1];
    const via = header('via|v');
    if (!via) return;
    sender.send(writeSip(`SIP/2.0 ${status} ${reason}`, [
      ['Via', via], ['From', header('from|f') ?? ''], ['To', header('to|t') ?? ''], ['Call-ID', header('call-id|i') ?? ''],
      ['CSeq', header('cseq') ?? ''], ['Warning', `399 polysim "${why.replaceAll('"', "'")}"`],
    ]));
  }

  /** The report of a failed command, in an INFO to the NOTIFY's sender. */
  private sendReport(notify: SipRequest, report: CommandReport, sender: Sender): void {
    const host = this.address.includes(':') ? `[${this.address}]` : this.address;
    const user = this.phone.lines.get(1).address.split('@')[0] || 'phone';
    const target = /<([^>]+)>/.exec(notify.headers.get('from') ?? '')?.[1] ?? (notify.headers.get('from') ?? '').split(';')[0] ?? '';
    const body = Buffer.from(JSON.stringify(report), 'utf8');
    sender.send(writeSip(`INFO ${target} SIP/2.0`, [
      ['Via', `SIP/2.0/${sender.transport} ${host}:${this.port};branch=z9hG4bK${randomBytes(8).toString('hex')}`],
      ['Max-Forwards', '70'],
      // The NOTIFY's Call-ID and tags, so the sender can match the report to its command.
      ['From', `${notify.headers.get('to') ?? ''}${/;\s*tag=/i.test(notify.headers.get('to') ?? '') ? '' : `;tag=${this.toTag}`}`],
      ['To', notify.headers.get('from') ?? ''],
      ['Call-ID', notify.headers.get('call-id') ?? ''],
      ['CSeq', `${this.infoSeq++} INFO`],
      ['Contact', `<sip:${user}@${host}:${this.port}>`],
      ['Content-Type', 'application/poly-report+json'],
    ], body));
  }
}
