/**
 * The requests a call sends inside its dialog: through the first route or to the remote target, with a 401 or 407
 * answered once with credentials (servers that authenticate REFER or re-INVITE ask so), and the ACK of a 2xx, which
 * is no transaction of its own (RFC 3261 13.2.2.4).
 */
import { randomBytes } from 'node:crypto';
import { SipHeaders, writeSip } from './codec/message.js';
import type { SipResponse } from './codec/message.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import type { Dialog } from './dialog.js';
import { authorization, pickChallenge } from './digest.js';
import { hostPort } from './name-addr.js';
import type { Destination, SipWire } from './wire.js';

export interface RequestEnv {
  readonly wire: SipWire;
  readonly transactions: ClientTransactions;
  readonly policy: RetryPolicy;
  readonly userAgent: string;
  readonly auth: { readonly user: string; readonly password: string };
}

type Header = readonly [string, string];

const timedOut = (): SipResponse => ({
  kind: 'response',
  status: 408,
  reason: 'Request Timeout',
  headers: new SipHeaders(),
  body: Buffer.alloc(0),
});

/** The CSeq number of a message. */
export const cseqOf = (res: SipResponse): number => Number((res.headers.get('cseq') ?? '').trim().split(/\s+/)[0]);

export class DialogRequests {
  constructor(
    private readonly env: RequestEnv,
    private readonly dialog: Dialog,
    private readonly fallback: Destination,
  ) {}

  /** Where in-dialog requests go: the first route, the remote target, or (before either is known) the call's server. */
  get dest(): Destination {
    return this.dialog.destination(this.fallback.transport) ?? this.fallback;
  }

  /** Our Contact in this dialog: the local user at the address and port we listen on for the call's transport. */
  contact(): string {
    const local = this.env.wire.local(this.fallback.transport);
    const user = this.dialog.local?.user ?? '';
    const tp = this.fallback.transport === 'UDP' ? '' : `;transport=${this.fallback.transport.toLowerCase()}`;
    return `<sip:${user ? `${user}@` : ''}${hostPort(local.host, local.port)}${tp}>`;
  }

  /** Sends `method` with a new CSeq; onFinal gets the final answer (a 408 of our own when none came). */
  send(method: string, extra: readonly Header[], body?: Buffer, onFinal?: (res: SipResponse) => void, credentials?: Header): void {
    const headers = [
      ...this.dialog.headers(method),
      ...extra,
      ...(credentials ? [credentials] : []),
      ['User-Agent', this.env.userAgent] as const,
    ];
    const uri = this.dialog.remoteTarget;
    this.env.transactions.send(
      { method, uri, headers, body },
      this.dest,
      {
        final: (res) => {
          if ((res.status === 401 || res.status === 407) && !credentials) {
            const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
            if (challenge) {
              this.send(method, extra, body, onFinal, [
                res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
                authorization(challenge, this.env.auth.user, this.env.auth.password, method, uri),
              ]);
              return;
            }
          }
          onFinal?.(res);
        },
        timeout: () => onFinal?.(timedOut()),
      },
      this.env.policy,
    );
  }

  /** The ACK of a 2xx to the INVITE with CSeq `cseq` (with that INVITE's credentials, if it carried any). */
  ack(cseq: number, extra: readonly Header[] = []): void {
    const dest = this.dest;
    const local = this.env.wire.local(dest.transport);
    this.env.wire.send(
      dest,
      writeSip(`ACK ${this.dialog.remoteTarget} SIP/2.0`, [
        ['Via', `SIP/2.0/${dest.transport} ${hostPort(local.host, local.port)};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`],
        ...this.dialog.headers('ACK', cseq),
        ...extra,
      ]),
    );
  }
}
