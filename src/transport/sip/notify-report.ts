/**
 * The report of a REST command sent in a SIP NOTIFY that failed (notify.ts): an INFO back to the NOTIFY's sender
 * with an application/poly-report+json body, as PVOS phones send it. It carries the NOTIFY's Call-ID and tags, so
 * that the sender can match the report to its command.
 */
import { randomBytes } from 'node:crypto';
import type { SipRequest } from '../../sip/codec/message.js';
import { writeSip } from '../../sip/codec/message.js';
import type { SipTransportName } from '../../sip/codec/destination.js';
import type { CommandReport } from './notify.js';

export interface ReportOrigin {
  /** The transport the NOTIFY came by (the INFO goes back the same way). */
  readonly transport: SipTransportName;
  /** The listener's address and port (the INFO's Via and Contact). */
  readonly address: string;
  readonly port: number;
  /** The user part of the Contact: line 1's number. */
  readonly user: string;
  /** The To-tag the NOTIFY was answered with (used when its To has none). */
  readonly toTag: string;
  readonly cseq: number;
}

export function notifyReport(notify: SipRequest, report: CommandReport, origin: ReportOrigin): Buffer {
  const host = origin.address.includes(':') ? `[${origin.address}]` : origin.address;
  const from = notify.headers.get('from') ?? '';
  const to = notify.headers.get('to') ?? '';
  const target = /<([^>]+)>/.exec(from)?.[1] ?? from.split(';')[0] ?? '';
  const body = Buffer.from(JSON.stringify(report), 'utf8');
  return writeSip(
    `INFO ${target} SIP/2.0`,
    [
      ['Via', `SIP/2.0/${origin.transport} ${host}:${origin.port};branch=z9hG4bK${randomBytes(8).toString('hex')}`],
      ['Max-Forwards', '70'],
      ['From', `${to}${/;\s*tag=/i.test(to) ? '' : `;tag=${origin.toTag}`}`],
      ['To', from],
      ['Call-ID', notify.headers.get('call-id') ?? ''],
      ['CSeq', `${origin.cseq} INFO`],
      ['Contact', `<sip:${origin.user}@${host}:${origin.port}>`],
      ['Content-Type', 'application/poly-report+json'],
    ],
    body,
  );
}
