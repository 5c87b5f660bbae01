/**
 * A phone's call router, composed once by its host: per line, calls go to the SIP user agent when the line
 * registers with a real SIP server, else to the switchboard (the built-in call server of polysim's virtual
 * network). The same choice answers how a line's registration stands: the user agent's view for its lines, none
 * for the switchboard's (lines.ts). The phone is given the router at construction, as its network and its
 * registration source.
 */
import type { CallNetwork, Inbox, MediaCounters, Offer, Party } from '../phone/calls/signal.js';
import type { LineRegistrationView, RegistrationSource } from '../phone/lines.js';

/** What the router needs of the SIP user agent: which lines it owns, their calls and their registrations. */
export interface SipLines extends RegistrationSource {
  owns(line: number): boolean;
  connect(dest: string, offer: Offer): { readonly inbox: Inbox; readonly party: Party };
  media(callId: string): MediaCounters | undefined;
}

export class LineRouter implements CallNetwork, RegistrationSource {
  private sip: SipLines | undefined;

  constructor(private readonly switchboard: CallNetwork) {}

  /**
   * The SIP user agent, given once. It cannot come through the constructor: the user agent drives the phone (its
   * lines, config and calls), so it is made after the phone, which is made with this router. The host gives it
   * before the phone starts; until then (and for a phone without SIP) every line is the switchboard's.
   */
  attach(sip: SipLines): void {
    if (this.sip) throw new Error('the line router has its SIP user agent already');
    this.sip = sip;
  }

  connect(dest: string, offer: Offer): { readonly inbox: Inbox; readonly party: Party } {
    return offer.line !== undefined && this.sip?.owns(offer.line) ? this.sip.connect(dest, offer) : this.switchboard.connect(dest, offer);
  }

  media(callId: string): MediaCounters | undefined {
    return this.sip?.media(callId) ?? this.switchboard.media?.(callId);
  }

  state(line: number): LineRegistrationView | undefined {
    return this.sip?.state(line);
  }
}
