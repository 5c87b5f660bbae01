/**
 * REST commands in SIP NOTIFY (manual: "Delivering REST API Commands Over SIP"): the NOTIFY's own form (Event,
 * Content-Type, one JSON command), then the command through the phone's pipeline, as HTTP requests go, with SIP
 * NOTIFY's origin policy (its own switches, no login, no method check, 4009 for any oversize body). The adapter maps
 * the pipeline's Decision to SIP: a shut origin is 403 (or 200 and dropped, on firmware without REST over SIP), an
 * unknown command 404, an accepted one 200 at once; a command that then fails is reported back to the sender in a
 * SIP INFO with an application/poly-report+json body, as PVOS phones do.
 */
import { BODY_LIMIT, TOO_LARGE } from '../../api/body.js';
import { operationAt } from '../../api/index.js';
import type { OriginPolicy } from '../../gate/origin.js';
import type { Closed } from '../../gate/origin.js';
import type { PhonePipeline } from '../../gate/pipeline.js';
import { statusOf } from '../../gate/request.js';
import type { Decision } from '../../gate/request.js';
import { restApiOn } from '../../gate/rules.js';
import type { Phone } from '../../phone/phone.js';
import { statusText } from '../../phone/status.js';
import { badExtension, NOTIFY_CAPABILITIES, optionsHeaders, refusalOf, unsupportedRequired } from '../../sip/codec/capabilities.js';
import type { Capabilities } from '../../sip/codec/capabilities.js';
import type { SipRequest } from '../../sip/codec/message.js';

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

const warn = (text: string): readonly [string, string] => ['Warning', `399 polysim "${text.replaceAll('"', "'")}"`];
const refuse = (status: number, reason: string, why: string, extra: readonly (readonly [string, string])[] = []): NotifyVerdict => ({
  answer: { status, reason, headers: [warn(why), ...extra] },
});

/** The headers every request must carry (RFC 3261 8.1.1). */
export const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

/** The command-URI as a path and query, or undefined when it is not a URL (a bad command, answered 400). */
export function commandTarget(uri: string): URL | undefined {
  try {
    const url = new URL(uri, 'http://phone');
    return url.pathname.startsWith('/') ? url : undefined;
  } catch {
    return undefined;
  }
}

const NO_SIP_NOTIFY: Closed = { why: 'no REST over SIP on this firmware', ignore: true };
const REST_OFF: Closed = { why: 'the REST API is off (apps.restapi.enabled=0)' };
const NOTIFY_OFF: Closed = { why: 'REST over SIP is off (apps.restapi.sipNotify.enabled=0)' };
// bindRequired: only the call server a line is registered with may send commands (the Bind exchange itself is
// proprietary; being registered there stands in for it, docs/fidelity.md).
const UNBOUND: Closed = {
  why: 'Bind required: not from a server this phone is registered with; or set apps.restapi.sipNotify.bindRequired=0',
};

/** SIP NOTIFY's switches: UCS before 6.4.2 has no REST over SIP (it answers 200 and drops the command). */
function notifyClosed(phone: Phone, bound: boolean): Closed | undefined {
  if (!phone.profile.sipNotify) return NO_SIP_NOTIFY;
  if (phone.profile.family.platform === 'PVOS' && !restApiOn(phone)) return REST_OFF;
  if (!phone.config.bool('apps.restapi.sipNotify.enabled')) return NOTIFY_OFF;
  if (phone.config.bool('apps.restapi.sipNotify.bindRequired') && !bound) return UNBOUND;
  return undefined;
}

const OK: SipAnswer = { status: 200, reason: 'OK' };

/** The SIP answer to a NOTIFY whose command the pipeline refused before taking it (a shut origin, no such command). */
function refusal(d: Decision, path: string): NotifyVerdict {
  if (d.kind === 'closed') return d.ignore ? { answer: OK } : refuse(403, 'Forbidden', d.why);
  if (d.kind === 'absent') return refuse(404, 'Not Found', `no command ${path.slice(0, 200)}`);
  // Only the stages before acceptance answer synchronously without taking the request; nothing else comes here.
  return { answer: OK };
}

/** SIP NOTIFY as an origin: its own switches, no login (its trust is the SIP rules), any method, 4009 when oversize. */
function notifyPolicy(bound: boolean, accepted: () => boolean): OriginPolicy {
  return {
    transport: 'sip',
    route: operationAt,
    closed: (phone) => notifyClosed(phone, bound),
    authenticates: false,
    checksMethods: false,
    oversize: 'status',
    // The journal shows the SIP answer: 200 once the command was taken, else the refusal's status.
    answerStatus: (d) => (accepted() ? 200 : (refusal(d, '').answer?.status ?? 200)),
  };
}

/**
 * A request the phone's user agent left (no dialog or line of its own took it): OPTIONS, NOTIFY with ACTION-URI,
 * INFO, and the refusals, each from what the phone supports (`caps`, capabilities.ts): a method it does not serve is
 * 405 (SIP knows it) or 501; one it serves only inside a dialog (BYE, UPDATE, REFER...) is 481 out of one.
 */
export function handleSipRequest(
  phone: Phone,
  pipeline: PhonePipeline,
  req: SipRequest,
  from: string,
  bound = false,
  caps: Capabilities = NOTIFY_CAPABILITIES,
): NotifyVerdict {
  const missing = REQUIRED.filter((h) => !req.headers.has(h));
  if (missing.length > 0) return refuse(400, 'Bad Request', `missing ${missing.join(', ')}`);
  if (!/^\d{1,10}\s+[A-Za-z0-9.!%*_+`'~-]+$/.test(req.headers.get('cseq') ?? '')) return refuse(400, 'Bad Request', 'malformed CSeq');
  if (!refusalOf(req.method, caps)) {
    // a method served that requires an extension the phone does not do: 420 naming it (RFC 3261 8.2.2.3)
    const bad = unsupportedRequired(req, caps);
    if (bad.length > 0) {
      const refusal = badExtension(bad);
      return refuse(refusal.status, refusal.reason, `no support for ${bad.join(', ')}`, refusal.headers);
    }
  }
  switch (req.method) {
    case 'ACK':
      return { answer: undefined };
    case 'OPTIONS':
      return { answer: { status: 200, reason: 'OK', headers: optionsHeaders(caps) } };
    case 'NOTIFY':
      return notify(phone, pipeline, req, from, bound);
    case 'INFO':
      return { answer: { status: 200, reason: 'OK' } };
    default:
      return { answer: refusalOf(req.method, caps) ?? { status: 481, reason: 'Call/Transaction Does Not Exist' } };
  }
}

function notify(phone: Phone, pipeline: PhonePipeline, req: SipRequest, from: string, bound: boolean): NotifyVerdict {
  const event = (req.headers.get('event') ?? '').split(';')[0]?.trim().toLowerCase();
  if (event !== 'action-uri') return refuse(489, 'Bad Event', 'Event must be ACTION-URI', [['Allow-Events', 'ACTION-URI']]);
  const type = (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    return refuse(415, 'Unsupported Media Type', 'Content-Type must be application/json', [['Accept', 'application/json']]);
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
  const target = commandTarget(uri.trim());
  if (!target) return refuse(400, 'Bad Request', 'the command-URI is not a URL');
  const notifyCallId = req.headers.get('call-id') ?? '';
  const data = (body as Record<string, unknown>)['data'];
  let accepted = false;
  // The pipeline decides at once whether the command is taken (the origin is open, the command exists); once it is,
  // the NOTIFY is answered 200 and the command runs on a later microtask, after the answer has gone.
  const result = pipeline.run({
    origin: notifyPolicy(bound, () => accepted),
    method: 'NOTIFY',
    path: target.pathname,
    target: `${target.pathname}${target.search}`,
    headers: {},
    query: Object.fromEntries(target.searchParams),
    body: req.body.length > BODY_LIMIT ? TOO_LARGE : { data },
    from,
    accepted: () => {
      accepted = true;
    },
  });
  if (!accepted && !(result instanceof Promise)) return refusal(result, target.pathname);
  return {
    answer: OK,
    command: async () => report(await result, target.pathname, notifyCallId),
  };
}

/** What a command's decision reports back: nothing when it succeeded, else its Status in the INFO's body. */
function report(d: Decision, path: string, notifyCallId: string): CommandReport | undefined {
  if (d.kind === 'ok') {
    d.reply.after?.();
    return undefined;
  }
  const code = statusOf(d) ?? '4004';
  return { 'command-URI': path, Status: code, Description: statusText[code], 'NOTIFY-Call-ID': notifyCallId };
}
