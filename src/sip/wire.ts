/** What the SIP user agent needs from its transport: send a message somewhere, and say where it listens. */
import type { Destination, SipTransportName } from './codec/destination.js';

export type { Destination, SipTransportName };

export interface SipWire {
  /** Sends a message; over TCP and TLS a connection is opened (and kept) when none is. Never throws. */
  send(dest: Destination, message: Buffer): void;
  /** The address and port this phone is reached at over `transport` (its Via sent-by and Contact). */
  local(transport: SipTransportName): { readonly host: string; readonly port: number };
  /** Whether host:port is this phone's own SIP listener (its built-in switchboard, not a SIP server). */
  listensOn(host: string, port: number): boolean;
}

/** A request to send: the transaction layer adds the Via and Content-Length. */
export interface OutRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

/**
 * Whether a message that arrived (by `transport` from `address`:`port`) came from the hop `dest` names: the same host
 * (localhost standing for 127.0.0.1), and over UDP the same port; over a stream the host alone (its source port is
 * the connection's).
 */
export function fromHop(dest: Destination, transport: SipTransportName, address: string, port: number): boolean {
  const sameHost = dest.host === address || (dest.host === 'localhost' && address === '127.0.0.1');
  return sameHost && (transport !== 'UDP' || dest.transport !== 'UDP' || dest.port === port);
}
