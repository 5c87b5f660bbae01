/**
 * What the two ends of a call tell each other, whatever carries it (another phone of the process, a scripted far
 * end, later SIP). Each end has an inbox; a call holds the inbox of its far end.
 */
export type Signal =
  | { readonly type: 'ringing' }
  | { readonly type: 'answered' }
  | { readonly type: 'rejected'; readonly reason: 'busy' | 'declined' | 'not-found' | 'no-answer' }
  | { readonly type: 'ended' }
  | { readonly type: 'hold' }
  | { readonly type: 'resume' }
  | { readonly type: 'dtmf'; readonly digits: string }
  /**
   * Blind transfer: the receiver is asked to call `target` and leave this call. With referrerStays the sender stays
   * on the call until it knows how the new call went (referred-transfers.ts); without, it has left already.
   */
  | { readonly type: 'refer'; readonly target: string; readonly referrerStays?: boolean }
  /** Warm transfer: the receiver's far end is now `inbox` (presenting `party`), the transferring phone leaves. */
  | { readonly type: 'replace'; readonly inbox: Inbox; readonly party: Party };

export interface Inbox {
  receive(signal: Signal): void;
}

/** Who is calling or called, as the far end presents itself. */
export interface Party {
  readonly number: string;
  readonly name: string;
  /** The address media and signalling come from. */
  readonly address: string;
}

export interface Offer {
  readonly from: Party;
  /** The SIP Call-ID shared by both ends. */
  readonly callId: string;
  /** The caller's inbox. */
  readonly caller: Inbox;
  /** The caller's line (a network may route lines differently: the switchboard, or a SIP server). */
  readonly line?: number;
}

/** What a call's media carried, counted from the packets (a network with real RTP reports it). */
export interface MediaCounters {
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly packetsReceived: number;
  readonly octetsReceived: number;
  readonly packetsExpected: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  readonly maxJitterMs: number;
  /** What the call's RTP carries: G.711 µ-law or A-law, or G.722. */
  readonly codec: 'PCMU' | 'PCMA' | 'G722';
  /** The local RTP port (RTCP is the one above). */
  readonly localPort: number;
  /** The share of our packets the far end lost (0..1), from its last RTCP report; undefined before one came. */
  readonly farEndLoss?: number | undefined;
  /** Whether the media is encrypted and authenticated (SRTP). */
  readonly secure?: boolean;
}

/** The virtual network a phone dials into (src/network implements it). */
export interface CallNetwork {
  /**
   * Offers a call to `dest`. Returns the callee's inbox and how it presents itself; the callee answers through
   * `offer.caller` (ringing, answered, rejected...), possibly before this returns.
   */
  connect(dest: string, offer: Offer): { readonly inbox: Inbox; readonly party: Party };
  /** The media counters of a call (by its Call-ID), when this network carries real media for it. */
  media?(callId: string): MediaCounters | undefined;
}
