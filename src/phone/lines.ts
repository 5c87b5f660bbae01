/**
 * Lines and their registrations, from the reg.N.* and voIpProt.server.* parameters. A line with an address and a
 * call server is registered (polysim's virtual network, the built-in switchboard, accepts every registration),
 * unless the registration was lost (a scenario or the control API plays a call server that stops answering).
 */
import type { LayeredConfig } from './config/layered-config.js';
import { SERVERS_PER_LINE } from './config/layered-config.js';
import type { Profile } from './models.js';
import { PhoneError, Status } from './status.js';

export interface CallServer {
  readonly index: number;
  readonly address: string;
  readonly port: number;
  /** Whether a port is configured: 0 or empty leaves it to DNS (NAPTR and SRV records), else 5060. */
  readonly portSet: boolean;
  readonly transport: string;
  readonly expires: number;
}

/** A line's registration with a real SIP server, as the SIP user agent reports it. */
export interface LineRegistrationView {
  readonly registered: boolean;
  /** The server (index) registered with or tried last. */
  readonly server: number | undefined;
  /** Why it is not registered ("no answer", "403 Forbidden", "401 Unauthorized (wrong credentials)"); '' while registered or trying. */
  readonly reason: string;
  /** When the granted registration runs out (phone clock, ms), and the Call-ID of the line's REGISTERs. */
  readonly expiresAt?: number;
  readonly callId?: string;
}

/**
 * Where registrations of real SIP lines come from (the SIP user agent); a line it does not know (undefined) is a
 * line of the built-in switchboard, registered as soon as it has an address and a server.
 */
export interface RegistrationSource {
  state(line: number): LineRegistrationView | undefined;
}

/** What a voicemail server says waits for a line (RFC 3842 message-summary). */
export interface MessageSummary {
  readonly waiting: boolean;
  readonly newMessages: number;
  readonly oldMessages: number;
}

export interface Line {
  readonly number: number;
  readonly address: string;
  readonly label: string;
  readonly displayName: string;
  readonly userId: string;
  readonly type: 'private' | 'shared';
  readonly assigned: boolean;
  readonly registered: boolean;
  /** Registered with a real SIP server (not the built-in switchboard); with the server and the failure reason. */
  readonly sip: LineRegistrationView | undefined;
  readonly servers: readonly CallServer[];
  readonly forwarding: { readonly always: string; readonly busy: string; readonly noAnswer: string; readonly dnd: string };
}

/** A line as its configuration says, without its registration's state. */
type ConfiguredLine = Omit<Line, 'registered' | 'sip'>;

export class LineTable {
  /** Lines whose call server stopped answering their registrations, until restored (a reboot does not help). */
  private readonly lost = new Set<number>();
  private readonly registrationListeners = new Set<() => void>();
  /** Voice messages per line, as the last message-summary NOTIFY told (RFC 3842). */
  private readonly mailboxes = new Map<number, MessageSummary>();
  /** Lines as the configuration of version `readAt` says (configured()). */
  private readonly read = new Map<number, ConfiguredLine>();
  private readAt = -1;

  constructor(
    private readonly profile: Profile,
    private readonly config: LayeredConfig,
    /** How the lines on real SIP servers stand (the host's line router); absent: every line is the switchboard's. */
    private readonly registrations?: RegistrationSource,
  ) {}

  get count(): number {
    return this.profile.model.lines;
  }

  exists(n: number): boolean {
    return Number.isInteger(n) && n >= 1 && n <= this.count;
  }

  /** The line, or 4005 when the model has no such line. */
  get(n: number): Line {
    if (!this.exists(n)) throw new PhoneError(Status.LINE_DOES_NOT_EXIST, `line ${n}`);
    const line = this.configured(n);
    const sip = line.assigned && line.servers.length > 0 ? this.registrations?.state(n) : undefined;
    // Registered only with somewhere to register: a call server of its own (reg.N.server.M) or the phone's
    // (voIpProt.server.M). A line without one is unregistered, and dialling on it answers 4002.
    return { ...line, registered: line.assigned && line.servers.length > 0 && !this.lost.has(n) && (sip ? sip.registered : true), sip };
  }

  /**
   * What the configuration says of line n, kept until the configuration changes (its version): a phone reads its
   * lines on every registration change and REST read, about twenty parameters a line.
   */
  private configured(n: number): ConfiguredLine {
    if (this.readAt !== this.config.version) {
      this.read.clear();
      this.readAt = this.config.version;
    }
    let line = this.read.get(n);
    if (!line) {
      line = this.fromConfig(n);
      this.read.set(n, line);
    }
    return line;
  }

  private fromConfig(n: number): ConfiguredLine {
    const c = this.config;
    const address = c.value(`reg.${n}.address`);
    const servers: CallServer[] = [];
    for (let s = 1; s <= SERVERS_PER_LINE; s++) {
      const own = c.value(`reg.${n}.server.${s}.address`);
      const addr = own || c.value(`voIpProt.server.${s}.address`);
      if (!addr) continue;
      const port = Number(own ? c.value(`reg.${n}.server.${s}.port`) : c.value(`voIpProt.server.${s}.port`));
      servers.push({
        index: s,
        address: addr,
        port: port || 5060,
        portSet: port > 0,
        transport: c.value(own ? `reg.${n}.server.${s}.transport` : `voIpProt.server.${s}.transport`),
        expires: c.int(`reg.${n}.server.${s}.expires`),
      });
    }
    return {
      number: n,
      address,
      label: c.value(`reg.${n}.label`) || address.split('@')[0] || '',
      displayName: c.value(`reg.${n}.displayName`),
      userId: c.value(`reg.${n}.auth.userId`) || address.split('@')[0] || '',
      type: c.value(`reg.${n}.type`) === 'shared' ? 'shared' : 'private',
      assigned: address !== '',
      servers,
      forwarding: {
        always: c.value(`divert.${n}.contact`),
        busy: c.value(`divert.busy.${n}.contact`),
        noAnswer: c.value(`divert.noanswer.${n}.contact`),
        dnd: c.value(`divert.dnd.${n}.contact`),
      },
    };
  }

  /** The call server stops answering the line's registrations: it shows Unregistered, dials answer 4002, and no call reaches it. */
  loseRegistration(n: number): void {
    this.get(n);
    this.lost.add(n);
    for (const l of this.registrationListeners) l();
  }

  /** The line registers again. */
  restoreRegistration(n: number): void {
    if (this.lost.delete(n)) for (const l of this.registrationListeners) l();
  }

  /** A voicemail server's summary for line n (the MWI LED follows it); undefined clears it. */
  setMessages(n: number, summary: MessageSummary | undefined): void {
    if (!this.exists(n)) return;
    if (summary) this.mailboxes.set(n, summary);
    else this.mailboxes.delete(n);
    for (const l of this.registrationListeners) l();
  }

  messages(n: number): MessageSummary | undefined {
    return this.mailboxes.get(n);
  }

  /** A registration changed (the SIP user agent calls this). */
  registrationChanged(): void {
    for (const l of this.registrationListeners) l();
  }

  /** Calls listener when a registration is lost or restored, or a line's messages change (configuration changes are the phone's 'config' event). */
  onRegistrationChange(listener: () => void): () => void {
    this.registrationListeners.add(listener);
    return () => this.registrationListeners.delete(listener);
  }

  all(): Line[] {
    return Array.from({ length: this.count }, (_, i) => this.get(i + 1));
  }

  /** Whether line n has an address (is assigned), without building it: a line without one registers nowhere. */
  hasAddress(n: number): boolean {
    return this.exists(n) && this.config.value(`reg.${n}.address`) !== '';
  }

  /** The lines with an address (assigned), without building the others: what fleet-wide counts read. */
  assigned(): Line[] {
    const out: Line[] = [];
    for (let n = 1; n <= this.count; n++) if (this.hasAddress(n)) out.push(this.get(n));
    return out;
  }
}
