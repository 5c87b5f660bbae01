/**
 * The parameter catalog: every parameter the manual names, the line registrations, provisioning, network, SNTP,
 * syslog, TR-069, location and the other values that runningConfig, network/info and lineInfo report.
 * Names follow Poly's configuration files; the few polysim needs that Poly does not name are marked as such.
 */
import type { ParamSpec, ParamType } from './types.js';
import type { Profile } from '../models.js';
import CATALOG_DATA from './catalog-data.json' with { type: 'json' };

import { bool, host, int, oneOf, str } from './param-types.js';
import { webApps } from './webapp-params.js';

const REST_SINCE = { UCS: '6.4.2', PVOS: '8.0.0' } as const;
const digestOnly = (p: Profile): boolean => p.digestAuth;

const rest: ParamSpec[] = [
  { name: 'apps.restapi.enabled', type: bool, default: '0', description: 'REST API on (1) or off (0)' },
  { name: 'log.level.change.restapi', type: int(0, 6), default: '4', description: 'REST API log level, 0 debug .. 6 fatal' },
  {
    name: 'apps.restapi.sipNotify.enabled',
    type: bool,
    default: '0',
    since: REST_SINCE,
    description: 'accept REST commands in SIP NOTIFY',
  },
  {
    name: 'apps.restapi.sipNotify.bindRequired',
    type: bool,
    default: '1',
    since: REST_SINCE,
    description: 'demand a proprietary Bind before NOTIFY commands',
  },
  {
    name: 'httpd.rest.session.duration.sec',
    type: int(0, 86400),
    default: '1500',
    when: digestOnly,
    description: 'lifetime of a REST session in seconds',
  },
  { name: 'httpd.rest.auth.basic.enabled', type: bool, default: '0', when: digestOnly, description: 'Basic auth' },
  { name: 'httpd.rest.auth.digest.md5.enabled', type: bool, default: '1', when: digestOnly, description: 'Digest MD5' },
  {
    name: 'httpd.rest.auth.digest.sha256.enabled',
    type: bool,
    default: '1',
    when: digestOnly,
    description: 'Digest SHA-256 (needed for sessions)',
  },
  {
    name: 'httpd.cfg.lockWebUI.enable',
    type: bool,
    default: '1',
    since: { UCS: '5.5.0' },
    description: 'lock logins to the web server (and REST API) after repeated failures',
  },
  {
    name: 'httpd.cfg.lockWebUI.lockOutDuration',
    type: int(60, 300),
    default: '60',
    since: { UCS: '5.5.0' },
    description: 'seconds logins stay locked',
  },
  {
    name: 'httpd.cfg.lockWebUI.noOfInvalidAttempts',
    type: int(3, 20),
    default: '5',
    since: { UCS: '5.5.0' },
    description: 'failed logins that lock',
  },
  {
    name: 'httpd.cfg.lockWebUI.noOfInvalidAttemptsDuration',
    type: int(60, 300),
    default: '60',
    since: { UCS: '5.5.0' },
    description: 'seconds within which the failed logins must fall',
  },
  { name: 'diags.pcap.enabled', type: bool, default: '0', description: 'packet capture' },
  { name: 'diags.pcap.background.enabled', type: bool, default: '0', description: 'background packet capture' },
  {
    name: 'device.auth.localAdminPassword',
    type: str(32),
    default: '456',
    secret: true,
    description: 'admin password (user Polycom); 456 is the default the REST API refuses',
  },
  { name: 'device.auth.localUserPassword', type: str(32), default: '123', secret: true, description: 'user password' },
  {
    name: 'device.baseProfile',
    type: oneOf('Generic', 'SkypeForBusiness', 'MicrosoftTeams'),
    default: 'Generic',
    description: 'base profile; Skype for Business operations need SkypeForBusiness',
  },
  { name: 'device.host.hostname', type: str(64), default: '', description: 'host name; empty: model and MAC' },
  {
    name: 'call.dialtoneTimeOut',
    type: int(0, 600),
    default: '60',
    description: 'seconds of dial tone with nothing dialled before the phone goes back to idle (0: never)',
  },
  {
    name: 'call.callsPerLineKey',
    type: int(1, 24),
    default: '24',
    description: 'calls one line key holds at once; an incoming call past them is refused busy',
  },
  {
    name: 'call.transfer.type',
    type: oneOf('Consultative', 'Blind', 'Safe'),
    default: 'Consultative',
    description: 'transfer type read and written by transferType/get and /set (polysim name)',
  },
  {
    name: 'call.transfer.allowedTargets',
    type: str(512),
    default: '',
    description:
      "where a SIP peer's REFER may send a call: comma-separated patterns of user@host or host, * as wildcard; empty: anywhere, as a phone (polysim name)",
  },
];

const network: ParamSpec[] = [
  { name: 'device.dhcp.enabled', type: bool, default: '1', description: 'DHCP client' },
  { name: 'device.net.ipAddress', type: host, default: '', description: 'static IPv4 address (DHCP off)' },
  { name: 'device.net.subnetMask', type: host, default: '255.0.0.0', description: 'IPv4 subnet mask' },
  { name: 'device.net.IPgateway', type: host, default: '127.0.0.1', description: 'IPv4 default gateway' },
  { name: 'device.net.ipStack', type: oneOf('0', '1', '2'), default: '0', description: '0 IPv4 only, 1 IPv6 only, 2 dual stack' },
  { name: 'device.net.preferredNetwork', type: oneOf('0', '1'), default: '0', description: '0 IPv4, 1 IPv6' },
  { name: 'device.net.ipv6AddrDisc', type: oneOf('0', '1', '2'), default: '0', description: '0 DHCP, 1 Static, 2 SLAAC' },
  { name: 'device.net.ipv6Address', type: host, default: '', description: 'static IPv6 address' },
  { name: 'device.net.ipv6Gateway', type: host, default: '', description: 'IPv6 gateway' },
  { name: 'device.net.ipv6ULAAddress', type: host, default: '', description: 'IPv6 unique local address' },
  { name: 'device.net.vlanId', type: str(4), default: '', description: 'VLAN ID, empty for none' },
  { name: 'device.net.vlanFiltering', type: bool, default: '0', description: 'VLAN filtering' },
  { name: 'device.net.cdpEnabled', type: bool, default: '1', description: 'CDP' },
  { name: 'device.net.lldpEnabled', type: bool, default: '1', description: 'LLDP' },
  { name: 'device.net.etherStormFilter', type: bool, default: '1', description: 'storm filtering' },
  { name: 'device.net.etherStormFilterPpsValue', type: int(17, 40), default: '38', description: 'storm filter packets/s' },
  {
    name: 'device.net.etherModeLAN',
    type: oneOf('0', '1', '2', '3', '4', '5'),
    default: '0',
    description: 'LAN port mode: 0 auto, 1 10HD, 2 10FD, 3 100HD, 4 100FD, 5 1000FD',
  },
  {
    name: 'device.net.etherModePC',
    type: oneOf('-1', '0', '1', '2', '3', '4', '5'),
    default: '0',
    description: 'PC port mode: -1 disabled, 0 auto, 1..5 as etherModeLAN',
  },
  {
    name: 'device.dhcp.bootSrvUseOpt',
    type: oneOf('0', '1', '2', '3'),
    default: '0',
    description: 'boot server from 0 Default, 1 Custom, 2 Static, 3 Custom and Default',
  },
  { name: 'device.dhcp.bootSrvOpt', type: int(128, 254), default: '160', description: 'DHCP option for the boot server' },
  { name: 'device.dhcp.bootSrvOptType', type: oneOf('0', '1'), default: '1', description: '0 IP, 1 String' },
  { name: 'device.dhcp.option60Type', type: oneOf('0', '1'), default: '0', description: '0 ASCII String, 1 RFC3925 Binary' },
  { name: 'device.dhcp.offerTimeout', type: int(1, 600), default: '1', description: 'DHCP offer timeout, s' },
  { name: 'device.dhcp.dhcpVlanDisc', type: oneOf('0', '1', '2'), default: '0', description: '0 Disabled, 1 Default, 2 Custom' },
  { name: 'device.dhcp.dhcpVlanDiscOpt', type: int(128, 254), default: '129', description: 'DHCP option for VLAN discovery' },
  { name: 'device.dhcp.server', type: host, default: '127.0.0.1', description: 'DHCP server that leased the address (polysim name)' },
  { name: 'device.dns.serverAddress', type: host, default: '127.0.0.53', description: 'primary DNS server' },
  { name: 'device.dns.altSrvAddress', type: host, default: '', description: 'secondary DNS server' },
  { name: 'device.dns.domain', type: str(), default: 'localdomain', description: 'DNS domain' },
  { name: 'device.wifi.enabled', type: bool, default: '0', description: 'Wi-Fi (models with Wi-Fi)' },
  { name: 'device.wifi.ssid', type: str(32), default: '', description: 'Wi-Fi SSID' },
  {
    name: 'device.wifi.securityMode',
    type: oneOf('None', 'WEP', 'WPA-PSK', 'WPA2-PSK', 'WPA2-Enterprise'),
    default: 'None',
    description: 'Wi-Fi security',
  },
];

const provisioning: ParamSpec[] = [
  {
    name: 'device.prov.serverName',
    type: str(),
    default: '',
    description: 'provisioning server: host[:port][/path], or a URL with ftp://, tftp://, http://, https:// or ftps://',
  },
  {
    name: 'device.prov.serverType',
    type: oneOf('0', '1', '2', '3', '4'),
    default: '2',
    description: 'protocol when device.prov.serverName has no scheme: 0 FTP, 1 Trivial FTP, 2 HTTP, 3 HTTPS, 4 FTPS',
  },
  { name: 'device.prov.user', type: str(), default: '', description: 'provisioning user' },
  { name: 'device.prov.password', type: str(), default: '', secret: true, description: 'provisioning password' },
  { name: 'device.prov.redunAttemptLimit', type: int(1, 10), default: '3', description: 'attempts per file transfer' },
  { name: 'device.prov.redunInterAttemptDelay', type: int(0, 300), default: '1', description: 'wait between attempts, s' },
  { name: 'device.prov.maxRedunServers', type: int(1, 8), default: '1', description: 'servers to use from DNS' },
  { name: 'device.prov.tagSerialNo', type: bool, default: '0', description: 'tag the serial number in log uploads' },
  { name: 'device.prov.ztpEnabled', type: bool, default: '1', description: 'zero-touch provisioning' },
  { name: 'device.prov.upgradeServer', type: str(), default: '', description: 'software upgrade server' },
  {
    name: 'device.sec.TLS.prov.strictCertCommonNameValidation',
    type: oneOf('', '0', '1'),
    default: '',
    description: "1 or unset: an HTTPS or FTPS provisioning server's certificate must name the host; 0: the name is not checked",
  },
];

const services: ParamSpec[] = [
  { name: 'device.syslog.serverName', type: host, default: '', description: 'syslog server' },
  { name: 'device.syslog.transport', type: oneOf('0', '1', '2', '3'), default: '1', description: '0 None, 1 UDP, 2 TCP, 3 TLS' },
  { name: 'device.syslog.renderLevel', type: int(0, 6), default: '4', description: 'syslog render level' },
  { name: 'device.syslog.facility', type: int(0, 23), default: '16', description: 'syslog facility' },
  { name: 'device.syslog.prependMac', type: bool, default: '1', description: 'prepend the MAC to syslog messages' },
  { name: 'device.sntp.serverName', type: host, default: 'pool.ntp.org', description: 'SNTP server' },
  { name: 'device.sntp.gmtOffset', type: int(-43200, 50400), default: '0', description: 'offset from GMT, s' },
  { name: 'device.tr069.enabled', type: bool, default: '0', description: 'TR-069' },
  { name: 'device.tr069.acs.url', type: str(), default: '', description: 'TR-069 ACS URL' },
  { name: 'device.tr069.acs.username', type: str(), default: '', description: 'TR-069 ACS user' },
  { name: 'device.tr069.cpe.username', type: str(), default: '', description: 'TR-069 CPE user' },
  { name: 'device.tr069.periodicInform.enabled', type: bool, default: '0', description: 'TR-069 periodic inform' },
  { name: 'device.tr069.periodicInform.interval', type: int(1, 86400), default: '18000', description: 'inform interval, s' },
  { name: 'device.tr069.upgradesManaged.enabled', type: bool, default: '0', description: 'ACS-managed upgrades' },
  { name: 'bluetooth.radioOn', type: bool, default: '0', description: 'Bluetooth radio (models with Bluetooth)' },
  { name: 'up.backlight.timeout', type: int(5, 600), default: '40', description: 'idle seconds before the screen dims (PowerIdle)' },
  { name: 'powerSaving.enable', type: bool, default: '1', description: 'power saving: screen off after the idle timeout' },
  {
    name: 'powerSaving.idleTimeout.officeHours',
    type: int(1, 600),
    default: '10',
    description: 'idle minutes before power saving (PowerOff)',
  },
];

const lines: ParamSpec[] = [
  { name: 'reg.{line}.address', type: str(), default: '', description: 'line user (number or user@host); empty: no line' },
  { name: 'reg.{line}.label', type: str(64), default: '', description: 'line key label' },
  { name: 'reg.{line}.displayName', type: str(64), default: '', description: 'caller ID name' },
  { name: 'reg.{line}.auth.userId', type: str(), default: '', description: 'SIP auth user' },
  { name: 'reg.{line}.auth.password', type: str(), default: '', secret: true, description: 'SIP auth password' },
  { name: 'reg.{line}.type', type: oneOf('private', 'shared'), default: 'private', description: 'private or shared line' },
  { name: 'reg.{line}.server.{server}.address', type: host, default: '', description: 'registrar; empty: voIpProt.server' },
  { name: 'reg.{line}.server.{server}.port', type: int(0, 65535), default: '0', description: 'registrar port, 0: 5060' },
  {
    name: 'reg.{line}.server.{server}.transport',
    type: oneOf('DNSnaptr', 'TCPpreferred', 'UDPOnly', 'TLS', 'TCPOnly'),
    default: 'DNSnaptr',
    description: 'SIP transport',
  },
  { name: 'reg.{line}.server.{server}.expires', type: int(10, 604800), default: '3600', description: 'registration period, s' },
  {
    name: 'reg.{line}.server.{server}.expires.overlap',
    type: int(5, 65535),
    default: '60',
    description: 'seconds before the registration expires that it is refreshed (halfway for short registrations)',
  },
  {
    name: 'reg.{line}.server.{server}.retryTimeOut',
    type: int(0, 65535),
    default: '0',
    description: 'ms between SIP retransmissions to this server; 0: RFC 3261 timers',
  },
  {
    name: 'reg.{line}.server.{server}.retryMaxCount',
    type: int(0, 20),
    default: '3',
    description: 'retransmissions before the server counts as not answering (with retryTimeOut)',
  },
  {
    name: 'reg.{line}.server.{server}.registerRetry.baseTimeOut',
    type: int(10, 120),
    default: '60',
    description: 'seconds before a failed registration is tried again (doubling each time)',
  },
  {
    name: 'reg.{line}.server.{server}.registerRetry.maxTimeOut',
    type: int(60, 1800),
    default: '180',
    description: 'longest wait between registration attempts, s',
  },
  { name: 'voIpProt.server.{server}.address', type: host, default: '', description: 'default registrar for all lines' },
  { name: 'voIpProt.server.{server}.port', type: int(0, 65535), default: '0', description: 'default registrar port' },
  {
    name: 'voIpProt.server.{server}.transport',
    type: oneOf('DNSnaptr', 'TCPpreferred', 'UDPOnly', 'TLS', 'TCPOnly'),
    default: 'DNSnaptr',
    description: 'SIP transport of the default registrar',
  },
  {
    name: 'sec.TLS.customCaCert.1',
    type: str(8192),
    default: '',
    description: 'CA certificate (PEM; line breaks may be spaces) that SIP servers reached over TLS are verified against',
  },
  { name: 'device.sec.TLS.customCaCert1', type: str(8192), default: '', description: 'CA certificate (PEM), as a device setting' },
  { name: 'device.sec.TLS.customCaCert2', type: str(8192), default: '', description: 'second CA certificate (PEM), as a device setting' },
  {
    name: 'sec.TLS.SIP.strictCertCommonNameValidation',
    type: bool,
    default: '0',
    description: "1: a SIP server's certificate must name the host connected to (with a CA configured)",
  },
  { name: 'voIpProt.SIP.dtmfViaSignaling.rfc2976', type: bool, default: '0', description: 'send DTMF in SIP INFO instead of RTP events' },
  { name: 'tone.dtmf.rfc2833Payload', type: int(96, 127), default: '127', description: 'RTP payload type of DTMF events (RFC 4733)' },
  // Codec priorities (1 first, 0 off) as Poly's wideband phones rank them: G.722 ahead of G.711 (the sip.cfg template's
  // IP_7000 row: G722 4, G711Mu 6, G711A 7, G729AB 8; its VVX_1500 row ranks them alike). The template's generic row
  // (G711Mu 1, G711A 2, G729AB 3, no G722) is the narrowband SoundPoints' (docs/fidelity.md).
  {
    name: 'voice.codecPref.G722',
    type: int(0, 99),
    default: '4',
    description: 'priority of G.722 (RTP payload 9) in offers and answers; 0 off',
  },
  { name: 'voice.codecPref.G711Mu', type: int(0, 99), default: '6', description: 'priority of G.711 µ-law (payload 0); 0 off' },
  { name: 'voice.codecPref.G711A', type: int(0, 99), default: '7', description: 'priority of G.711 A-law (payload 8); 0 off' },
  { name: 'voice.codecPref.G729AB', type: int(0, 99), default: '8', description: 'priority of G.729AB (polysim does not carry it)' },
  { name: 'tone.dtmf.onTime', type: int(1, 65535), default: '50', description: 'ms each DTMF digit plays' },
  { name: 'tone.dtmf.offTime', type: int(1, 65535), default: '50', description: 'ms between DTMF digits' },
  { name: 'divert.{line}.contact', type: str(), default: '', description: 'forward always to' },
  { name: 'divert.busy.{line}.contact', type: str(), default: '', description: 'forward when busy to' },
  { name: 'divert.noanswer.{line}.contact', type: str(), default: '', description: 'forward on no answer to' },
  {
    name: 'divert.noanswer.{line}.timeout',
    type: int(1, 600),
    default: '55',
    description: 'seconds an incoming call rings unanswered before it ends as missed (or is forwarded)',
  },
  { name: 'divert.dnd.{line}.contact', type: str(), default: '', description: 'forward during Do Not Disturb to' },
];

/** The 31 civic-address fields of location/info, each kept as locInfo.<key>. */
export const LOCATION_FIELDS = [
  ['Country', 'country'],
  ['StreetGroup', 'streetGroup'],
  ['House Number', 'houseNumber'],
  ['State', 'state'],
  ['Place Type', 'placeType'],
  ['District', 'district'],
  ['Add. Info', 'additionalInfo'],
  ['Road SubSection', 'roadSubSection'],
  ['City', 'city'],
  ['Neighbourhood Block', 'neighbourhoodBlock'],
  ['Landmark', 'landmark'],
  ['Post Box', 'postBox'],
  ['Division', 'division'],
  ['Street', 'street'],
  ['Road Section', 'roadSection'],
  ['Street1', 'street1'],
  ['Street2', 'street2'],
  ['Place Name', 'placeName'],
  ['House Num. Suff.', 'houseNumberSuffix'],
  ['Zip Code', 'zipCode'],
  ['Road Pre Modifier', 'roadPreModifier'],
  ['Building', 'building'],
  ['Unit', 'unit'],
  ['Floor', 'floor'],
  ['Additional Code', 'additionalCode'],
  ['Room', 'room'],
  ['Postal Name', 'postalName'],
  ['Seat', 'seat'],
  ['Road', 'road'],
  ['Road Branch', 'roadBranch'],
  ['Road Post Modifier', 'roadPostModifier'],
] as const satisfies readonly (readonly [label: string, key: string])[];

const location: ParamSpec[] = LOCATION_FIELDS.map(([label, key]) => ({
  name: `locInfo.${key}`,
  type: str(128),
  default: '',
  description: `location: ${label}`,
}));

const TEMPLATE_TYPES: Readonly<Record<string, ParamType>> = { b: bool, i: int(-2147483648, 2147483647), s: str(1024) };

/**
 * A template's string parameter that holds a password, a PIN or a private key (`dir.corp.password`,
 * `device.logincred.pin`, `sec.TLS.customDeviceKey.1`, `device.sec.configEncryption.key`...): secret, as the
 * catalogue's own passwords are (masked by config/get, never exported). Not their switches and counts
 * (`prov.login.localPassword.hashed`, `sec.pwd.length.admin`), which are no secrets.
 */
export function holdsSecret(name: string): boolean {
  return /(password|\.pin|customDeviceKey\.\d+|configEncryption\.key)$/i.test(name);
}

/**
 * The parameters of Poly's configuration templates (catalog-data.json, built by scripts/build-catalog.mjs):
 * thousands of names with their defaults, so that clients can set and read what real phones know. Parsed once per
 * process; the entries above, with their exact types and polysim's semantics, win over these.
 */
function templateParams(): ParamSpec[] {
  return (CATALOG_DATA as unknown as readonly (readonly [string, string, string])[]).map(([name, type, value]) => ({
    name,
    type: TEMPLATE_TYPES[type] ?? str(1024),
    default: value,
    ...(type === 's' && holdsSecret(name) ? { secret: true } : {}),
    description: 'from Poly configuration templates',
  }));
}

export const catalog: readonly ParamSpec[] = [
  ...rest,
  ...network,
  ...provisioning,
  ...services,
  ...lines,
  ...location,
  ...webApps,
  ...templateParams(),
];
