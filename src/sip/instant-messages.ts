/**
 * Instant messages (SIP MESSAGE, RFC 3428) both ways. One that arrives for a line, in a dialog or out of one, is
 * checked (text/plain only, 415 otherwise; at most MESSAGE_BODY_MAX bytes, 413 over it, as a MESSAGE must fit a
 * UDP datagram, RFC 3428 5) and kept in the phone's inbox (phone/messages.ts). One the phone sends goes out of
 * dialog through the line's registrar (its outbound proxy), answers a 401 or 407 once with the line's credentials,
 * and resolves with the final status the far end (or a proxy) gave, 408 when none came.
 */
import { randomBytes } from 'node:crypto';
import { MESSAGE_BYTES_MAX } from '../phone/messages.js';
import type { Phone } from '../phone/phone.js';
import type { SipRequest, SipResponse } from './codec/message.js';
import type { ClientTransactions, RetryPolicy } from './client-transactions.js';
import { newTag } from './dialog.js';
import { authorization, pickChallenge } from './digest.js';
import { parseNameAddr, quoteName } from './name-addr.js';
import type { Destination } from './wire.js';

/** The largest MESSAGE body taken or sent, in bytes (RFC 3428 5: within the path MTU less 200 bytes for headers). */
export const MESSAGE_BODY_MAX = MESSAGE_BYTES_MAX;

type Header = readonly [string, string];

export interface MessageAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers?: readonly Header[];
}

/** Takes a MESSAGE that arrived for `line` into the phone's inbox; the answer to give it. */
export function takeMessage(phone: Phone, line: number, req: SipRequest): MessageAnswer {
  if (req.body.length > MESSAGE_BODY_MAX) return { status: 413, reason: 'Request Entity Too Large' };
  const type = (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const encoding = (req.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (type !== 'text/plain' || encoding !== 'identity')
    return {
      status: 415,
      reason: 'Unsupported Media Type',
      headers: [
        ['Accept', 'text/plain'],
        ['Accept-Encoding', 'identity'],
      ],
    };
  const from = parseNameAddr(req.headers.get('from') ?? '');
  phone.messages.receive(line, from.uri, from.name, req.body.toString('utf8'));
  return { status: 200, reason: 'OK' };
}

/** What sending needs: the line's address, where its requests go, its credentials, and the transactions. */
export interface MessageRoute {
  readonly transactions: ClientTransactions;
  readonly dest: Destination;
  readonly policy: RetryPolicy;
  /** sip:user@domain of the line. */
  readonly aor: string;
  readonly displayName: string;
  readonly domain: string;
  readonly userAgent: string;
  readonly auth: { readonly user: string; readonly password: string };
}

/** The Request-URI a MESSAGE goes to: a SIP URI as given, else a number or user at the line's domain. */
export function messageTarget(to: string, domain: string): string | undefined {
  const t = to.trim();
  if (/^sips?:[^\s<>"]+$/i.test(t)) return t;
  if (/^[^\s<>"@:;]+(@[^\s<>";]+)?$/.test(t)) return `sip:${t.includes('@') ? t : `${t}@${domain}`}`;
  return undefined;
}

/** Sends one MESSAGE; resolves with the final answer's status and reason (408 when none came in time). */
export function sendMessage(route: MessageRoute, uri: string, text: string): Promise<{ status: number; reason: string }> {
  const body = Buffer.from(text, 'utf8');
  const callId = `${randomBytes(12).toString('hex')}@${route.domain}`;
  const tag = newTag();
  let cseq = 1;
  return new Promise((resolve) => {
    const send = (credentials?: Header): void => {
      const headers: Header[] = [
        ['Max-Forwards', '70'],
        ['From', `${quoteName(route.displayName)}<${route.aor}>;tag=${tag}`],
        ['To', `<${uri}>`],
        ['Call-ID', callId],
        ['CSeq', `${cseq} MESSAGE`],
        ...(credentials ? [credentials] : []),
        ['User-Agent', route.userAgent],
        ['Content-Type', 'text/plain;charset=UTF-8'],
      ];
      route.transactions.send(
        { method: 'MESSAGE', uri, headers, body },
        route.dest,
        {
          final: (res: SipResponse) => {
            if ((res.status === 401 || res.status === 407) && !credentials) {
              const challenge = pickChallenge(res.headers.all(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
              if (challenge) {
                cseq++;
                send([
                  res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
                  authorization(challenge, route.auth.user, route.auth.password, 'MESSAGE', uri),
                ]);
                return;
              }
            }
            resolve({ status: res.status, reason: res.reason });
          },
          timeout: () => resolve({ status: 408, reason: 'Request Timeout' }),
        },
        route.policy,
      );
    };
    send();
  });
}
