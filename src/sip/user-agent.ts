/**
 * A phone's SIP user agent: it registers the lines that have a real call server (line-registrations.ts), places
 * and takes their calls as INVITE dialogs with RTP media (outgoing-call.ts, incoming-call.ts, inbound-requests.ts),
 * transfers them (transfers.ts), takes voicemail summaries (message-waiting.ts) and instant messages both ways
 * (instant-messages.ts), keeps their sessions alive with session timers when the configuration says so
 * (session-timer.ts), watches other users' lines for the busy lamp field (blf-watches.ts), tells watchers of its
 * own lines their dialog state (dialog-notifier.ts), and says what it supports from one list (capabilities.ts). The host's line router sends it
 * the calls of its lines and asks it how they stand; the rest go to the switchboard (network/line-router.ts).
 */
import type { Clock } from '../phone/clock.js';
import { networkClock } from '../phone/clock.js';
import { sipUserAgent } from '../phone/device-facts.js';
import { numberOf } from '../phone/calls/call-manager.js';
import type { Inbox, MediaCounters, Offer, Party } from '../phone/calls/signal.js';
import type { LineRegistrationView } from '../phone/lines.js';
import type { Phone } from '../phone/phone.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import { capabilitiesOf } from './codec/capabilities.js';
import type { Capabilities, Features } from './codec/capabilities.js';
import { BlfWatches } from './blf-watches.js';
import { ClientTransactions } from './client-transactions.js';
import { DialogNotifier } from './dialog-notifier.js';
import { Dialog, newTag } from './dialog.js';
import { InboundRequests } from './inbound-requests.js';
import type { InboundContext } from './inbound-requests.js';
import { MESSAGE_BODY_MAX, messageTarget, sendMessage, takeMessage } from './instant-messages.js';
import { LineRegistrations, retryPolicy } from './line-registrations.js';
import { MediaPorts, poolStart } from './media-ports.js';
import type { DnsClient } from './server-location.js';
import { ServerLocator } from './server-locator.js';
import { quoteName } from './name-addr.js';
import type { MediaEngine } from './media-engine.js';
import type { RtpTally } from './rtp.js';
import { referTargetAllowed } from './refer-targets.js';
import { OutgoingCall } from './outgoing-call.js';
import { SESSION_TIMER_POLICY } from './session-timer.js';
import type { SipCall, CallEnv } from './sip-call.js';
import { Referrals } from './transfers.js';
import type { Destination, SipWire } from './wire.js';
import { srtpPolicy } from './sdes.js';

export type { InboundContext };

/**
 * Payload types by voice.codecPref priority (the lowest number first; 0 turns a codec off; a tie keeps the order
 * G.722, µ-law, A-law); µ-law when all are off, as a phone falls back to G.711.
 */
export function codecPreference(pref: { readonly G722: number; readonly G711Mu: number; readonly G711A: number }): number[] {
  const list = (
    [
      [9, pref.G722],
      [0, pref.G711Mu],
      [8, pref.G711A],
    ] as const
  )
    .filter(([, p]) => p > 0)
    .sort((x, y) => x[1] - y[1])
    .map(([pt]) => pt);
  return list.length > 0 ? list : [0];
}

const MAX_CALLS = 4096;

/** One dialog as the user agent keeps it (dialogs()). */
export interface DialogView {
  readonly callIds: readonly string[];
  readonly state: SipCall['state'];
  readonly media: boolean;
}

export class SipUserAgent {
  readonly transactions: ClientTransactions;
  private readonly registrations: LineRegistrations;
  private readonly calls = new Map<string, SipCall>();
  private readonly referrals = new Referrals<SipCall>();
  private readonly inbound: InboundRequests;
  /** The busy lamp field keys' subscriptions, and the subscriptions to the lines' dialog state. */
  private readonly watches: BlfWatches;
  private readonly notifier: DialogNotifier;
  private stopRegistrationWatch: (() => void) | undefined;
  private running = false;
  /** Between start() and stop(): the listener opening before start() sends nothing (the host may still be setting the SIP port). */
  private started = false;
  private readonly clock: Clock;
  /** The RTP port pool, while tcpIpApp.port.rtp.mediaPortRangeStart sets one (kept across calls: it goes round). */
  private ports: MediaPorts | undefined;
  /** RTP packets every call of the phone sent and received, since it started. */
  readonly rtp: RtpTally = { sent: 0, received: 0 };

  constructor(
    private readonly phone: Phone,
    private readonly wire: SipWire,
    private readonly engine: MediaEngine | undefined,
    private readonly advertised: string,
    /** DNS for registrars given by name (RFC 3263); absent, names go to the wire as they are. */
    dns?: DnsClient,
  ) {
    this.clock = phone.clock;
    this.transactions = new ClientTransactions(wire, networkClock(this.clock));
    const locator = dns && new ServerLocator(dns, this.clock);
    this.registrations = new LineRegistrations(phone, wire, this.transactions, this.userAgent, locator && ((q) => locator.locate(q)));
    this.watches = new BlfWatches(phone, wire, this.transactions, this.registrations, this.userAgent);
    this.notifier = new DialogNotifier({
      phone,
      wire,
      transactions: this.transactions,
      clock: this.clock,
      userAgent: this.userAgent,
      aor: (n) => {
        const plan = this.registrations.get(n)?.plan;
        return plan && `sip:${plan.user}@${plan.domain}`;
      },
      trusted: (n, src) => this.registrations.registeredWith(n, src.address, src.port, src.transport),
      policy: (n) => retryPolicy(phone, n, phone.lines.get(n).servers[0]?.index ?? 1),
      callDialog: (callId) => {
        const d = this.calls.get(callId)?.dialog;
        return d && { callId: d.callId, localTag: d.localTag, remoteTag: d.remoteTag, remoteUri: d.remoteUri };
      },
    });
    this.inbound = new InboundRequests({
      phone,
      registrations: this.registrations,
      calls: this.calls,
      userAgent: this.userAgent,
      watches: this.watches,
      notifier: this.notifier,
      room: () => this.callCount < MAX_CALLS,
      capabilities: () => this.capabilities(),
      env: (n) => this.env(n),
      local: (transport) => wire.local(transport),
    });
  }

  private readonly onDown = (): void => this.halt(true);
  private readonly onConfig = (): void => {
    if (!this.running) return;
    this.registrations.plan();
    this.watches.plan();
    this.notifier.prune((n) => this.registrations.get(n) !== undefined);
  };
  private readonly onCalls = (): void => {
    if (this.running) this.notifier.callsChanged();
  };

  /** Starts with the listener open; after each reboot the listener says when it is open again (transportUp). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.phone.on('down', this.onDown);
    this.phone.on('config', this.onConfig);
    this.phone.on('calls', this.onCalls);
    // a line that registers (or stops being registered) starts (or stops) the busy lamp field's watches
    this.stopRegistrationWatch = this.phone.lines.onRegistrationChange(() => {
      if (this.running) this.watches.plan();
    });
    if (this.phone.isUp) this.transportUp();
  }

  transportUp(): void {
    if (!this.started || !this.phone.isUp) return;
    this.running = true;
    this.registrations.plan();
  }

  transportFailed(dest: Destination, why?: string): void {
    this.transactions.transportFailed(dest, why);
  }

  /**
   * Resolves once the unregistrations stop() sent have their answers, or none came (their client transactions
   * retransmit over UDP until the answer or timer F): the host waits for it, within a bound, before it closes the
   * listener they go out and come back on.
   */
  unregistered(): Promise<void> {
    return this.registrations.unregistered();
  }

  /** Unregisters every line and ends every dialog (the process is stopping). */
  stop(): void {
    this.started = false;
    this.phone.off('down', this.onDown);
    this.phone.off('config', this.onConfig);
    this.phone.off('calls', this.onCalls);
    this.stopRegistrationWatch?.();
    this.stopRegistrationWatch = undefined;
    this.halt(true);
  }

  private halt(unregister: boolean): void {
    this.running = false;
    // subscriptions end before the registrations that carry them
    this.watches.stopAll();
    this.notifier.stopAll();
    this.registrations.stopAll(unregister);
    for (const call of [...new Set(this.calls.values())]) call.receive({ type: 'ended' });
    this.calls.clear();
    for (const n of this.registrations.planned) this.phone.lines.setMessages(n, undefined);
    // Every transaction ends quietly 100 ms after the lines' Expires: 0 have their answers (or none came: timer F, or
    // the listener closing, ends them); before, one still waiting for its answer (a registrar slow under a burst
    // of a large fleet's unregistrations) would have nothing to take the answer, nor retransmit.
    if (unregister)
      void this.registrations.unregistered().then(() =>
        this.clock.schedule(100, () => {
          if (!this.running) this.transactions.clear();
        }),
      );
    this.phone.lines.registrationChanged();
  }

  get callCount(): number {
    return new Set(this.calls.values()).size;
  }

  get userAgent(): string {
    return sipUserAgent(this.phone.profile);
  }

  /** Whether line n registers with a real SIP server (not the built-in switchboard at the phone's own address). */
  owns(n: number): boolean {
    return this.registrations.owns(n);
  }

  /** How line n's registration stands (the phone's lines ask through the host's line router). */
  state(n: number): LineRegistrationView | undefined {
    return this.registrations.state(n);
  }

  /** bindRequired: a NOTIFY is taken only from a server one of the lines is registered with. */
  boundTo(address: string, port: number): boolean {
    return this.registrations.boundTo(address, port);
  }

  /** What the configuration switches on: session timers with voIpProt.SIP.keepalive.sessionTimers=1 (read per call). */
  private features(): Features {
    return { sessionTimers: this.phone.config.int('voIpProt.SIP.keepalive.sessionTimers') === 1 };
  }

  private env(n: number): CallEnv {
    const c = this.phone.config;
    const line = this.phone.lines.get(n);
    const server = line.servers[0]?.index ?? 1;
    const features = this.features();
    return {
      capabilities: capabilitiesOf(true, features),
      sessionTimers: features.sessionTimers ? SESSION_TIMER_POLICY : undefined,
      wire: this.wire,
      transactions: this.transactions,
      media: this.engine,
      rtpTally: this.rtp,
      userAgent: this.userAgent,
      localAddress: this.advertised,
      policy: retryPolicy(this.phone, n, server),
      ports: this.mediaPorts(),
      codecs: codecPreference({
        G722: c.int('voice.codecPref.G722'),
        G711Mu: c.int('voice.codecPref.G711Mu'),
        G711A: c.int('voice.codecPref.G711A'),
      }),
      srtp: srtpPolicy({
        enable: c.bool('sec.srtp.enable'),
        offer: c.bool('sec.srtp.offer'),
        require: c.bool('sec.srtp.require'),
        offer80: c.bool('sec.srtp.offer.HMAC_SHA1_80'),
        offer32: c.bool('sec.srtp.offer.HMAC_SHA1_32'),
        requireMatchingTag: c.bool('sec.srtp.requireMatchingTag'),
      }),
      dtmf: {
        info: c.bool('voIpProt.SIP.dtmfViaSignaling.rfc2976') || !this.engine,
        payload: c.int('tone.dtmf.rfc2833Payload'),
        onMs: c.int('tone.dtmf.onTime'),
        offMs: c.int('tone.dtmf.offTime'),
      },
      auth: { user: line.userId, password: c.value(`reg.${n}.auth.password`) },
      schedule: (ms, fn) => this.clock.schedule(ms, fn),
      forget: (call) => {
        for (const [k, v] of this.calls) if (v === call) this.calls.delete(k);
      },
      referring: (call, fn) => this.referrals.during(call, fn),
      referAllowed: (uri) => referTargetAllowed(c.value('call.transfer.allowedTargets'), uri),
      onProgress: (call, status, reason) => this.referrals.progress(call, status, reason),
      message: (req) => takeMessage(this.phone, n, req),
    };
  }

  /** The pool tcpIpApp.port.rtp.mediaPortRangeStart sets (a new one when the start changes); none when unset. */
  private mediaPorts(): MediaPorts | undefined {
    const start = poolStart(this.phone.config.value('tcpIpApp.port.rtp.mediaPortRangeStart'));
    if (start === undefined) return (this.ports = undefined);
    if (this.ports?.start !== start) this.ports = new MediaPorts(start);
    return this.ports;
  }

  /**
   * What the phone says it supports: the full set once a line registers with a SIP server, with what the
   * configuration switches on (capabilities.ts).
   */
  capabilities(): Capabilities {
    return capabilitiesOf(this.running && this.registrations.size > 0, this.features());
  }

  /**
   * Sends an instant message from line n to `to` (a SIP URI, or a number at the line's domain) through the line's
   * registrar; resolves with the final status. A line without a SIP server, a bad target or a text over
   * MESSAGE_BODY_MAX bytes is refused before anything is sent (a 4xx of our own, with `local` set).
   */
  async sendMessage(n: number, to: string, text: string): Promise<{ status: number; reason: string; local?: true }> {
    const reg = this.registrations.get(n);
    const target = reg?.registeredWith ?? reg?.plan.servers[0];
    if (!this.running || !reg || !target) return { status: 404, reason: 'line not on a SIP server', local: true };
    const uri = messageTarget(to, reg.plan.domain);
    if (!uri) return { status: 400, reason: 'not a SIP URI or number', local: true };
    if (Buffer.byteLength(text, 'utf8') > MESSAGE_BODY_MAX) return { status: 413, reason: `over ${MESSAGE_BODY_MAX} bytes`, local: true };
    const answer = await sendMessage(
      {
        transactions: this.transactions,
        dest: target.dest,
        policy: target.policy,
        aor: `sip:${reg.plan.user}@${reg.plan.domain}`,
        displayName: reg.plan.displayName,
        domain: reg.plan.domain,
        userAgent: this.userAgent,
        auth: { user: reg.plan.authUser, password: reg.plan.password },
      },
      uri,
      text,
    );
    if (answer.status >= 200 && answer.status < 300) this.phone.messages.sent(n, uri, text);
    return answer;
  }

  /** A call out on a SIP line: INVITE through the line's server (its outbound proxy). */
  connect(dest: string, offer: Offer): { inbox: Inbox; party: Party } {
    const n = offer.line as number;
    const reg = this.registrations.get(n);
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
    this.referrals.placed(call);
    return { inbox: call, party };
  }

  /**
   * The dialogs the user agent keeps, one each: the Call-IDs it keeps it under (its own; a replacing dialog also the
   * one it replaced, which the phone's call goes on under), its state, and whether its RTP session is open.
   */
  dialogs(): DialogView[] {
    const ids = new Map<SipCall, string[]>();
    for (const [id, call] of this.calls) ids.set(call, [...(ids.get(call) ?? []), id]);
    return [...ids].map(([call, callIds]) => ({ callIds, state: call.state, media: call.mediaOpen }));
  }

  /** RTP sessions open in the process's media engine (shared by its phones), sending or not. */
  get rtpSessions(): number {
    return this.engine?.openSessions ?? 0;
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

  /** A request for the user agent (calls and their dialogs); false when it is none of its business (inbound-requests.ts). */
  onRequest(req: SipRequest, ctx: InboundContext): boolean {
    return this.running && this.inbound.route(req, ctx);
  }
}
