/**
 * The registrations of a phone's SIP lines: which lines register with a real SIP server (any server but the
 * built-in switchboard, which sits at the phone's own SIP address), a LineRegistration (registration.ts) for each,
 * started, restarted or stopped to match the configuration, and how each stands for the line table.
 */
import type { LineRegistrationView } from '../phone/lines.js';
import type { Phone } from '../phone/phone.js';
import { RFC3261 } from './client-transactions.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { hostPort } from './name-addr.js';
import { LineRegistration, transportOf } from './registration.js';
import type { Locate, RegistrationPlan, RegistrarTarget } from './registration.js';
import { needsDns } from './server-location.js';
import type { LocateQuery } from './server-location.js';
import { fromHop } from './wire.js';
import type { SipTransportName, SipWire } from './wire.js';

/** The transports a configured transport allows, preferred first (DNSnaptr: as NAPTR, else SRV, finds them). */
const TRANSPORTS: Readonly<Record<string, readonly SipTransportName[]>> = {
  DNSnaptr: ['UDP', 'TCP', 'TLS'],
  UDPOnly: ['UDP'],
  TCPOnly: ['TCP'],
  TCPpreferred: ['TCP', 'UDP'],
  TLS: ['TLS'],
};

/** RFC 3263 for a server given by name: NAPTR (with DNSnaptr) and SRV without a port, A/AAAA with one. */
function lookupOf(host: string, configured: string, port: number | undefined): LocateQuery | undefined {
  if (!needsDns(host)) return undefined;
  const transports = TRANSPORTS[configured] ?? ['UDP'];
  // with a port and DNSnaptr, UDP (RFC 3263 4.1)
  return {
    host,
    port,
    transports: port === undefined ? transports : transports.slice(0, 1),
    naptr: port === undefined && configured === 'DNSnaptr',
  };
}

/** The retry policy of line n's server s: reg.N.server.S.retryTimeOut and retryMaxCount, else RFC 3261's timers. */
export function retryPolicy(phone: Phone, n: number, s: number): RetryPolicy {
  const c = phone.config;
  const ms = c.int(`reg.${n}.server.${s}.retryTimeOut`);
  return ms > 0 ? { ...RFC3261, fixed: { intervalMs: ms, count: c.int(`reg.${n}.server.${s}.retryMaxCount`) } } : RFC3261;
}

export class LineRegistrations {
  private readonly registrations = new Map<number, { readonly signature: string; readonly reg: LineRegistration }>();
  /** Lines that register to a real server, as of the last plan (kept while the phone is away: they show Unregistered). */
  private sipLines = new Set<number>();
  /** The registrations the last stopAll stopped (their unregistrations may still be under way). */
  private leaving: readonly LineRegistration[] = [];

  constructor(
    private readonly phone: Phone,
    private readonly wire: SipWire,
    private readonly transactions: ClientTransactions,
    private readonly userAgent: string,
    /** How server names are looked up (RFC 3263); absent, names go to the wire as they are. */
    private readonly locate?: Locate,
  ) {}

  /** Whether line n registers with a real SIP server (not the built-in switchboard at the phone's own address). */
  owns(n: number): boolean {
    // a line without an address is not built (a phone starting asks about all its lines)
    const first = this.phone.lines.hasAddress(n) ? this.phone.lines.get(n).servers[0] : undefined;
    return first !== undefined && !this.wire.listensOn(first.address, first.port);
  }

  /** The registration of line n, while it runs. */
  get(n: number): LineRegistration | undefined {
    return this.registrations.get(n)?.reg;
  }

  /** The lines whose registration runs. */
  lines(): IterableIterator<number> {
    return this.registrations.keys();
  }

  get size(): number {
    return this.registrations.size;
  }

  /** Lines that register to a real server, as of the last plan. */
  get planned(): ReadonlySet<number> {
    return this.sipLines;
  }

  state(n: number): LineRegistrationView | undefined {
    const r = this.registrations.get(n);
    if (!r) return this.sipLines.has(n) ? { registered: false, server: undefined, reason: '' } : undefined;
    const v = r.reg.view();
    return { registered: v.status === 'registered', server: v.server, reason: v.reason, expiresAt: v.expiresAt, callId: v.callId };
  }

  private planFor(n: number): RegistrationPlan | undefined {
    if (!this.owns(n)) return undefined;
    const line = this.phone.lines.get(n);
    const c = this.phone.config;
    const [user = '', host] = line.address.split('@');
    const servers: RegistrarTarget[] = line.servers.map((s) => {
      const transport = transportOf(s.transport);
      const port = s.port && !(transport === 'TLS' && s.port === 5060) ? s.port : transport === 'TLS' ? 5061 : 5060;
      return {
        index: s.index,
        dest: { transport, host: s.address, port },
        lookup: lookupOf(s.address, s.transport, s.portSet ? port : undefined),
        expires: s.expires,
        overlap: c.int(`reg.${n}.server.${s.index}.expires.overlap`),
        policy: retryPolicy(this.phone, n, s.index),
      };
    });
    return {
      // the domain: the address's host, else the first server (with its port when not the default)
      line: n,
      user,
      domain: host || (servers[0] ? hostPort(servers[0].dest.host, servers[0].dest.port === 5060 ? undefined : servers[0].dest.port) : ''),
      displayName: line.displayName,
      authUser: line.userId,
      password: c.value(`reg.${n}.auth.password`),
      servers,
      retryBaseMs: c.int(`reg.${n}.server.1.registerRetry.baseTimeOut`) * 1000,
      retryMaxMs: c.int(`reg.${n}.server.1.registerRetry.maxTimeOut`) * 1000,
      userAgent: this.userAgent,
    };
  }

  /** Starts, restarts or stops each line's registration to match the configuration. */
  plan(): void {
    let changed = false;
    const owned = new Set<number>();
    for (let n = 1; n <= this.phone.lines.count; n++) {
      const plan = this.planFor(n);
      if (plan) owned.add(n);
      const signature = plan ? JSON.stringify({ ...plan, servers: plan.servers.map((s) => ({ ...s, policy: undefined })) }) : '';
      const current = this.registrations.get(n);
      if (current?.signature === signature) continue;
      if (current) {
        current.reg.stop(true);
        this.registrations.delete(n);
        changed = true;
      }
      if (!plan) continue;
      const reg = new LineRegistration(
        plan,
        this.wire,
        this.transactions,
        this.phone.clock,
        () => this.phone.lines.registrationChanged(),
        undefined,
        this.locate,
      );
      this.registrations.set(n, { signature, reg });
      reg.start();
      changed = true;
    }
    this.sipLines = owned;
    if (changed) this.phone.lines.registrationChanged();
  }

  /** Stops every registration (unregistering when told). */
  stopAll(unregister: boolean): void {
    const stopped = [...this.registrations.values()].map(({ reg }) => reg);
    for (const reg of stopped) reg.stop(unregister);
    this.registrations.clear();
    this.leaving = stopped;
  }

  /** Resolves once the unregistrations the last stopAll sent have their answers (or none came). */
  unregistered(): Promise<void> {
    return Promise.all(this.leaving.map((reg) => reg.unregistered())).then(() => undefined);
  }

  /** bindRequired: whether a message came from a server one of the lines is registered with. */
  boundTo(address: string, port: number): boolean {
    for (const n of this.registrations.keys()) if (this.registeredWith(n, address, port)) return true;
    return false;
  }

  /** Whether a message came from the server line n is registered with (over a stream, any port of its host). */
  registeredWith(n: number, address: string, port: number, transport: SipTransportName = 'UDP'): boolean {
    const s = this.registrations.get(n)?.reg.registeredWith;
    return s !== undefined && fromHop(s.dest, transport, address, port);
  }
}
