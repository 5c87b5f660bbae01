/** A SIP dialog's state (RFC 3261 12): identifiers, sequence numbers, remote target and route set. */
import type { SipRequest, SipResponse } from './codec/message.js';
import { parseNameAddr, parseUri, splitList } from './name-addr.js';
import type { SipUri } from './name-addr.js';
import type { Destination, SipTransportName } from './wire.js';

export { newTag } from './codec/message.js';

export class Dialog {
  remoteTag = '';
  remoteTarget: string;
  routeSet: string[] = [];
  remoteSeq = -1;
  localSeq: number;

  constructor(
    readonly callId: string,
    readonly localTag: string,
    /** From of our requests (our address of record) and To of them (theirs), as name-addrs without tags */
    readonly localUri: string,
    readonly remoteUri: string,
    remoteTarget: string,
    localSeq = 1,
  ) {
    this.remoteTarget = remoteTarget;
    this.localSeq = localSeq;
  }

  /** Our own address of record in this dialog (From of our requests), parsed. */
  get local(): SipUri | undefined {
    return parseUri(parseNameAddr(this.localUri).uri);
  }

  /** UAC side: the dialog as a 2xx (or 1xx with a tag) sets it up. */
  fromResponse(res: SipResponse): void {
    this.remoteTag = parseNameAddr(res.headers.get('to') ?? '').params['tag'] ?? this.remoteTag;
    const contact = res.headers.get('contact');
    if (contact) this.remoteTarget = parseNameAddr(splitList(contact)[0] ?? contact).uri;
    const rr = res.headers.all('record-route').flatMap(splitList);
    if (rr.length > 0) this.routeSet = rr.reverse();
  }

  /**
   * A target refresh (RFC 3261 12.2.1.2 and 12.2.2, RFC 3311 5.2): the Contact of an accepted re-INVITE or UPDATE, or
   * of the 2xx that accepts ours, is the new remote target.
   */
  refreshTarget(message: SipRequest | SipResponse): void {
    const contact = message.headers.get('contact');
    const uri = contact && parseNameAddr(splitList(contact)[0] ?? contact).uri;
    if (uri && parseUri(uri)) this.remoteTarget = uri;
  }

  /** UAS side: the dialog as the INVITE sets it up. */
  static fromRequest(req: SipRequest, localTag: string, localUri: string): Dialog {
    const from = parseNameAddr(req.headers.get('from') ?? '');
    const contact = req.headers.get('contact');
    const target = contact ? parseNameAddr(splitList(contact)[0] ?? contact).uri : from.uri;
    const d = new Dialog(req.headers.get('call-id') ?? '', localTag, localUri, `<${from.uri}>`, target, 1);
    d.remoteTag = from.params['tag'] ?? '';
    d.routeSet = req.headers.all('record-route').flatMap(splitList);
    d.remoteSeq = Number((req.headers.get('cseq') ?? '').split(/\s+/)[0]);
    return d;
  }

  /** Where in-dialog requests go: the first route (loose routing), else the remote target. */
  destination(fallback: SipTransportName): Destination | undefined {
    const first = this.routeSet[0];
    const uri = parseUri(first ? parseNameAddr(first).uri : this.remoteTarget);
    if (!uri) return undefined;
    const tp = (uri.params['transport'] ?? '').toUpperCase();
    const transport: SipTransportName =
      tp === 'TCP' ? 'TCP' : tp === 'TLS' ? 'TLS' : tp === 'UDP' ? 'UDP' : uri.scheme === 'sips' ? 'TLS' : fallback;
    return { transport, host: uri.host, port: uri.port ?? (transport === 'TLS' ? 5061 : 5060) };
  }

  /** The headers of an in-dialog request (12.2.1.1), CSeq taken from localSeq (incremented unless given). */
  headers(method: string, cseq?: number): [string, string][] {
    const seq = cseq ?? ++this.localSeq;
    return [
      ['Max-Forwards', '70'],
      ['From', `${this.localUri};tag=${this.localTag}`],
      ['To', `${this.remoteUri}${this.remoteTag ? `;tag=${this.remoteTag}` : ''}`],
      ['Call-ID', this.callId],
      ['CSeq', `${seq} ${method}`],
      ...this.routeSet.map((r) => ['Route', r] as [string, string]),
    ];
  }
}
