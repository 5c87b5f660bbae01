/**
 * The documents Poly phones POST to a web application (telephony events, apps.telNotification.*) and answer or POST
 * for state polling (apps.statePolling.*), as parsePhoneDocument (phone-documents.ts) returns them: a union
 * discriminated by `type`, the element's name. Fields keep the elements' names, so that the guides and captures read
 * alike. Text fields are always strings: an empty element (`<X/>`, `<X></X>`) and an absent one both read as ''.
 * Numbers and flags are undefined when their element is empty or absent.
 */

/** Call states as phones write them (the guides' value sets and captures); others pass through as strings. */
export type PhoneCallState =
  | 'Dialtone'
  | 'Setup'
  | 'RingBack'
  | 'Ringback'
  | 'Offering'
  | 'Connected'
  | 'CallConference'
  | 'CallHold'
  | 'CallHeld'
  | 'CallConfHold'
  | 'CallConfHeld'
  | 'CallRemoteActive'
  | 'Hold'
  | 'Held'
  | 'Free'
  | 'Disconnected'
  | 'Ncas'
  | (string & {});

/** One call of a line, `<CallInfo>`. */
export interface CallInfo {
  /** The call's reference, a hex string on UCS 4 and later (e.g. 41aa9c00). */
  readonly CallReference: string;
  readonly CallState: PhoneCallState;
  /** Incoming or Outgoing. */
  readonly CallType: 'Incoming' | 'Outgoing' | (string & {});
  /** The call's appearance; `*` marks the call in focus (`1*`). */
  readonly UIAppearanceIndex: string;
  readonly CalledPartyName: string;
  /** A `sip:` URI on UCS 4 and later; SIP 3.1 wrote `<CalledPartyNumber>`, read here too. */
  readonly CalledPartyDirNum: string;
  readonly CallingPartyName: string;
  /** A `sip:` URI on UCS 4 and later; SIP 3.1 wrote `<CallingPartyNumber>`, read here too. */
  readonly CallingPartyDirNum: string;
  /** Seconds since the call began. */
  readonly CallDuration?: number;
  /** `SIP`; newer firmware only (UCS 4.1 wrote none). */
  readonly Protocol: string;
  /** Newer firmware only. */
  readonly Muted?: boolean;
  /** Newer firmware only. */
  readonly Ringing?: boolean;
}

/** One line and its calls, `<CallLineInfo>`. */
export interface CallLineInfo {
  /** The line key (line number), from 1. */
  readonly LineKeyNum: number;
  /** The line's directory number (its address's user part). */
  readonly LineDirNum: string;
  /** Active while the line has calls, else Inactive (SIP 3.1 wrote Connected). */
  readonly LineState: 'Active' | 'Inactive' | (string & {});
  /** The line's calls: empty while the line is Inactive. */
  readonly CallInfo: readonly CallInfo[];
}

/** A registered line as UserLoginOutEvent lists it. */
export interface LineKey {
  readonly LineKeyNum: number;
  readonly LineDirNum: string;
}

/** What every event carries: who posted it, and when. */
export interface EventBase {
  /** The phone's address. */
  readonly PhoneIP: string;
  /** The phone's MAC: hex, lowercase, no separators. */
  readonly MACAddress: string;
  /** The phone's local time with its offset, as written: `2013-10-23T13:50:56-05:00`. */
  readonly TimeStamp: string;
}

/** The parties of a new call, as IncomingCallEvent and OutgoingCallEvent name them. */
export interface CallParties {
  readonly CallingPartyName: string;
  /** A `sip:` URI on current firmware (`user@host` in the SIP 3.1 guide). */
  readonly CallingPartyNumber: string;
  readonly CalledPartyName: string;
  readonly CalledPartyNumber: string;
}

export interface IncomingCallEvent extends EventBase, CallParties {
  readonly type: 'IncomingCallEvent';
}

export interface OutgoingCallEvent extends EventBase, CallParties {
  readonly type: 'OutgoingCallEvent';
}

export interface OffHookEvent extends EventBase {
  readonly type: 'OffHookEvent';
}

export interface OnHookEvent extends EventBase {
  readonly type: 'OnHookEvent';
}

export interface CallStateChangeEvent extends EventBase {
  readonly type: 'CallStateChangeEvent';
  /** The element's CallReference attribute: the call that changed. */
  readonly CallReference: string;
  /** The element's CallState attribute: its new state. */
  readonly CallState: PhoneCallState;
  /** The call's line; UCS 5.0 and later (UCS 4.1 wrote none). */
  readonly LineNumber?: number;
  /** The call's line with its calls; undefined when the document carries none. */
  readonly CallLineInfo?: CallLineInfo;
}

export interface LineRegistrationEvent extends EventBase {
  readonly type: 'LineRegistrationEvent';
  readonly LineNumber?: number;
}

export interface LineUnregistrationEvent extends EventBase {
  readonly type: 'LineUnregistrationEvent';
  readonly LineNumber?: number;
}

/** A user logged in (`<UserLoggedIn>name</UserLoggedIn>`) or out (`<UserLoggedOut/>`). */
export interface UserLoginOutEvent extends EventBase {
  readonly type: 'UserLoginOutEvent';
  /** True for a login, false for a logout. */
  readonly LoggedIn: boolean;
  /** The user who logged in; '' on a logout. */
  readonly UserLoggedIn: string;
  /** The phone's registered lines. */
  readonly CallLineInfo: readonly LineKey[];
}

export interface PhoneLockedEvent extends EventBase {
  readonly type: 'PhoneLockedEvent';
}

export interface PhoneUnlockedEvent extends EventBase {
  readonly type: 'PhoneUnlockedEvent';
}

export interface UIInitializationEvent extends EventBase {
  readonly type: 'UIInitializationEvent';
}

/** The call state handler's answer (/polling/callStateHandler): every line with its calls. */
export interface CallLineInfoList {
  readonly type: 'CallLineInfo';
  readonly CallLineInfo: readonly CallLineInfo[];
}

/** The device handler's answer (/polling/deviceHandler). */
export interface DeviceInformation {
  readonly type: 'DeviceInformation';
  readonly MACAddress: string;
  /** Registered lines and their numbers: `Line1:1001,Line2:1002`. */
  readonly PhoneDN: string;
  /** The application's release and build: `4.0.4.2906 17-Apr-13 23:30`. */
  readonly AppLoadID: string;
  /** The updater's release; the 5.0 guide names it `<BootROMID>`, read here too. */
  readonly UpdaterID: string;
  readonly ModelNumber: string;
  readonly TimeStamp: string;
}

/** The network handler's answer (/polling/networkHandler). */
export interface NetworkConfiguration {
  readonly type: 'NetworkConfiguration';
  readonly DHCPServer: string;
  readonly MACAddress: string;
  readonly DNSSuffix: string;
  readonly IPAddress: string;
  readonly SubnetMask: string;
  readonly ProvServer: string;
  readonly DefaultRouter: string;
  readonly DNSServer1: string;
  readonly DNSServer2: string;
  /** Undefined when the phone has no VLAN (`<VLANID/>`). */
  readonly VLANID?: number;
  /** `Yes` or `No` in the document. */
  readonly DHCPEnabled?: boolean;
}

/** The telephony events a phone POSTs to apps.telNotification.URL (and .1.URL, .2.URL). */
export type PhoneEvent =
  | IncomingCallEvent
  | OutgoingCallEvent
  | OffHookEvent
  | OnHookEvent
  | CallStateChangeEvent
  | LineRegistrationEvent
  | LineUnregistrationEvent
  | UserLoginOutEvent
  | PhoneLockedEvent
  | PhoneUnlockedEvent
  | UIInitializationEvent;

/** What the state polling handlers answer, or POST to apps.statePolling.URL. */
export type PollingAnswer = CallLineInfoList | DeviceInformation | NetworkConfiguration;

export type PhoneDocument = PhoneEvent | PollingAnswer;

export type PhoneDocumentType = PhoneDocument['type'];
