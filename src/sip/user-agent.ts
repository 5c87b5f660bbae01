/**
 * A phone's SIP user agent: it registers the lines that have a real call server (any server but the built-in
 * switchboard, which sits at the phone's own SIP address), places and takes their calls as INVITE dialogs with
 * RTP media, and tells the line table how each registration stands. Calls on other lines still go to the
 * switchboard: the phone's network is the two, chosen per line.
 */
import type { Clock } from '../phone/clock.js';
import { sipUserAgent } from '../phone/device-facts.js';
import { numberOf } from '../phone/calls/call-manager.js';
import type { CallNetwork, Inbox, MediaCounters, Offer, Party } from '../phone/calls/signal.js';
import type { LineRegistrationView } from '../phone/lines.js';
import type { Phone } from '../phone/phone.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { ClientTransactions, RFC3261 } from './client-transactions.js';
import type { RetryPolicy } from './client-transactions.js';
import { Dialog, newTag } from './dialog.js';
import { hostPort, parseNameAddr, parseUri, quoteName, tagOf } from './name-addr.js';
import { messageSummary } from './message-waiting.js';
import { LineRegistration, transportOf } from './registration.js';
import type { RegistrationPlan, RegistrarTarget } from './registration.js';
import type { MediaEngine } from './rtp.js';
import { IncomingCall } from './incoming-call.js';
import { referTargetAllowed } from './refer-targets.js';
import { OutgoingCall } from './outgoing-call.js';
import type { SipCall, CallEnv, UasSource } from './sip-call.js';
import { fromHop } from './wire.js';
import type { Destination, SipTransportName, SipWire } from './wire.js';

/** Payload types by voice.codecPref priority (1 first; 0 turns a codec off); µ-law when both are off. */
function codecPreference(mu: number, a: number): number[] {
  const list = ([[0, mu], [8, a]] as const).filter(([, p]) => p > 0).sort((x, y) => x[1] - y[1]).map(([pt]) => pt);
  return list.length > 0 ? list : [0];
}

export interface InboundContext {
  readonly reply: (buf: Buffer) => void;
  readonly transport: SipTransportName;
  readonly address: string;
  readonly port: number;
}

const MAX_CALLS = 4096;

export class SipUserAgent {
  readonly transactions: ClientTransactions;
  private readonly registrations = new Map<number, { readonly signature: string; readonly reg: LineRegistration }>();
  private readonly calls = new Map<string, SipCall>();
  private referrer: SipCall | undefined;
  private referMade = false;
  private running = false;
  /** Between start() and stop(): the listener opening before start() sends nothing (the host may still be setting the SIP port). */
  private started = false;
  private readonly clock: Clock;

  constructor(
    private readonly phone: Phone,
    private readonly wire: SipWire,
    private readonly engine: MediaEngine | undefined,
    private readonly advertised: string,
  ) {
    this.clock = phone.clock;
    this.transactions = new ClientTransactions(wire, this.clock);
  }

  private readonly onDown = (): void => this.halt(true);
  private readonly onConfig = (): void => { if (this.running) this.plan(); };

  /** Starts with the listener open; after each reboot the listener says when it is open again (transportUp). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.phone.on('down', this.onDown);
    this.phone.on('config', this.onConfig);
    if (this.phone.isUp) this.transportUp();
  }

  transportUp(): void {
    if (!this.started || !this.phone.isUp) return;
    this.running = true;
    this.plan();
  }

  transportFailed(dest: Destination): void {
    this.transactions.transportFailed(dest);
  }

  /** Unregisters every line and ends every dialog (the process is stopping). */
  stop(): void {
    this.started = false;
    this.phone.off('down', this.onDown);
    this.phone.off('config', this.onConfig);
    this.halt(true);
  }

  private halt(unregister: boolean): void {
    this.running = false;
    for (const { reg } of this.registrations.values()) reg.stop(unregister);
    this.registrations.clear();
    for (const call of [...new Set(this.calls.values())]) call.receive({ type: 'ended' });
    this.calls.clear();
    for (const n of this.sipLines) this.phone.lines.setMessages(n, undefined);
    if (unregister) this.clock.schedule(100, () => { if (!this.running) this.transactions.clear(); });
    this.phone.lines.registrationChanged();
  }

  get callCount(): number {
    return new Set(this.calls.values()).size;
  }

  /** Whether line n registers with a real SIP server (not the built-in switchboard at the phone's own address). */
  owns(n: number): boolean {
    const line = this.phone.lines.get(n);
    const first = line.servers[0];
    if (!line.assigned || !first) return false;
    return !this.wire.listensOn(first.address, first.port);
  }

  /** Lines that register to a real server, as of the last plan (kept while the phone is away: they show Unregistered). */
  private sipLines = new Set<number>();

  /** How line n's registration stands (the phone's lines ask through the host's line router). */
  state(n: number): LineRegistrationView | undefined {
    const r = this.registrations.get(n);
    if (!r) return this.sipLines.has(n) ? { registered: false, server: undefined, reason: '' } : undefined;
    const v = r.reg.view();
    return { registered: v.status === 'registered', server: v.server, reason: v.reason, expiresAt: v.expiresAt, callId: v.callId };
  }

  private policy(n: number, s: number): RetryPolicy {
    const c = this.phone.config;
    const ms = c.int(`reg.${n}.server.${s}.retryTimeOut`);
    return ms > 0 ? { ...RFC3261, fixed: { intervalMs: ms, count: c.int(`reg.${n}.server.${s}.retryMaxCount`) } } : RFC3261;
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
        index: s.index, dest: { transport, host: s.address, port }, expires: s.expires,
        overlap: c.int(`reg.${n}.server.${s.index}.expires.overlap`), policy: this.policy(n, s.index),
      };
    });
    return {
      // the domain: the address's host, else the first server (with its port when not the default)
      line: n, user, domain: host || (servers[0] ? hostPort(servers[0].dest.host, servers[0].dest.port === 5060 ? undefined : servers[0].dest.port) : ''), displayName: line.displayName, authUser: line.userId,
      password: c.value(`reg.${n}.auth.password`), servers,
      retryBaseMs: c.int(`reg.${n}.server.1.registerRetry.baseTimeOut`) * 1000,
      retryMaxMs: c.int(`reg.${n}.server.1.registerRetry.maxTimeOut`) * 1000,
      userAgent: this.userAgent,
    };
  }

  get userAgent(): string {
    return sipUserAgent(this.phone.profile);
  }

  /** Starts, restarts or stops each line's registration to match the configuration. */
  private plan(): void {
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
      const reg = new LineRegistration(plan, this.wire, this.transactions, this.clock, () => this.phone.lines.registrationChanged());
      this.registrations.set(n, { signature, reg });
      reg.start();
      changed = true;
    }
    this.sipLines = owned;
    if (changed) this.phone.lines.registrationChanged();
  }

  /** bindRequired: a NOTIFY is taken only from a server one of the lines is registered with. */
  boundTo(address: string, port: number): boolean {
    for (const n of this.registrations.keys()) if (this.registeredWith(n, address, port)) return true;
    return false;
  }

  /** Whether a message came from the server line n is registered with (over a stream, any port of its host). */
  private registeredWith(n: number, address: string, port: number, transport: SipTransportName = 'UDP'): boolean {
    const s = this.registrations.get(n)?.reg.registeredWith;
    return s !== undefined && fromHop(s.dest, transport, address, port);
  }

  private env(n: number): CallEnv {
    const c = this.phone.config;
    const line = this.phone.lines.get(n);
    const server = line.servers[0]?.index ?? 1;
    return {
      wire: this.wire, transactions: this.transactions, media: this.engine, userAgent: this.userAgent, localAddress: this.advertised,
      policy: this.policy(n, server),
      codecs: codecPreference(c.int('voice.codecPref.G711Mu'), c.int('voice.codecPref.G711A')),
      dtmf: { info: c.bool('voIpProt.SIP.dtmfViaSignaling.rfc2976') || !this.engine, payload: c.int('tone.dtmf.rfc2833Payload'),
        onMs: c.int('tone.dtmf.onTime'), offMs: c.int('tone.dtmf.offTime') },
      auth: { user: line.userId, password: c.value(`reg.${n}.auth.password`) },
      schedule: (ms, fn) => this.clock.schedule(ms, fn),
      forget: (call) => { for (const [k, v] of this.calls) if (v === call) this.calls.delete(k); },
      referring: (call, fn) => this.withReferrer(call, fn),
      referAllowed: (uri) => referTargetAllowed(c.value('call.transfer.allowedTargets'), uri),
      onProgress: (call, status, reason) => this.progress(call, status, reason),
    };
  }

  private readonly referredBy = new WeakMap<SipCall, SipCall>();

  private withReferrer(call: SipCall, fn: () => void): boolean {
    const before = this.referrer;
    this.referrer = call;
    this.referMade = false;
    try {
      fn();
    } finally {
      this.referrer = before;
    }
    return this.referMade;
  }

  private progress(call: SipCall, status: number, reason: string): void {
    const referrer = this.referredBy.get(call);
    if (referrer && status > 100) referrer.notifyFrag(status, reason, status >= 200);
  }

  /** A call out on a SIP line: INVITE through the line's server (its outbound proxy). */
  connect(dest: string, offer: Offer): { inbox: Inbox; party: Party } {
    const n = offer.line as number;
    const reg = this.registrations.get(n)?.reg;
    const target = reg?.registeredWith ?? reg?.plan.servers[0];
    const plan = reg?.plan;
    const number = numberOf(dest);
    const party: Party = { number, name: '', address: target?.dest.host ?? '' };
    if (!plan || !target || this.callCount >= MAX_CALLS) {
      const nowhere: Inbox = { receive: () => undefined };
      queueMicrotask(() => offer.caller.receive({ type: 'rejected', reason: 'not-found' }));
      return { inbox: nowhere, party };
    }
    const m = /\?Replaces=([^&]+)/i.exec(dest);
    const bare = dest.replace(/\?.*$/, '').trim();
    const requestUri = /^sips?:/i.test(bare) ? bare : `sip:${bare.includes('@') ? bare : `${number}@${plan.domain}`}`;
    const aor = `sip:${plan.user}@${plan.domain}`;
    const dialog = new Dialog(offer.callId, newTag(), `${quoteName(plan.displayName)}<${aor}>`, `<${requestUri}>`, requestUri, 1);
    let replaces: string | undefined;
    try {
      replaces = m ? decodeURIComponent(m[1] as string) : undefined;
    } catch {
      replaces = undefined; // not a valid escape: no Replaces
    }
    const extra: [string, string][] = replaces ? [['Replaces', replaces]] : [];
    const call = new OutgoingCall(this.env(n), target.dest, requestUri, dialog, party, extra);
    call.peer = offer.caller;
    this.calls.set(offer.callId, call);
    if (this.referrer) {
      this.referredBy.set(call, this.referrer);
      this.referMade = true;
    }
    return { inbox: call, party };
  }

  media(callId: string): MediaCounters | undefined {
    return this.calls.get(callId)?.stats();
  }

  // ---- what arrives ----

  /** A response: a transaction's, or a retransmitted 2xx of an INVITE whose transaction is over. */
  onResponse(res: SipResponse): boolean {
    if (this.transactions.onResponse(res)) return true;
    const call = this.calls.get(res.headers.get('call-id') ?? '');
    if (call && res.status >= 200 && res.status < 300 && /INVITE/i.test(res.headers.get('cseq') ?? '')) {
      call.onRetransmitted2xx();
      return true;
    }
    return false;
  }

  /** A request for the user agent (calls and their dialogs); false when it is none of its business. */
  onRequest(req: SipRequest, ctx: InboundContext): boolean {
    if (!this.running) return false;
    const callId = req.headers.get('call-id') ?? '';
    const toTag = tagOf(req.headers.get('to'));
    const call = this.calls.get(callId);
    if (req.method === 'INVITE' && !toTag) {
      if (call && call.role === 'uas') {
        call.onRetransmittedInvite();
        return true;
      }
      return this.incoming(req, ctx);
    }
    if (req.method === 'NOTIFY' && /^message-summary/i.test(req.headers.get('event') ?? '')) return this.messageSummary(req, ctx);
    if (req.method === 'CANCEL' || req.method === 'ACK') {
      if (!call && req.method === 'CANCEL' && this.registrations.size > 0) {
        // no transaction to cancel (never there, or already answered finally): 481 (RFC 3261 9.2)
        ctx.reply(responseTo(req, 481, 'Call/Transaction Does Not Exist', toTag || newTag()));
        return true;
      }
      if (!call) return req.method === 'ACK';
      if (!call.fromPeer(ctx.transport, ctx.address, ctx.port)) {
        if (req.method === 'CANCEL') ctx.reply(responseTo(req, 403, 'Forbidden', toTag || newTag()));
        return true;
      }
      call.onRequest(req, ctx.reply);
      return true;
    }
    if (!toTag) return false; // out-of-dialog OPTIONS, NOTIFY (ACTION-URI), INFO: the listener's
    if (call && call.dialog.localTag === toTag) {
      // a request of the dialog from elsewhere than its peer (a BYE or INFO injected by a third party) is refused
      if (!call.fromPeer(ctx.transport, ctx.address, ctx.port)) ctx.reply(responseTo(req, 403, 'Forbidden', toTag));
      else call.onRequest(req, ctx.reply);
      return true;
    }
    if (['BYE', 'INVITE', 'REFER', 'NOTIFY', 'INFO', 'UPDATE', 'PRACK'].includes(req.method) && this.calls.size > 0 || req.method === 'BYE') {
      ctx.reply(responseTo(req, 481, 'Call/Transaction Does Not Exist', toTag));
      return true;
    }
    return false;
  }

  /** A voicemail server's summary (message-waiting.ts), taken only from the server the line is registered with. */
  private messageSummary(req: SipRequest, ctx: InboundContext): boolean {
    const n = this.lineFor(req);
    if (n === undefined) return false;
    const trusted = this.registeredWith(n, ctx.address, ctx.port, ctx.transport);
    ctx.reply(messageSummary(req, trusted, (summary) => this.phone.lines.setMessages(n, summary), this.userAgent));
    return true;
  }

  /** The line a request is for: the Request-URI's user (else the To user) among lines registered by SIP. */
  private lineFor(req: SipRequest): number | undefined {
    const users = [parseUri(req.uri)?.user, parseUri(parseNameAddr(req.headers.get('to') ?? '').uri)?.user].filter((u): u is string => !!u);
    for (const user of users) {
      for (const [n] of this.registrations) {
        const line = this.phone.lines.get(n);
        if (line.address.split('@')[0] === user || line.userId === user) return n;
      }
    }
    return undefined;
  }

  private incoming(req: SipRequest, ctx: InboundContext): boolean {
    const n = this.lineFor(req);
    const tag = newTag();
    if (n === undefined) {
      // not for one of our SIP lines: the switchboard's own numbers are not reachable by SIP
      if (this.registrations.size === 0) return false;
      ctx.reply(responseTo(req, 404, 'Not Found', tag));
      return true;
    }
    if (!this.phone.isReady || this.callCount >= MAX_CALLS) {
      ctx.reply(responseTo(req, 486, 'Busy Here', tag));
      return true;
    }
    ctx.reply(responseTo(req, 100, 'Trying', tag));
    const to = parseNameAddr(req.headers.get('to') ?? '');
    const dialog = Dialog.fromRequest(req, tag, `<${to.uri}>`);
    const from = parseNameAddr(req.headers.get('p-asserted-identity') ?? req.headers.get('from') ?? '');
    const fromUri = parseUri(from.uri);
    const party: Party = { number: fromUri?.user ?? '', name: from.name, address: ctx.address };
    const dest: Destination = { transport: ctx.transport, host: ctx.address, port: ctx.port };
    const source: UasSource = { request: req, reply: ctx.reply, transport: ctx.transport };
    const call = IncomingCall.create(this.env(n), source, dialog, party, dest);
    if (!call) return true;
    this.calls.set(dialog.callId, call);
    const replaces = req.headers.get('replaces');
    if (replaces) {
      const [rid = '', ...params] = replaces.split(';').map((s) => s.trim());
      const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
      const old = this.calls.get(rid);
      if (!old || old.dialog.localTag !== p['to-tag'] || old.dialog.remoteTag !== p['from-tag'] || !old.peer) {
        call.receive({ type: 'rejected', reason: 'not-found' });
        return true;
      }
      // RFC 3891: the new dialog takes the old one's place; the phone's call goes on with a new far end
      call.peer = old.peer;
      old.replaced = true;
      this.calls.set(rid, call);
      call.receive({ type: 'answered' });
      old.peer.receive({ type: 'replace', inbox: call, party });
      old.receive({ type: 'ended' });
      return true;
    }
    call.peer = this.phone.calls.incoming(n, { from: party, callId: dialog.callId, caller: call, line: n });
    return true;
  }
}
