/**
 * What the phone says it supports, in one place: the methods (Allow, and the REGISTER Contact's `methods=`), the
 * option tags (Supported; a Require naming any other is refused 420), the bodies it reads (Accept), the event
 * packages it takes NOTIFYs of or serves (Allow-Events), those it serves to subscribers (a SUBSCRIBE for any
 * other is refused 489), and which methods it refuses 405 (SIP knows them) or 501 (unknown).
 * Each list holds only what the code really handles; a feature that is added is added here, and every header and
 * decision follows.
 *
 * Two sets: a phone with lines on a SIP server (calls, their dialogs, instant messages, message waiting, the
 * dialog state of its lines and of the lines its busy lamp field watches) and a phone without (its SIP port takes
 * REST commands in NOTIFY, their INFO reports, and OPTIONS).
 */
import type { SipRequest } from './message.js';

export interface Capabilities {
  /** Methods served (Allow; the REGISTER Contact's methods=). */
  readonly methods: readonly string[];
  /** Option tags understood (Supported). */
  readonly supported: readonly string[];
  /** Body types read (Accept). */
  readonly accept: readonly string[];
  /**
   * Event packages whose NOTIFYs are taken or which are served to subscribers (Allow-Events); REST commands'
   * ACTION-URI is no package (notify.ts).
   */
  readonly events: readonly string[];
  /** Event packages served to subscribers (SUBSCRIBE; any other is 489 Bad Event). */
  readonly served: readonly string[];
}

type Header = readonly [string, string];

/**
 * A phone with SIP lines. PRACK and 100rel: reliable provisionals both ways (RFC 3262, reliable-provisional.ts).
 * `timer` (RFC 4028, session-timer.ts) only while the configuration turns session timers on: see capabilitiesOf.
 * SUBSCRIBE and the dialog package (RFC 4235): the phone serves its lines' dialog state (dialog-notifier.ts) and
 * watches others' for its busy lamp field (dialog-watch.ts).
 * Not listed, because not done: PUBLISH. `eventlist` (RFC 4662) is said only on the busy lamp field's subscription
 * to a resource list (EVENT_LIST below), the one request whose answers may be lists.
 */
export const LINE_CAPABILITIES: Capabilities = {
  methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'PRACK', 'UPDATE', 'REFER'],
  supported: ['replaces', '100rel'],
  accept: [
    'application/sdp',
    'text/plain',
    'message/sipfrag',
    'application/dtmf-relay',
    'application/dtmf',
    'application/simple-message-summary',
    'application/dialog-info+xml',
    'application/json',
  ],
  events: ['refer', 'message-summary', 'dialog'],
  served: ['dialog'],
};

/**
 * A subscription to a resource list (RFC 4662, attendant.uri: dialog-watch.ts with list-content.ts): it supports
 * `eventlist` and reads the list's multipart/related NOTIFYs (an RLMI document and a dialog-info part per resource).
 */
export const EVENT_LIST = {
  supported: 'eventlist',
  accept: ['application/dialog-info+xml', 'application/rlmi+xml', 'multipart/related'],
} as const;

/** A phone without SIP lines: REST commands in NOTIFY (Event: ACTION-URI), INFO, OPTIONS. */
export const NOTIFY_CAPABILITIES: Capabilities = {
  methods: ['ACK', 'OPTIONS', 'INFO', 'NOTIFY'],
  supported: [],
  accept: ['application/json'],
  events: [],
  served: [],
};

/** What the configuration switches on beyond the fixed lists. */
export interface Features {
  /** Session timers (RFC 4028): voIpProt.SIP.keepalive.sessionTimers. */
  readonly sessionTimers: boolean;
}

export const NO_FEATURES: Features = { sessionTimers: false };

/** A phone with SIP lines and session timers on: `timer` is supported too (last, as older VVX firmware lists it). */
const LINE_CAPABILITIES_TIMER: Capabilities = { ...LINE_CAPABILITIES, supported: [...LINE_CAPABILITIES.supported, 'timer'] };

/** The set for a phone with or without SIP lines, with what its configuration switches on (the same object each time). */
export function capabilitiesOf(hasSipLines: boolean, features: Features = NO_FEATURES): Capabilities {
  if (!hasSipLines) return NOTIFY_CAPABILITIES;
  return features.sessionTimers ? LINE_CAPABILITIES_TIMER : LINE_CAPABILITIES;
}

/** Methods SIP defines (RFC 3261 and its extensions): one the phone does not serve is 405, anything else 501. */
const SIP_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'PRACK',
  'PUBLISH',
]);

/** The Allow-Events header (the packages comma-separated). */
export const allowEventsHeader = (c: Capabilities): Header => ['Allow-Events', c.events.join(',')];

/** The package an Event header names (RFC 6665 8.2.1: its token before any parameter, compared without case). */
export const eventPackage = (event: string | undefined): string => (event ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** The Allow header (the methods comma-separated, as a VVX writes it). */
export const allowHeader = (c: Capabilities): Header => ['Allow', c.methods.join(', ')];

/** The REGISTER Contact's methods parameter (no spaces, quoted, as a VVX writes it). */
export const contactMethods = (c: Capabilities): string => `methods="${c.methods.join(',')}"`;

/** Headers a dialog-forming INVITE or its 200 carries: what the phone may be sent in the dialog. */
export function dialogHeaders(c: Capabilities): Header[] {
  return [allowEventsHeader(c), allowHeader(c), ['Supported', c.supported.join(',')]];
}

/** A method the phone does not serve: 405 with Allow when SIP knows it, else 501 (RFC 3261 8.2.1, 21.5.2). */
export function refusalOf(method: string, c: Capabilities): { status: number; reason: string; headers: Header[] } | undefined {
  if (c.methods.includes(method)) return undefined;
  return SIP_METHODS.has(method)
    ? { status: 405, reason: 'Method Not Allowed', headers: [allowHeader(c)] }
    : { status: 501, reason: 'Not Implemented', headers: [allowHeader(c)] };
}

/**
 * Option tags a request requires that the phone does not understand (answered 420 with Unsupported, RFC 3261
 * 8.2.2.3), as the request spelled them; none for ACK and CANCEL, which 8.2.2.3 leaves out.
 */
export function unsupportedRequired(req: SipRequest, c: Capabilities): string[] {
  if (req.method === 'ACK' || req.method === 'CANCEL') return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const tag of req.headers.all('require').flatMap((v) => v.split(','))) {
    const t = tag.trim();
    const key = t.toLowerCase();
    if (t === '' || seen.has(key)) continue;
    seen.add(key);
    if (!c.supported.includes(key)) out.push(t);
  }
  return out;
}

/** The refusal of a request requiring what the phone does not understand: 420 naming them (RFC 3261 8.2.2.3). */
export function badExtension(tags: readonly string[]): { status: number; reason: string; headers: Header[] } {
  return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', tags.join(',')]] };
}

/**
 * The headers of the 200 to OPTIONS, as Poly phones answer it (a SoundPoint IP 321 on UCS 4.0.15, captured; VVX
 * answer alike): Allow, Supported, Accept-Language, Accept, Accept-Encoding, no body (docs/fidelity.md).
 */
export function optionsHeaders(c: Capabilities): Header[] {
  return [
    allowHeader(c),
    ...(c.supported.length > 0 ? [['Supported', c.supported.join(',')] as const] : []),
    ['Accept-Language', 'en'],
    ['Accept', c.accept.join(',')],
    ['Accept-Encoding', 'identity'],
  ];
}
