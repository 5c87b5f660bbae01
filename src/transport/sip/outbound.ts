/**
 * The stream connections (TCP, TLS) a phone opens to its SIP servers: one kept per server, at most MAX_OUTBOUND,
 * each given CONNECT_MS to open. What the server sends back on them goes to the same receiver as what arrives at
 * the listener; a connection that fails or closes is reported there, so that its transactions end (with the reason
 * when a TLS server's certificate was refused: tls-trust.ts says what is checked).
 */
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Destination } from '../../sip/codec/destination.js';
import { DEFAULT_STREAM_LIMITS } from '../connection-budget.js';
import type { SipReceiver, Sender } from './receiver.js';
import { frameStream } from './stream-framing.js';
import type { FramingLimits } from './stream-framing.js';
import { certificateFailure, trustOptions } from './tls-trust.js';
import type { SipTlsTrust } from './tls-trust.js';

/** How long an outbound TCP or TLS connection may take to open. */
export const CONNECT_MS = 10_000;

/** Outbound stream connections a phone keeps to its servers, at most this many. */
export const MAX_OUTBOUND = 16;

export class SipOutbound {
  private readonly open = new Map<string, Socket>();
  private readonly limits: FramingLimits;

  constructor(
    private readonly receiver: SipReceiver,
    limits: Partial<FramingLimits> = {},
    /** How TLS servers' certificates are checked, read at each new connection (the phone's configuration). */
    private readonly trust: () => SipTlsTrust = () => ({ ca: undefined, strictName: false }),
  ) {
    this.limits = {
      maxMessageBytes: limits.maxMessageBytes ?? DEFAULT_STREAM_LIMITS.maxMessageBytes,
      messageMs: limits.messageMs ?? DEFAULT_STREAM_LIMITS.messageMs,
    };
  }

  /** Sends over the connection kept for dest, opening it when there is none; a failure is reported, never thrown. */
  send(dest: Destination & { readonly transport: 'TCP' | 'TLS' }, message: Buffer): void {
    if (!Number.isInteger(dest.port) || dest.port < 1 || dest.port > 65535) {
      this.receiver.failed(dest);
      return;
    }
    const key = `${dest.transport}|${dest.host}|${dest.port}`;
    const kept = this.open.get(key);
    if (kept && !kept.destroyed) {
      kept.write(message);
      return;
    }
    if (this.open.size >= MAX_OUTBOUND) {
      this.receiver.failed(dest);
      return;
    }
    let socket: Socket;
    try {
      socket =
        dest.transport === 'TLS'
          ? connectTls({
              host: dest.host,
              port: dest.port,
              maxVersion: 'TLSv1.2',
              ...trustOptions(this.trust(), dest.host, dest.serverName),
            })
          : connectTcp({ host: dest.host, port: dest.port });
    } catch {
      this.receiver.failed(dest);
      return;
    }
    let why: string | undefined;
    socket.setNoDelay?.(true);
    // a server that never completes the connection is given up after CONNECT_MS (what was written is dropped)
    const deadline = setTimeout(() => socket.destroy(), CONNECT_MS);
    socket.once(dest.transport === 'TLS' ? 'secureConnect' : 'connect', () => clearTimeout(deadline));
    socket.once('close', () => clearTimeout(deadline));
    this.open.set(key, socket);
    socket.write(message);
    socket.on('error', (err) => {
      why ??= dest.transport === 'TLS' ? certificateFailure(err, dest.serverName ?? dest.host) : undefined;
    });
    socket.on('close', () => {
      if (this.open.get(key) === socket) this.open.delete(key);
      this.receiver.failed(dest, why);
    });
    const sender: Sender = {
      transport: dest.transport,
      send: (buf) => {
        if (!socket.destroyed) socket.write(buf);
      },
    };
    frameStream(socket, this.limits, (raw) =>
      this.receiver.receive(raw, {
        datagram: false,
        sender,
        address: socket.remoteAddress ?? '',
        port: socket.remotePort ?? 0,
      }),
    );
  }

  /** Connections open now. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every connection (the listener closes: the phone left the network). */
  closeAll(): void {
    for (const s of this.open.values()) s.end();
    this.open.clear();
  }
}
