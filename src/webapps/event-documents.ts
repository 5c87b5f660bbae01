/**
 * The telephony notification documents: each event of telephony.ts as the XML a phone POSTs, and the parameter
 * that switches it on. Shapes follow captured posts where there are captures (incoming, outgoing, off hook, on hook,
 * call state change) and the Web Application Developer's Guide (UC Software 5.0.0) for the others; the choices are
 * recorded in docs/fidelity.md.
 */
import type { ParamName } from '../phone/config/param-names.js';
import type { Phone } from '../phone/phone.js';
import type { CallSnapshot, TelephonyEvent, TelephonyKind } from '../phone/telephony.js';
import { callLineInfo, callStateName, partiesOf, userOf } from './call-line-info.js';
import { polycomDocument, timeStamp } from './xml-document.js';
import type { XmlElement } from './xml-document.js';

/** The parameter that switches each event on (apps.telNotification.*, 0 or 1, off as shipped). */
export const EVENT_SWITCH: Readonly<Record<TelephonyKind, ParamName>> = {
  incoming: 'apps.telNotification.incomingEvent',
  outgoing: 'apps.telNotification.outgoingEvent',
  offHook: 'apps.telNotification.offhookEvent',
  onHook: 'apps.telNotification.onhookEvent',
  callState: 'apps.telNotification.callStateChangeEvent',
  lineRegistration: 'apps.telNotification.lineRegistrationEvent',
  lineUnregistration: 'apps.telNotification.lineRegistrationEvent',
  userLogin: 'apps.telNotification.userLogInOutEvent',
  userLogout: 'apps.telNotification.userLogInOutEvent',
  // The templates carry no switch of their own for the lock events: they go with the user's other actions.
  phoneLock: 'apps.telNotification.userLogInOutEvent',
  phoneUnlock: 'apps.telNotification.userLogInOutEvent',
  uiInitialization: 'apps.telNotification.uiInitializationEvent',
};

/** The element each event is posted as. */
export const EVENT_ELEMENT: Readonly<Record<TelephonyKind, string>> = {
  incoming: 'IncomingCallEvent',
  outgoing: 'OutgoingCallEvent',
  offHook: 'OffHookEvent',
  onHook: 'OnHookEvent',
  callState: 'CallStateChangeEvent',
  lineRegistration: 'LineRegistrationEvent',
  lineUnregistration: 'LineUnregistrationEvent',
  userLogin: 'UserLoginOutEvent',
  userLogout: 'UserLoginOutEvent',
  phoneLock: 'PhoneLockedEvent',
  phoneUnlock: 'PhoneUnlockedEvent',
  uiInitialization: 'UIInitializationEvent',
};

function phoneIp(phone: Phone): string {
  return phone.ipv4 || phone.ipv6;
}

function mac(phone: Phone): string {
  return phone.identity.mac.toLowerCase();
}

/** Calling and called parties of a new call, numbers as `sip:` URIs (captured incoming and outgoing posts). */
function parties(phone: Phone, call: CallSnapshot): XmlElement {
  const { calling, called } = partiesOf(phone.lines.get(call.line), call);
  return {
    CallingPartyName: calling.name,
    CallingPartyNumber: calling.uri,
    CalledPartyName: called.name,
    CalledPartyNumber: called.uri,
  };
}

function body(phone: Phone, event: TelephonyEvent, at: string): XmlElement {
  const who = { PhoneIP: phoneIp(phone), MACAddress: mac(phone) };
  switch (event.kind) {
    case 'incoming':
    case 'outgoing':
      return { ...who, ...parties(phone, event.call), TimeStamp: at };
    case 'callState':
      return {
        '@_CallReference': event.call.handle,
        '@_CallState': callStateName(event.call),
        ...who,
        LineNumber: event.call.line,
        TimeStamp: at,
        CallLineInfo: callLineInfo(phone, phone.lines.get(event.call.line), event.calls),
      };
    case 'lineRegistration':
    case 'lineUnregistration':
      return { ...who, LineNumber: event.line, TimeStamp: at };
    case 'userLogin':
    case 'userLogout': {
      // "The LineKeyNum and LineDirNum fields are generated for each registered line on the phone."
      const lines = phone.lines
        .all()
        .filter((l) => l.registered)
        .map((l) => ({ LineKeyNum: l.number, LineDirNum: userOf(l.address) }));
      return {
        ...who,
        CallLineInfo: lines,
        ...(event.kind === 'userLogin' ? { UserLoggedIn: event.user } : { UserLoggedOut: '' }),
        TimeStamp: at,
      };
    }
    default:
      return { ...who, TimeStamp: at };
  }
}

export interface EventDocument {
  readonly kind: TelephonyKind;
  /** The posted element's name (IncomingCallEvent, ...). */
  readonly element: string;
  readonly xml: string;
}

/** The event's document, made now (the phone moves on before it is delivered); undefined when its switch is off. */
export function eventDocument(phone: Phone, event: TelephonyEvent): EventDocument | undefined {
  if (!phone.config.bool(EVENT_SWITCH[event.kind])) return undefined;
  const element = EVENT_ELEMENT[event.kind];
  return { kind: event.kind, element, xml: polycomDocument(element, body(phone, event, timeStamp(phone)), 'open-close') };
}
