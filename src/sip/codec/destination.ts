/** Where a SIP message goes or came from: the hop's transport, host and port. Shared by the transport and the user agent. */
export type SipTransportName = 'UDP' | 'TCP' | 'TLS';

export interface Destination {
  readonly transport: SipTransportName;
  readonly host: string;
  readonly port: number;
}
