/**
 * What the SIP sockets hand on: each message that arrived (on a listening socket or on a connection the phone
 * opened), the listener being open, and a connection failing. The endpoint (sip-endpoint.ts) takes them.
 */
import type { Destination, SipTransportName } from '../../sip/codec/destination.js';

/** How to answer on the way a message came: its socket or its connection. */
export interface Sender {
  readonly transport: SipTransportName;
  send(buf: Buffer): void;
}

export interface Arrival {
  /** Came as a UDP datagram (Content-Length optional, retransmissions possible). */
  readonly datagram: boolean;
  readonly sender: Sender;
  readonly address: string;
  readonly port: number;
}

export interface SipReceiver {
  receive(raw: Buffer, arrival: Arrival): void;
  /** The listener is open (again) on this address and port. */
  opened(local: { readonly address: string; readonly port: number }): void;
  /** A send to this hop failed or a connection the phone opened there closed (`why`: how, when known): its transactions end. */
  failed(dest: Destination, why?: string): void;
}
