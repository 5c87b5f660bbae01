/**
 * Which dialog or line a request that arrives belongs to: a new INVITE to one of the SIP lines (a call in, or one
 * that replaces a call, RFC 3891), a request inside one of the user agent's dialogs (taken only from the dialog's
 * peer), a CANCEL or ACK, a voicemail server's message summary (message-waiting.ts), an instant message for a line
 * (instant-messages.ts), OPTIONS (capabilities.ts), a SUBSCRIBE to a line's dialog state and its refreshes
 * (dialog-notifier.ts), a NOTIFY of a busy lamp field key's subscription (blf-watches.ts), and a request of a
 * dialog that is over (481 whatever its method); what is none of these is left to the listener's caller (NOTIFY
 * with ACTION-URI, INFO, refusals).
 */
import type { Party } from '../phone/calls/signal.js';
import type { Phone } from '../phone/phone.js';
import type { SipRequest } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { badExtension, optionsHeaders, unsupportedRequired } from './codec/capabilities.js';
import type { Capabilities } from './codec/capabilities.js';
import { Dialog, newTag } from './dialog.js';
import type { BlfWatches } from './blf-watches.js';
import type { DialogNotifier } from './dialog-notifier.js';
import { takeMessage } from './instant-messages.js';
import { IncomingCall } from './incoming-call.js';
import type { LineRegistrations } from './line-registrations.js';
import { messageSummary } from './message-waiting.js';
import { hostPort, parseNameAddr, parseUri, tagOf } from './name-addr.js';
import type { CallEnv, SipCall, UasSource } from './sip-call.js';
import type { Destination, SipTransportName } from './wire.js';

export interface InboundContext {
  readonly reply: (buf: Buffer) => void;
  readonly transport: SipTransportName;
  readonly address: string;
  readonly port: number;
}

/** What routing needs of its user agent. */
export interface InboundEnv {
  readonly phone: Phone;
  readonly registrations: LineRegistrations;
  /** The user agent's calls by Call-ID (a replacing call is also kept under the Call-ID it replaced). */
  readonly calls: Map<string, SipCall>;
  readonly userAgent: string;
  /** The busy lamp field keys' subscriptions, and the subscriptions to the lines' dialog state. */
  readonly watches: BlfWatches;
  readonly notifier: DialogNotifier;
  /** Whether another call may begin (the user agent's bound on calls). */
  room(): boolean;
  /** What the phone says it supports now (capabilities.ts). */
  capabilities(): Capabilities;
  env(line: number): CallEnv;
  /** Where the phone listens over `transport` (an OPTIONS answer's Contact). */
  local(transport: SipTransportName): { readonly host: string; readonly port: number };
}

/** Recent MESSAGE answers kept to answer a retransmission again without keeping the message twice. */
const RECENT_MESSAGES = 64;

export class InboundRequests {
  private readonly recentMessages = new Map<string, Buffer>();

  constructor(private readonly ua: InboundEnv) {}

  /** A request for the user agent (calls and their dialogs); false when it is none of its business. */
  route(req: SipRequest, ctx: InboundContext): boolean {
    const calls = this.ua.calls;
    const callId = req.headers.get('call-id') ?? '';
    const toTag = tagOf(req.headers.get('to'));
    const call = calls.get(callId);
    if (req.method === 'INVITE' && !toTag) {
      if (call && call.role === 'uas') {
        call.onRetransmittedInvite();
        return true;
      }
      return this.incoming(req, ctx);
    }
    if (req.method === 'NOTIFY' && /^message-summary/i.test(req.headers.get('event') ?? '')) return this.messageSummary(req, ctx);
    if (req.method === 'CANCEL' || req.method === 'ACK') {
      if (!call && req.method === 'CANCEL' && this.ua.registrations.size > 0) {
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
    if (!toTag) {
      if (this.ua.registrations.size === 0) return false; // no SIP lines: the listener's (REST over NOTIFY)
      if (req.method === 'OPTIONS') return this.options(req, ctx);
      if (req.method === 'MESSAGE') return this.message(req, ctx);
      if (req.method === 'SUBSCRIBE') return this.subscribe(req, ctx);
      return false; // NOTIFY (ACTION-URI), INFO, and the refusals: the listener's
    }
    if (call && call.dialog.localTag === toTag) {
      // a request of the dialog from elsewhere than its peer (a BYE or INFO injected by a third party) is refused
      if (!call.fromPeer(ctx.transport, ctx.address, ctx.port)) ctx.reply(responseTo(req, 403, 'Forbidden', toTag));
      else call.onRequest(req, ctx.reply);
      return true;
    }
    // a busy lamp field key's subscription, or a watcher's of a line
    if (req.method === 'NOTIFY' && this.ua.watches.onNotify(req, ctx, ctx.reply)) return true;
    if (req.method === 'SUBSCRIBE' && this.ua.notifier.onSubscribe(req, ctx.reply)) return true;
    // a REST command in NOTIFY may carry a To-tag of its own: the listener's
    if (req.method === 'NOTIFY' && /^\s*action-uri\b/i.test(req.headers.get('event') ?? '')) return false;
    // a dialog that is over (or never was): 481 whatever the method (RFC 3261 12.2.2)
    ctx.reply(responseTo(req, 481, 'Call/Transaction Does Not Exist', toTag));
    return true;
  }

  /** OPTIONS out of a dialog: 200 with what the phone supports, as a Poly phone answers it (capabilities.ts). */
  private options(req: SipRequest, ctx: InboundContext): boolean {
    const bad = unsupportedRequired(req, this.ua.capabilities());
    if (bad.length > 0) {
      const refusal = badExtension(bad);
      ctx.reply(responseTo(req, refusal.status, refusal.reason, newTag(), [...refusal.headers, ['User-Agent', this.ua.userAgent]]));
      return true;
    }
    const n = this.lineFor(req);
    const user = n === undefined ? '' : (this.ua.phone.lines.get(n).address.split('@')[0] ?? '');
    const local = this.ua.local(ctx.transport);
    const tp = ctx.transport === 'UDP' ? '' : `;transport=${ctx.transport.toLowerCase()}`;
    ctx.reply(
      responseTo(req, 200, 'OK', newTag(), [
        ['Contact', `<sip:${user ? `${user}@` : ''}${hostPort(local.host, local.port)}${tp}>`],
        ...optionsHeaders(this.ua.capabilities()),
        ['User-Agent', this.ua.userAgent],
      ]),
    );
    return true;
  }

  /** An instant message out of a dialog, for one of the lines (instant-messages.ts); a retransmission is answered again. */
  private message(req: SipRequest, ctx: InboundContext): boolean {
    const key = `${req.headers.get('call-id') ?? ''}|${req.headers.get('cseq') ?? ''}|${ctx.address}`;
    const seen = this.recentMessages.get(key);
    if (seen) {
      ctx.reply(seen);
      return true;
    }
    const n = this.lineFor(req);
    const tag = newTag();
    const bad = unsupportedRequired(req, this.ua.capabilities());
    const answer =
      n === undefined ? { status: 404, reason: 'Not Found' } : bad.length > 0 ? badExtension(bad) : takeMessage(this.ua.phone, n, req);
    const buf = responseTo(req, answer.status, answer.reason, tag, [...(answer.headers ?? []), ['User-Agent', this.ua.userAgent]]);
    this.recentMessages.set(key, buf);
    if (this.recentMessages.size > RECENT_MESSAGES) this.recentMessages.delete(this.recentMessages.keys().next().value as string);
    ctx.reply(buf);
    return true;
  }

  /** A SUBSCRIBE out of dialog: to one of the lines' dialog state (dialog-notifier.ts), else 404. */
  private subscribe(req: SipRequest, ctx: InboundContext): boolean {
    const n = this.lineFor(req);
    if (n === undefined) ctx.reply(responseTo(req, 404, 'Not Found', newTag(), [['User-Agent', this.ua.userAgent]]));
    else this.ua.notifier.subscribe(req, n, ctx, ctx.reply);
    return true;
  }

  /** A voicemail server's summary (message-waiting.ts), taken only from the server the line is registered with. */
  private messageSummary(req: SipRequest, ctx: InboundContext): boolean {
    const n = this.lineFor(req);
    if (n === undefined) return false;
    const trusted = this.ua.registrations.registeredWith(n, ctx.address, ctx.port, ctx.transport);
    ctx.reply(messageSummary(req, trusted, (summary) => this.ua.phone.lines.setMessages(n, summary), this.ua.userAgent));
    return true;
  }

  /** The line a request is for: the Request-URI's user (else the To user) among lines registered by SIP. */
  private lineFor(req: SipRequest): number | undefined {
    const users = [parseUri(req.uri)?.user, parseUri(parseNameAddr(req.headers.get('to') ?? '').uri)?.user].filter((u): u is string => !!u);
    for (const user of users) {
      for (const n of this.ua.registrations.lines()) {
        const line = this.ua.phone.lines.get(n);
        if (line.address.split('@')[0] === user || line.userId === user) return n;
      }
    }
    return undefined;
  }

  private incoming(req: SipRequest, ctx: InboundContext): boolean {
    const { phone, calls } = this.ua;
    const n = this.lineFor(req);
    const tag = newTag();
    if (n === undefined) {
      // not for one of our SIP lines: the switchboard's own numbers are not reachable by SIP
      if (this.ua.registrations.size === 0) return false;
      ctx.reply(responseTo(req, 404, 'Not Found', tag));
      return true;
    }
    const bad = unsupportedRequired(req, this.ua.capabilities());
    if (bad.length > 0) {
      const refusal = badExtension(bad);
      ctx.reply(responseTo(req, refusal.status, refusal.reason, tag, refusal.headers));
      return true;
    }
    if (!phone.isReady || !this.ua.room()) {
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
    const call = IncomingCall.create(this.ua.env(n), source, dialog, party, dest);
    if (!call) return true;
    calls.set(dialog.callId, call);
    const replaces = req.headers.get('replaces');
    if (replaces) {
      const [rid = '', ...params] = replaces.split(';').map((s) => s.trim());
      const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
      const old = calls.get(rid);
      if (!old || old.dialog.localTag !== p['to-tag'] || old.dialog.remoteTag !== p['from-tag'] || !old.peer) {
        call.receive({ type: 'rejected', reason: 'not-found' });
        return true;
      }
      // RFC 3891: the new dialog takes the old one's place; the phone's call goes on with a new far end
      call.peer = old.peer;
      old.replaced = true;
      calls.set(rid, call);
      call.receive({ type: 'answered' });
      old.peer.receive({ type: 'replace', inbox: call, party });
      old.receive({ type: 'ended' });
      return true;
    }
    call.peer = phone.calls.incoming(n, { from: party, callId: dialog.callId, caller: call, line: n });
    return true;
  }
}
