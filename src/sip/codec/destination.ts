/** Where a SIP message goes or came from: the hop's transport, host and port. Shared by the transport and the user agent. */
export type SipTransportName = 'UDP' | 'TCP' | 'TLS';

export interface Destination {
  readonly transport: SipTransportName;
  readonly host: string;
  readonly port: number;
  /**
   * The name the hop was found from (a registrar's host name, when DNS gave `host`): over TLS the name sent in SNI
   * and checked against the server's certificate. Absent: `host` itself.
   */
  readonly serverName?: string;
}
