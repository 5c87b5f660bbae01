/**
 * RFC 3261 17.1 client transactions: a request is sent, sent again over UDP (Timer A for INVITE, doubling; Timer
 * E for others, doubling up to T2 and held at T2 once a provisional answer came), and given up after 64 x T1
 * (Timers B and F), or after the configured retries when the line sets reg.N.server.M.retryTimeOut and retryMaxCount
 * as Poly phones do. A non-2xx final answer to an INVITE is acknowledged here, with the transaction's branch;
 * retransmitted final answers get the ACK again for Timer D (32 s over UDP) and are otherwise absorbed.
 * Responses are matched by the top Via's branch and the CSeq method (17.1.3).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { SipResponse } from './codec/message.js';
import { writeSip } from './codec/message.js';
import { hostPort } from './name-addr.js';
import type { Destination, OutRequest, SipWire } from './wire.js';

export interface RetryPolicy {
  /** T1 in ms (500). */
  readonly t1: number;
  /** T2 in ms (4000). */
  readonly t2: number;
  /** Fixed interval and count of retransmissions instead of RFC 3261's doubling (Poly's retryTimeOut/retryMaxCount). */
  readonly fixed?: { readonly intervalMs: number; readonly count: number };
}

export const RFC3261: RetryPolicy = { t1: 500, t2: 4000 };

export interface TransactionHandlers {
  provisional?(res: SipResponse): void;
  final(res: SipResponse): void;
  /** No final answer came in time (or the transport failed: `why` then says how, e.g. a TLS certificate refused). */
  timeout(why?: string): void;
}

interface Pending {
  readonly key: string;
  readonly request: OutRequest;
  readonly via: string;
  readonly dest: Destination;
  readonly wire: Buffer;
  readonly handlers: TransactionHandlers;
  readonly policy: RetryPolicy;
  interval: number;
  sent: number;
  provisional: boolean;
  done: boolean;
  ack?: Buffer;
  retransmit?: TimerHandle;
  giveUp?: TimerHandle;
}

const MAX_PENDING = 20_000;

export class ClientTransactions {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly wire: SipWire,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Sends `request` to `dest` as a new transaction; returns its branch. */
  send(request: OutRequest, dest: Destination, handlers: TransactionHandlers, policy: RetryPolicy = RFC3261): string {
    const branch = `z9hG4bK${randomBytes(10).toString('hex')}`;
    const local = this.wire.local(dest.transport);
    const via = `SIP/2.0/${dest.transport} ${hostPort(local.host, local.port)};branch=${branch};rport`;
    const wire = writeSip(`${request.method} ${request.uri} SIP/2.0`, [['Via', via], ...request.headers], request.body);
    const key = `${branch}|${request.method}`;
    if (this.pending.size >= MAX_PENDING) {
      handlers.timeout();
      return branch;
    }
    const p: Pending = {
      key,
      request,
      via,
      dest,
      wire,
      handlers,
      policy,
      interval: policy.fixed?.intervalMs ?? policy.t1,
      sent: 0,
      provisional: false,
      done: false,
    };
    this.pending.set(key, p);
    this.wire.send(dest, wire);
    const total = policy.fixed ? policy.fixed.intervalMs * (policy.fixed.count + 1) : 64 * policy.t1;
    if (dest.transport === 'UDP') this.scheduleRetransmit(p);
    p.giveUp = this.clock.schedule(total, () => this.expire(p));
    return branch;
  }

  private scheduleRetransmit(p: Pending): void {
    p.retransmit = this.clock.schedule(p.interval, () => {
      if (p.done) return;
      if (p.request.method === 'INVITE' && p.provisional) return; // Timer A stops once the INVITE got an answer
      if (p.policy.fixed && p.sent >= p.policy.fixed.count) return;
      p.sent++;
      this.wire.send(p.dest, p.wire);
      if (!p.policy.fixed) {
        p.interval = p.request.method === 'INVITE' ? p.interval * 2 : Math.min(p.interval * 2, p.policy.t2);
        if (p.request.method !== 'INVITE' && p.provisional) p.interval = p.policy.t2;
      }
      this.scheduleRetransmit(p);
    });
  }

  private expire(p: Pending, why?: string): void {
    p.retransmit?.cancel();
    p.giveUp?.cancel();
    this.pending.delete(p.key);
    if (p.done) return;
    p.done = true;
    p.handlers.timeout(why);
  }

  /** Stops a transaction without an answer (the dialog gave up on it: the phone went down). */
  abandon(branch: string, method: string): void {
    const p = this.pending.get(`${branch}|${method}`);
    if (!p) return;
    p.done = true;
    p.retransmit?.cancel();
    p.giveUp?.cancel();
    this.pending.delete(p.key);
  }

  /** The transport failed for a destination (connection refused, reset, certificate refused): its transactions end as timeouts. */
  transportFailed(dest: Destination, why?: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.done || p.dest.transport !== dest.transport || p.dest.host !== dest.host || p.dest.port !== dest.port) continue;
      this.expire(p, why);
    }
  }

  /** A response: true when it belonged to a transaction of this phone. */
  onResponse(res: SipResponse): boolean {
    const via = res.headers.get('via') ?? '';
    const branch = /;\s*branch=([^;\s,]+)/i.exec(via)?.[1];
    const method = (res.headers.get('cseq') ?? '').trim().split(/\s+/)[1]?.toUpperCase();
    if (!branch || !method) return false;
    const p = this.pending.get(`${branch}|${method}`);
    if (!p) return false;
    if (res.status < 200) {
      if (!p.done) {
        p.provisional = true;
        p.handlers.provisional?.(res);
      }
      return true;
    }
    if (p.done) {
      // a retransmitted final answer: an INVITE's non-2xx gets its ACK again
      if (p.ack) this.wire.send(p.dest, p.ack);
      return true;
    }
    p.done = true;
    p.retransmit?.cancel();
    p.giveUp?.cancel();
    if (p.request.method === 'INVITE' && res.status >= 300) {
      p.ack = this.ackFor(p, res);
      this.wire.send(p.dest, p.ack);
      // Timer D: keep absorbing retransmissions of the final answer over UDP
      const d = p.dest.transport === 'UDP' ? 32_000 : 0;
      this.clock.schedule(d, () => this.pending.delete(p.key));
    } else {
      this.pending.delete(p.key);
    }
    p.handlers.final(res);
    return true;
  }

  /** RFC 3261 17.1.1.3: the ACK of a non-2xx answer, in the INVITE's transaction. */
  private ackFor(p: Pending, res: SipResponse): Buffer {
    const pick = (name: string): string => p.request.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    const cseq = pick('cseq').split(/\s+/)[0];
    const routes = p.request.headers.filter(([k]) => k.toLowerCase() === 'route');
    return writeSip(`ACK ${p.request.uri} SIP/2.0`, [
      ['Via', p.via],
      ['Max-Forwards', '70'],
      ['From', pick('from')],
      ['To', res.headers.get('to') ?? pick('to')],
      ['Call-ID', pick('call-id')],
      ['CSeq', `${cseq} ACK`],
      ...routes,
    ]);
  }

  /** Ends every transaction quietly (the phone is going down). */
  clear(): void {
    for (const p of this.pending.values()) {
      p.done = true;
      p.retransmit?.cancel();
      p.giveUp?.cancel();
    }
    this.pending.clear();
  }
}
