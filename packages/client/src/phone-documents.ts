/**
 * parsePhoneDocument: the XML documents Poly phones POST to web applications (telephony events) and answer or POST
 * for state polling, as typed objects (phone-document-types.ts). It reads what real phones send as well as what
 * polysim writes: a `<PolycomIPPhone>` wrapper (or the bare element, as the 5.0 guide prints them), an optional XML
 * declaration, empty elements as `<X/>` or `<X></X>`, elements a firmware omits (LineNumber before UCS 5.0;
 * Protocol, Muted and Ringing before newer UCS), older names (SIP 3.1's CalledPartyNumber in CallInfo, the guide's
 * BootROMID), and elements it does not know (ignored). Anything else is a PhoneDocumentError, never another error.
 *
 * XML is read with fast-xml-parser: entities, CDATA, comments and declarations are its business, with its bounds on
 * nesting and entity expansion; the input is bounded here (PHONE_DOCUMENT_LIMIT).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type {
  CallInfo,
  CallLineInfo,
  CallLineInfoList,
  CallParties,
  DeviceInformation,
  EventBase,
  LineKey,
  NetworkConfiguration,
  PhoneDocument,
  PhoneDocumentType,
} from './phone-document-types.js';

export type * from './phone-document-types.js';

/** The largest document parsePhoneDocument reads (bytes of UTF-8): a phone's documents are a few kilobytes. */
export const PHONE_DOCUMENT_LIMIT = 65_536;

/** What is not a phone's document: not XML, not a document this parser knows, or a value of the wrong kind. */
export class PhoneDocumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhoneDocumentError';
  }
}

/** Every document parsePhoneDocument knows, by its element's name. */
export const PHONE_DOCUMENT_TYPES: readonly PhoneDocumentType[] = [
  'IncomingCallEvent',
  'OutgoingCallEvent',
  'OffHookEvent',
  'OnHookEvent',
  'CallStateChangeEvent',
  'LineRegistrationEvent',
  'LineUnregistrationEvent',
  'UserLoginOutEvent',
  'PhoneLockedEvent',
  'PhoneUnlockedEvent',
  'UIInitializationEvent',
  'CallLineInfo',
  'DeviceInformation',
  'NetworkConfiguration',
];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Character references (&#65;) as well as the five XML entities.
  htmlEntities: true,
  // The deepest document is PolycomIPPhone > CallStateChangeEvent > CallLineInfo > CallInfo > CallState.
  maxNestedTags: 16,
  isArray: (name) => name === 'CallLineInfo' || name === 'CallInfo',
});

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An element's children as the parser gives them; '' (an empty element) has none. */
function node(where: string, v: unknown): Node {
  if (v === '' || v === undefined) return {};
  if (!isNode(v)) throw new PhoneDocumentError(`<${where}> holds text where elements belong`);
  return v;
}

/** A child element's text: '' when it is empty or absent. */
function text(parent: Node, name: string): string {
  const v = Object.hasOwn(parent, name) ? parent[name] : undefined;
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) throw new PhoneDocumentError(`<${name}> appears more than once`);
  // An element with attributes only (or attributes and text) still has text.
  if (isNode(v) && Object.keys(v).every((k) => k.startsWith('@_') || k === '#text'))
    return typeof v['#text'] === 'string' ? v['#text'] : '';
  throw new PhoneDocumentError(`<${name}> holds elements where text belongs`);
}

/** A whole number (0 to 2^31); undefined when its element is empty or absent. */
function int(parent: Node, name: string): number | undefined {
  const t = text(parent, name);
  if (t === '') return undefined;
  if (!/^\d{1,10}$/.test(t) || Number(t) > 2 ** 31)
    throw new PhoneDocumentError(`<${name}> is not a number: ${JSON.stringify(t.slice(0, 40))}`);
  return Number(t);
}

/** A flag written 0/1 (Muted, Ringing) or Yes/No (DHCPEnabled); undefined when empty or absent. */
function flag(parent: Node, name: string): boolean | undefined {
  const t = text(parent, name).toLowerCase();
  if (t === '') return undefined;
  if (t === '1' || t === 'yes' || t === 'true') return true;
  if (t === '0' || t === 'no' || t === 'false') return false;
  throw new PhoneDocumentError(`<${name}> is not a flag: ${JSON.stringify(t.slice(0, 40))}`);
}

/** The first of several names present (an element's current name, then older ones). */
function textOf(parent: Node, ...names: string[]): string {
  for (const name of names) if (Object.hasOwn(parent, name)) return text(parent, name);
  return '';
}

/** Repeated elements (CallLineInfo, CallInfo) as a list of nodes. */
function list(parent: Node, name: string): Node[] {
  const v = Object.hasOwn(parent, name) ? parent[name] : undefined;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((item) => node(name, item));
}

function eventBase(n: Node): EventBase {
  return { PhoneIP: text(n, 'PhoneIP'), MACAddress: text(n, 'MACAddress'), TimeStamp: text(n, 'TimeStamp') };
}

function parties(n: Node): CallParties {
  return {
    CallingPartyName: text(n, 'CallingPartyName'),
    CallingPartyNumber: text(n, 'CallingPartyNumber'),
    CalledPartyName: text(n, 'CalledPartyName'),
    CalledPartyNumber: text(n, 'CalledPartyNumber'),
  };
}

function callInfo(n: Node): CallInfo {
  const duration = int(n, 'CallDuration');
  const muted = flag(n, 'Muted');
  const ringing = flag(n, 'Ringing');
  return {
    CallReference: text(n, 'CallReference'),
    CallState: text(n, 'CallState'),
    CallType: text(n, 'CallType'),
    UIAppearanceIndex: text(n, 'UIAppearanceIndex'),
    CalledPartyName: text(n, 'CalledPartyName'),
    CalledPartyDirNum: textOf(n, 'CalledPartyDirNum', 'CalledPartyNumber'),
    CallingPartyName: text(n, 'CallingPartyName'),
    CallingPartyDirNum: textOf(n, 'CallingPartyDirNum', 'CallingPartyNumber'),
    ...(duration === undefined ? {} : { CallDuration: duration }),
    Protocol: text(n, 'Protocol'),
    ...(muted === undefined ? {} : { Muted: muted }),
    ...(ringing === undefined ? {} : { Ringing: ringing }),
  };
}

function lineKey(n: Node): LineKey {
  const key = int(n, 'LineKeyNum');
  if (key === undefined) throw new PhoneDocumentError('<CallLineInfo> without <LineKeyNum>');
  return { LineKeyNum: key, LineDirNum: text(n, 'LineDirNum') };
}

function callLineInfo(n: Node): CallLineInfo {
  return { ...lineKey(n), LineState: text(n, 'LineState'), CallInfo: list(n, 'CallInfo').map(callInfo) };
}

function withLineNumber(n: Node): { LineNumber?: number } {
  const line = int(n, 'LineNumber');
  return line === undefined ? {} : { LineNumber: line };
}

function deviceInformation(n: Node): DeviceInformation {
  return {
    type: 'DeviceInformation',
    MACAddress: text(n, 'MACAddress'),
    PhoneDN: text(n, 'PhoneDN'),
    AppLoadID: text(n, 'AppLoadID'),
    UpdaterID: textOf(n, 'UpdaterID', 'BootROMID'),
    ModelNumber: text(n, 'ModelNumber'),
    TimeStamp: text(n, 'TimeStamp'),
  };
}

function networkConfiguration(n: Node): NetworkConfiguration {
  const vlan = int(n, 'VLANID');
  const dhcp = flag(n, 'DHCPEnabled');
  return {
    type: 'NetworkConfiguration',
    DHCPServer: text(n, 'DHCPServer'),
    MACAddress: text(n, 'MACAddress'),
    DNSSuffix: text(n, 'DNSSuffix'),
    IPAddress: text(n, 'IPAddress'),
    SubnetMask: text(n, 'SubnetMask'),
    ProvServer: text(n, 'ProvServer'),
    DefaultRouter: text(n, 'DefaultRouter'),
    DNSServer1: text(n, 'DNSServer1'),
    DNSServer2: text(n, 'DNSServer2'),
    ...(vlan === undefined ? {} : { VLANID: vlan }),
    ...(dhcp === undefined ? {} : { DHCPEnabled: dhcp }),
  };
}

/** One document, from its element's name and content (a list only for CallLineInfo). */
function document(type: PhoneDocumentType, content: unknown): PhoneDocument {
  if (type === 'CallLineInfo') {
    const lines: CallLineInfoList = { type, CallLineInfo: (content as unknown[]).map((c) => callLineInfo(node(type, c))) };
    return lines;
  }
  const n = node(type, content);
  switch (type) {
    case 'IncomingCallEvent':
    case 'OutgoingCallEvent':
      return { type, ...eventBase(n), ...parties(n) };
    case 'CallStateChangeEvent': {
      const lines = list(n, 'CallLineInfo');
      if (lines.length > 1) throw new PhoneDocumentError('<CallStateChangeEvent> with more than one <CallLineInfo>');
      const [line] = lines;
      return {
        type,
        ...eventBase(n),
        CallReference: text(n, '@_CallReference'),
        CallState: text(n, '@_CallState'),
        ...withLineNumber(n),
        ...(line ? { CallLineInfo: callLineInfo(line) } : {}),
      };
    }
    case 'LineRegistrationEvent':
    case 'LineUnregistrationEvent':
      return { type, ...eventBase(n), ...withLineNumber(n) };
    case 'UserLoginOutEvent': {
      const loggedIn = Object.hasOwn(n, 'UserLoggedIn');
      if (!loggedIn && !Object.hasOwn(n, 'UserLoggedOut'))
        throw new PhoneDocumentError('<UserLoginOutEvent> without <UserLoggedIn> or <UserLoggedOut>');
      return {
        type,
        ...eventBase(n),
        LoggedIn: loggedIn,
        UserLoggedIn: text(n, 'UserLoggedIn'),
        CallLineInfo: list(n, 'CallLineInfo').map(lineKey),
      };
    }
    case 'OffHookEvent':
    case 'OnHookEvent':
    case 'PhoneLockedEvent':
    case 'PhoneUnlockedEvent':
    case 'UIInitializationEvent':
      return { type, ...eventBase(n) };
    case 'DeviceInformation':
      return deviceInformation(n);
    case 'NetworkConfiguration':
      return networkConfiguration(n);
  }
}

const isType = (name: string): name is PhoneDocumentType => (PHONE_DOCUMENT_TYPES as readonly string[]).includes(name);

/** The elements of a node, without its attributes and text. */
const elements = (n: Node): string[] => Object.keys(n).filter((k) => !k.startsWith('@_') && k !== '#text');

/** XML to a tree; every failure of the XML library is a PhoneDocumentError. */
function tree(xml: string): Node {
  if (xml.trim() === '') throw new PhoneDocumentError('not XML: nothing but white space');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new PhoneDocumentError(
      `not XML: ${msg}${line === undefined ? '' : ` (line ${line}${col === undefined ? '' : `, column ${col}`})`}`,
    );
  }
  try {
    return parser.parse(xml) as Node;
  } catch (err) {
    throw new PhoneDocumentError(`not XML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Parses a document a phone POSTs (a telephony event, or a state polling answer in responseMode 1) or answers (a
 * polling handler in responseMode 0). Throws PhoneDocumentError for anything else: not XML, another root, a
 * document it does not know, two documents in one, a number or flag that is not one, or over PHONE_DOCUMENT_LIMIT.
 */
export function parsePhoneDocument(xml: string | Uint8Array): PhoneDocument {
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.byteLength;
  if (size > PHONE_DOCUMENT_LIMIT) throw new PhoneDocumentError(`a document over ${PHONE_DOCUMENT_LIMIT} bytes (${size})`);
  const source = typeof xml === 'string' ? xml : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength).toString('utf8');
  const root = tree(source);
  const roots = elements(root);
  if (roots.length !== 1) throw new PhoneDocumentError(roots.length === 0 ? 'an empty document' : `${roots.length} root elements`);
  const rootName = roots[0] as string;
  let name = rootName;
  let content = root[rootName];
  if (rootName === 'PolycomIPPhone') {
    const wrapper = node(rootName, content);
    const inner = elements(wrapper);
    if (inner.length !== 1)
      throw new PhoneDocumentError(inner.length === 0 ? 'an empty <PolycomIPPhone>' : `<PolycomIPPhone> holds ${inner.join(', ')}`);
    name = inner[0] as string;
    content = wrapper[name];
  }
  if (!isType(name)) throw new PhoneDocumentError(`not a document of a phone: <${name.slice(0, 60)}>`);
  if (name !== 'CallLineInfo' && Array.isArray(content)) throw new PhoneDocumentError(`<${name}> appears more than once`);
  // The parser lists CallLineInfo elements already; a list of one for any other shape of it.
  if (name === 'CallLineInfo' && !Array.isArray(content)) content = [content];
  return document(name, content);
}
