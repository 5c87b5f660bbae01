/**
 * One line's registration (RFC 3261 10.2): REGISTER to the line's first server, answering digest challenges,
 * refreshing before the granted time runs out (reg.N.server.M.expires.overlap seconds early, or halfway for short
 * registrations), failing over to the next server when one does not answer, retrying with back-off when none
 * will have it (registerRetry.baseTimeOut doubling to maxTimeOut), and unregistering (Expires: 0) when told.
 * A server given by name is looked up first (RFC 3263, server-location.ts): its hops are tried in order (the next
 * SRV target when one does not answer) before the next configured server; a name that does not resolve fails
 * over like a server that does not answer, with the reason the lookup gave.
 * Its state moves only along the table in registration-state.ts (with its diagram).
 */
import { contactMethods, LINE_CAPABILITIES } from './codec/capabilities.js';
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { SipResponse } from './codec/message.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { newTag } from './dialog.js';
import { authorization, pickChallenge } from './digest.js';
import { hostPort, parseNameAddr, quoteName, splitList } from './name-addr.js';
import type { Located, LocateQuery } from './server-location.js';
import { awaitingAnswer, registrationMachine, statusOf } from './registration-state.js';
import type { RegistrationEvent, RegistrationGuard, RegistrationMachine, RegistrationStatus } from './registration-state.js';
import type { Facts, RefusalSink } from './state-table.js';
import type { Destination, SipTransportName, SipWire } from './wire.js';

export interface RegistrarTarget {
  readonly index: number;
  /** Where the server is, as configured (its host, the port or the transport's default, the transport). */
  readonly dest: Destination;
  /** Present when the host is a name to look up (RFC 3263) before registering. */
  readonly lookup?: LocateQuery;
  readonly expires: number;
  readonly overlap: number;
  readonly policy: RetryPolicy;
}

export interface RegistrationPlan {
  readonly line: number;
  /** user part of the line's address and its domain (the address's host, else the first server's) */
  readonly user: string;
  readonly domain: string;
  readonly displayName: string;
  readonly authUser: string;
  readonly password: string;
  readonly servers: readonly RegistrarTarget[];
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly userAgent: string;
}

export type { RegistrationStatus };

export interface RegistrationView {
  readonly status: RegistrationStatus;
  /** The server (reg.N.server.M index) the line is registered with, or tried last. */
  readonly server: number | undefined;
  /** Why the line is not registered: "401 Unauthorized (wrong credentials)", "no answer", "403 Forbidden"... */
  readonly reason: string;
  readonly expiresAt: number | undefined;
  readonly callId: string;
}

export const transportOf = (configured: string): SipTransportName =>
  configured === 'TLS' ? 'TLS' : configured === 'TCPOnly' || configured === 'TCPpreferred' ? 'TCP' : 'UDP';

/** Looks a server up (the phone's ServerLocator, with its cache). */
export type Locate = (q: LocateQuery) => Promise<Located>;

export class LineRegistration {
  /** The registration's state machine (registration-state.ts). */
  readonly state: RegistrationMachine;
  private serverPos = 0;
  /** The current server's hops, once looked up (undefined: not yet, or the server needs no lookup), and the one tried. */
  private hops: readonly Destination[] | undefined;
  private hopPos = 0;
  /** Counts lookups started: a lookup answered after the line moved on (stopped, restarted) is ignored. */
  private lookups = 0;
  private reason = '';
  private expiresAt: number | undefined;
  private readonly callId: string;
  private readonly tag = newTag();
  private cseq = 0;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private lastChallenge: { header: string; challenge: NonNullable<ReturnType<typeof pickChallenge>>; nc: number } | undefined;
  private branch: string | undefined;
  private minExpires = 0;
  /** Waiting for an unregistration under way to end (its answer, or none). */
  private leaving: (() => void)[] = [];

  constructor(
    readonly plan: RegistrationPlan,
    private readonly wire: SipWire,
    private readonly transactions: ClientTransactions,
    private readonly clock: Clock,
    private readonly changed: () => void,
    refused?: RefusalSink,
    /** How server names are looked up; absent, names go to the wire as they are (the system resolves them on send). */
    private readonly locate?: Locate,
  ) {
    this.callId = randomBytes(16).toString('hex'); // 32 hex digits, as a VVX's REGISTER Call-ID
    this.state = registrationMachine(refused);
  }

  view(): RegistrationView {
    return {
      status: statusOf(this.state.state),
      server: this.plan.servers[this.serverPos]?.index,
      reason: this.reason,
      expiresAt: this.expiresAt,
      callId: this.callId,
    };
  }

  /** The server this line is registered with now, if any. */
  get registeredWith(): RegistrarTarget | undefined {
    const target = this.plan.servers[this.serverPos];
    const hop = target && this.hopOf(target);
    return statusOf(this.state.state) === 'registered' && target && hop ? { ...target, dest: hop } : undefined;
  }

  /** The hop REGISTERs go to for this server: its configured address, or the looked-up hop being tried. */
  private hopOf(target: RegistrarTarget): Destination | undefined {
    return target.lookup && this.locate ? this.hops?.[this.hopPos] : target.dest;
  }

  /** Back to the first server (and a fresh lookup of it). */
  private firstServer(): void {
    this.serverPos = 0;
    this.hops = undefined;
    this.hopPos = 0;
    this.lookups++;
  }

  start(): void {
    if (this.plan.servers.length === 0 || !this.state.can('start')) return;
    this.firstServer();
    this.failures = 0;
    this.move('start');
    this.register();
  }

  /** Resolves once no unregistration is under way: at once, or when the Expires: 0 has its answer (or none came). */
  unregistered(): Promise<void> {
    if (this.state.state !== 'unregistering') return Promise.resolve();
    return new Promise((resolve) => this.leaving.push(resolve));
  }

  /** Stops refreshing; sends Expires: 0 when the line is registered (unregister = true). */
  stop(unregister: boolean): void {
    this.timer?.cancel();
    if (this.branch) this.transactions.abandon(this.branch, 'REGISTER');
    this.lookups++;
    const target = this.plan.servers[this.serverPos];
    const hop = target && this.hopOf(target);
    const bye = unregister && target !== undefined && hop !== undefined && statusOf(this.state.state) === 'registered';
    this.move('stop', { unregister: bye });
    if (bye) this.send(target, hop, 0, true);
  }

  /**
   * Moves the state; what the line shows changes with it (the reason is the failure's, else none). The line table is
   * told unless the line stays registered (a refresh going out or answered).
   */
  private move(event: RegistrationEvent, facts?: Facts<RegistrationGuard>, reason = ''): boolean {
    const was = statusOf(this.state.state);
    if (!this.state.move(event, facts)) return false;
    if (this.state.state !== 'unregistering') for (const done of this.leaving.splice(0)) done();
    const status = statusOf(this.state.state);
    this.reason = reason;
    if (status !== 'registered') this.expiresAt = undefined;
    if (was !== status || status !== 'registered') this.changed();
    return true;
  }

  /** REGISTER to the current server, for the configured time (or the registrar's floor); its name looked up first. */
  private register(): void {
    const target = this.plan.servers[this.serverPos];
    if (!target) return;
    const hop = this.hopOf(target);
    if (hop) return this.send(target, hop, Math.max(target.expires, this.minExpires), false);
    const lookup = ++this.lookups;
    const located = this.locate && target.lookup ? this.locate(target.lookup) : undefined;
    void located?.then((found) => {
      if (lookup !== this.lookups || !awaitingAnswer(this.state.state)) return;
      if (found.hops.length === 0) return this.failOver('error' in found ? found.error : 'DNS: no answer');
      this.hops = found.hops;
      this.hopPos = 0;
      this.register();
    });
  }

  private send(target: RegistrarTarget, hop: Destination, expires: number, final: boolean, auth?: string): void {
    const p = this.plan;
    const local = this.wire.local(hop.transport);
    // as VVX phones write them: the transport named in the Request-URI and the Contact, the methods on the Contact
    const tp = `;transport=${hop.transport.toLowerCase()}`;
    const uri = this.requestUri(hop);
    const aor = `sip:${p.user}@${p.domain}`;
    // Answer the last challenge again proactively (nonce count up), as a phone does on refreshes.
    const credentials = auth ?? (this.lastChallenge ? this.sign(uri) : undefined);
    const headers: [string, string][] = [
      ['Max-Forwards', '70'],
      ['From', `${quoteName(p.displayName)}<${aor}>;tag=${this.tag}`],
      ['To', `<${aor}>`],
      ['Call-ID', this.callId],
      ['CSeq', `${++this.cseq} REGISTER`],
      ['Contact', `<sip:${p.user}@${hostPort(local.host, local.port)}${tp}>;${contactMethods(LINE_CAPABILITIES)}`],
      ['User-Agent', p.userAgent],
      ['Accept-Language', 'en'],
      ['Expires', String(expires)],
    ];
    if (credentials)
      headers.splice(headers.length - 1, 0, [
        this.lastChallenge?.header === 'proxy' ? 'Proxy-Authorization' : 'Authorization',
        credentials,
      ]);
    this.branch = this.transactions.send(
      { method: 'REGISTER', uri, headers },
      hop,
      {
        final: (res) => {
          if (final) this.onUnregistered();
          else this.onFinal(res, target, hop, expires, auth !== undefined);
        },
        timeout: (why) => {
          if (final) this.onUnregistered();
          else this.onTimeout(why);
        },
      },
      target.policy,
    );
  }

  private requestUri(hop: Destination): string {
    return `sip:${this.plan.domain};transport=${hop.transport.toLowerCase()}`;
  }

  private sign(uri: string): string | undefined {
    const c = this.lastChallenge;
    if (!c) return undefined;
    c.nc++;
    return authorization(c.challenge, this.plan.authUser, this.plan.password, 'REGISTER', uri, c.nc);
  }

  /** The answer to our Expires: 0 (or none came): the binding is gone, unless the line started again meanwhile. */
  private onUnregistered(): void {
    if (this.state.state === 'unregistering') this.move('unregistered');
  }

  private onFinal(res: SipResponse, target: RegistrarTarget, hop: Destination, expires: number, answeredChallenge: boolean): void {
    if (!awaitingAnswer(this.state.state)) return;
    if (res.status >= 200 && res.status < 300) {
      this.failures = 0;
      const granted = grantedExpires(res, expires);
      this.expiresAt = this.clock.now() + granted * 1000;
      this.move('registered');
      const early = granted > 2 * target.overlap ? granted - target.overlap : granted / 2;
      this.schedule(early * 1000, () => {
        if (!this.state.can('refreshDue')) return;
        this.move('refreshDue');
        this.register();
      });
      return;
    }
    if (res.status === 401 || res.status === 407) {
      const header = res.status === 401 ? 'www' : 'proxy';
      const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
      const stale = /stale\s*=\s*"?true/i.test(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate').join(','));
      if (!challenge) return this.fail('rejected', {}, `${res.status} ${res.reason} (no digest challenge this phone can answer)`);
      const fresh = !answeredChallenge || stale;
      if (!fresh) return this.fail('challenge', { fresh }, `${res.status} ${res.reason} (wrong credentials)`);
      this.move('challenge', { fresh });
      this.lastChallenge = { header, challenge, nc: 0 };
      this.send(target, hop, expires, false, this.sign(this.requestUri(hop)));
      return;
    }
    if (res.status === 423) {
      const min = Number(res.headers.get('min-expires'));
      if (Number.isFinite(min) && min > expires) {
        this.minExpires = min; // the registrar's floor holds for the refreshes too
        this.move('intervalTooBrief');
        this.send(target, hop, min, false);
        return;
      }
    }
    this.lastChallenge = undefined;
    // 5xx and 6xx: this server will not have us now; the next one may (failover), as after no answer
    if (res.status >= 500) return this.failOver(`${res.status} ${res.reason}`);
    this.fail('rejected', {}, `${res.status} ${res.reason}`);
  }

  private onTimeout(why?: string): void {
    if (!awaitingAnswer(this.state.state)) return;
    this.lastChallenge = undefined;
    this.failOver(why ?? 'no answer');
  }

  /** This hop will not have us now: the server's next hop, else the next server, if the line has one; else back off. */
  private failOver(reason: string): void {
    const nextHop = this.hops !== undefined && this.hopPos + 1 < this.hops.length;
    const nextServer = nextHop || this.serverPos + 1 < this.plan.servers.length;
    if (!nextServer) return this.fail('unavailable', { nextServer }, reason);
    if (nextHop) this.hopPos++;
    else {
      this.serverPos++;
      this.hops = undefined;
      this.hopPos = 0;
    }
    this.move('unavailable', { nextServer });
    this.register();
  }

  /** Failed with a reason; registers again after the back-off, from the first server. */
  private fail(event: RegistrationEvent, facts: Facts<RegistrationGuard>, reason: string): void {
    if (!this.move(event, facts, reason)) return;
    const wait = Math.min(this.plan.retryBaseMs * 2 ** this.failures, this.plan.retryMaxMs);
    this.failures++;
    this.schedule(wait, () => {
      if (!this.state.can('retry')) return;
      this.firstServer();
      this.move('retry');
      this.register();
    });
  }

  private schedule(ms: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.clock.schedule(ms, fn);
  }
}

/** What the registrar granted: our Contact's expires parameter, else the Expires header, else what we asked. */
function grantedExpires(res: SipResponse, asked: number): number {
  for (const value of res.headers.all('contact')) {
    for (const c of splitList(value)) {
      const e = Number(parseNameAddr(c).params['expires']);
      if (Number.isFinite(e) && e > 0) return e;
    }
  }
  const header = Number(res.headers.get('expires'));
  return Number.isFinite(header) && header > 0 ? header : asked;
}
