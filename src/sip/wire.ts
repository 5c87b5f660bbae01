/** What the SIP user agent needs from its transport: send a message somewhere, and say where it listens. */
export type SipTransportName = 'UDP' | 'TCP' | 'TLS';

export interface Destination {
  readonly transport: SipTransportName;
  readonly host: string;
  readonly port: number;
}

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
