/**
 * Phone state polling: an application asks /polling/callStateHandler, /polling/deviceHandler or
 * /polling/networkHandler (HTTP GET, Digest MD5 with apps.statePolling.username and .password; without both the
 * handlers are not served) and gets `<CallLineInfo>`, `<DeviceInformation>` or `<NetworkConfiguration>`: in the
 * answer (apps.statePolling.responseMode 0), or posted to apps.statePolling.URL (1, as shipped) while the answer
 * is empty. Documents as captured from VVX and SoundPoint IP phones (docs/fidelity.md).
 */
import { companionImages } from '../api/device-info.js';
import { defineOperation } from '../api/operation.js';
import type { Account, Operation, Reply } from '../api/operation.js';
import { firmwareRelease, ipv4Address } from '../phone/device-facts.js';
import type { ParamName } from '../phone/config/param-names.js';
import type { Phone } from '../phone/phone.js';
import { snapshotsOf } from '../phone/telephony.js';
import { callLineInfo, userOf } from './call-line-info.js';
import { DOCUMENT_TYPE, receivers } from './telephony-notifier.js';
import { polycomDocument, timeStamp } from './xml-document.js';
import type { XmlElement } from './xml-document.js';

/** The realm of the web application handlers' Digest challenge (the push server's, which clients name). */
export const WEB_APP_REALM = 'PUSH Authentication';

/** A handler's account from its user and password parameters; without both, none (the handler is not served). */
export function webAppAccount(phone: Phone, user: ParamName, password: ParamName): Account | undefined {
  const u = phone.config.value(user);
  const p = phone.config.value(password);
  return u !== '' && p !== '' ? { user: u, password: p, realm: WEB_APP_REALM } : undefined;
}

const pollingAccount = (phone: Phone): Account | undefined =>
  webAppAccount(phone, 'apps.statePolling.username', 'apps.statePolling.password');

/** Every assigned line with its calls now. */
function callLines(phone: Phone): XmlElement[] {
  const calls = snapshotsOf(phone.calls, phone.clock.now());
  return phone.lines
    .all()
    .filter((l) => l.assigned)
    .map((l) => callLineInfo(phone, l, calls));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The application's load id: its release and build time (`4.0.4.2906 17-Apr-13 23:30`), fixed per firmware. */
function appLoadId(firmware: string): string {
  const release = firmwareRelease(firmware);
  let h = 7;
  for (const ch of release) h = (h * 31 + ch.charCodeAt(0)) % 1_000_003;
  const [major = 6, minor = 0] = release.split('.').map(Number);
  // Releases of major version 5 came out around 2020, 6 around 2021, 8 around 2023.
  const year = String(15 + major + (minor >= 5 ? 1 : 0)).slice(-2);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${release} ${pad(1 + (h % 28))}-${MONTHS[h % 12]}-${year} ${pad(h % 24)}:${pad(h % 60)}`;
}

function deviceInformation(phone: Phone): XmlElement {
  const dn = phone.lines
    .all()
    .filter((l) => l.registered)
    .map((l) => `Line${l.number}:${userOf(l.address)}`)
    .join(',');
  return {
    MACAddress: phone.identity.mac.toLowerCase(),
    PhoneDN: dn,
    AppLoadID: appLoadId(phone.profile.firmware),
    UpdaterID: companionImages(phone.profile.firmware).updater,
    ModelNumber: phone.profile.model.name,
    TimeStamp: timeStamp(phone),
  };
}

function networkConfiguration(phone: Phone): XmlElement {
  const v = (n: Parameters<Phone['config']['value']>[0]): string => phone.config.value(n);
  const dhcp = phone.config.bool('device.dhcp.enabled');
  return {
    DHCPServer: dhcp ? v('device.dhcp.server') : '',
    MACAddress: phone.identity.mac.toLowerCase(),
    DNSSuffix: v('device.dns.domain'),
    IPAddress: ipv4Address(phone),
    SubnetMask: v('device.net.subnetMask'),
    ProvServer: v('device.prov.serverName'),
    DefaultRouter: v('device.net.IPgateway'),
    DNSServer1: v('device.dns.serverAddress') || '0.0.0.0',
    DNSServer2: v('device.dns.altSrvAddress') || '0.0.0.0',
    VLANID: v('device.net.vlanId'),
    DHCPEnabled: dhcp ? 'Yes' : 'No',
  };
}

/** The state in the answer (mode 0), or posted to apps.statePolling.URL with an empty answer (mode 1). */
function answer(phone: Phone, label: string, xml: string): Reply {
  if (phone.config.value('apps.statePolling.responseMode') === '0') return { document: { contentType: DOCUMENT_TYPE, body: xml } };
  const raisedAt = phone.clock.now();
  for (const url of receivers(phone, ['apps.statePolling.URL'])) {
    phone.outbox.push({ url, body: xml, contentType: DOCUMENT_TYPE, label, raisedAt });
  }
  return { document: { contentType: DOCUMENT_TYPE, body: '' } };
}

function handler(path: string, label: string, make: (phone: Phone) => XmlElement | XmlElement[]): Operation {
  return defineOperation({
    name: `Polling.${label}`,
    methods: ['GET'],
    paths: [path],
    inputFrom: 'none',
    transports: ['http', 'https'],
    returnCodes: [],
    account: pollingAccount,
    handler: ({ phone }) => answer(phone, label, polycomDocument(label, make(phone), 'self-closing')),
  });
}

export const pollingOperations: readonly Operation[] = [
  handler('/polling/callStateHandler', 'CallLineInfo', callLines),
  handler('/polling/deviceHandler', 'DeviceInformation', deviceInformation),
  handler('/polling/networkHandler', 'NetworkConfiguration', networkConfiguration),
];
