/**
 * REST commands in SIP NOTIFY (manual: "Delivering REST API Commands Over SIP"): the request's checks, each with
 * its SIP answer, then the command itself through the same operation table as HTTP. A command that fails is
 * reported back to the sender in a SIP INFO with an application/poly-report+json body, as PVOS phones do.
 */
import { dispatch, extractInput } from '../../api/dispatch.js';
import type { Outcome } from '../../api/dispatch.js';
import { operationAt } from '../../api/index.js';
import { restApiOn } from '../../gate/gate.js';
import type { Phone } from '../../phone/phone.js';
import { statusText } from '../../phone/status.js';
import type { SipRequest } from './message.js';

export interface SipAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers?: readonly (readonly [string, string])[];
}

export interface NotifyVerdict {
  readonly answer: SipAnswer | undefined;
  /** The accepted command, to run once the answer has gone. */
  readonly command?: () => Promise<CommandReport | undefined>;
}

/** What a failed command reports back (the INFO's JSON body). */
export interface CommandReport {
  readonly 'command-URI': string;
  readonly Status: string;
  readonly Description: string;
  readonly 'NOTIFY-Call-ID': string;
}

const ALLOW: readonly [string, string] = ['Allow', 'NOTIFY, OPTIONS, INFO, ACK'];
const warn = (text: string): readonly [string, string] => ['Warning', `399 polysim "${text.replaceAll('"', "'")}"`];
const refuse = (status: number, reason: string, why: string, extra: readonly (readonly [string, string])[] = []): NotifyVerdict =>
  ({ answer: { status, reason, headers: [warn(why), ...extra] } });

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

export function handleSipRequest(phone: Phone, req: SipRequest): NotifyVerdict {
  const missing = REQUIRED.filter((h) => !req.headers.has(h));
  if (missing.length > 0) return refuse(400, 'Bad Request', `missing ${missing.join(', ')}`);
  if (!/^\d+\s+[A-Za-z]+$/.test(req.headers.get('cseq') ?? '')) return refuse(400, 'Bad Request', 'malformed CSeq');
  switch (req.method) {
    case 'ACK':
      return { answer: undefined };
    case 'OPTIONS':
      return { answer: { status: 200, reason: 'OK', headers: [ALLOW, ['Accept', 'application/json']] } };
    case 'NOTIFY':
      return notify(phone, req);
    case 'INFO':
      return { answer: { status: 200, reason: 'OK' } };
    default:
      return { answer: { status: 405, reason: 'Method Not Allowed', headers: [ALLOW] } };
  }
}

function notify(phone: Phone, req: SipRequest): NotifyVerdict {
  const event = (req.headers.get('event') ?? '').split(';')[0]?.trim().toLowerCase();
  if (event !== 'action-uri') return refuse(489, 'Bad Event', 'Event must be ACTION-URI', [['Allow-Events', 'ACTION-URI']]);
  const type = (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return refuse(415, 'Unsupported Media Type', 'Content-Type must be application/json', [['Accept', 'application/json']]);
  // UCS before 6.4.2 has no REST over SIP: it answers 200 and drops the command.
  if (!phone.profile.sipNotify) return { answer: { status: 200, reason: 'OK' } };
  if (phone.profile.family.platform === 'PVOS' && !restApiOn(phone)) return refuse(403, 'Forbidden', 'the REST API is off (apps.restapi.enabled=0)');
  if (!phone.config.bool('apps.restapi.sipNotify.enabled')) return refuse(403, 'Forbidden', 'REST over SIP is off (apps.restapi.sipNotify.enabled=0)');
  if (phone.config.bool('apps.restapi.sipNotify.bindRequired')) {
    return refuse(403, 'Forbidden', 'Bind required: the Bind format is proprietary; set apps.restapi.sipNotify.bindRequired=0');
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch {
    return refuse(400, 'Bad Request', 'the body is not JSON (or holds more than one command)');
  }
  if (Array.isArray(body)) return refuse(400, 'Bad Request', 'one command per NOTIFY');
  if (body === null || typeof body !== 'object') return refuse(400, 'Bad Request', 'the body must be a JSON object');
  const uri = (body as Record<string, unknown>)['command-URI'];
  if (typeof uri !== 'string' || uri.trim() === '') return refuse(400, 'Bad Request', 'no command-URI');
  const target = new URL(uri.trim(), 'http://phone');
  const op = operationAt(target.pathname);
  if (!op) return refuse(404, 'Not Found', `no command ${target.pathname}`);
  const query = Object.fromEntries(target.searchParams);
  const input = extractInput(op, { data: (body as Record<string, unknown>)['data'] }, query);
  const notifyCallId = req.headers.get('call-id') ?? '';
  return {
    answer: { status: 200, reason: 'OK' },
    command: async () => {
      const outcome: Outcome = await dispatch(op, phone, input, target.pathname, 'sip');
      if (outcome.kind === 'ok') {
        outcome.reply.after?.();
        return undefined;
      }
      const code = outcome.kind === 'absent' ? '4004' : outcome.code;
      return { 'command-URI': target.pathname, Status: code, Description: statusText[code], 'NOTIFY-Call-ID': notifyCallId };
    },
  };
}
