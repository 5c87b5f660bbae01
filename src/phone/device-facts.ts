/** Facts about the device derived from its profile, identity, configuration and clock. */
import { derivedMac, linkLocalFromMac } from './identity.js';
import type { Phone } from './phone.js';

/** The full release string, e.g. 6.4.3 -> "6.4.3.2180": a stable build number per release. */
const releases = new Map<string, string>();
export function firmwareRelease(version: string): string {
  let release = releases.get(version);
  if (release === undefined) {
    let h = 0;
    for (const ch of version) h = (h * 31 + ch.charCodeAt(0)) % 9000;
    release = version.split('.').length >= 4 ? version : `${version}.${1000 + h}`;
    releases.set(version, release);
  }
  return release;
}

/**
 * The SIP User-Agent a phone sends. VVX phones write `PolycomVVX-VVX_450-UA/6.4.3.5018` (captured in REGISTERs and
 * INVITEs of VVX 150/300/350/450/500); the other families follow the same shape with their product names.
 */
export function sipUserAgent(profile: {
  readonly model: { readonly name: string; readonly family: string };
  readonly firmware: string;
}): string {
  const product: Readonly<Record<string, string>> = {
    VVX: 'PolycomVVX',
    Trio8x00: 'PolycomRealPresenceTrio',
    Trio8300: 'PolycomRealPresenceTrio',
    TrioC60: 'PolyTrio',
    CCX: 'PolyCCX',
    EdgeE: 'PolyEdge',
  };
  return `${product[profile.model.family] ?? 'Polycom'}-${profile.model.name.replace(/\s+/g, '_')}-UA/${firmwareRelease(profile.firmware)}`;
}

export function ipStackLabel(phone: Phone): string {
  return ['IPv4 Only', 'IPv6 Only', 'Dual IPv4/IPv6 stack'][Number(phone.config.value('device.net.ipStack'))] ?? 'IPv4 Only';
}

export function hasIpv4(phone: Phone): boolean {
  return phone.config.value('device.net.ipStack') !== '1';
}

export function hasIpv6(phone: Phone): boolean {
  return phone.config.value('device.net.ipStack') !== '0';
}

export function ipv4Address(phone: Phone): string {
  return hasIpv4(phone) ? phone.ipv4 : '';
}

export function ipv6Address(phone: Phone): string {
  if (!hasIpv6(phone)) return '';
  return phone.config.value('device.net.ipv6Address') || phone.ipv6;
}

/** What a phone's MAC implies: its other MACs and its link-local address. */
interface FromMac {
  readonly wifi: string;
  readonly bluetooth: string;
  readonly linkLocal: string;
}

/** Made once per identity (a phone keeps its own for life): device/info names all three on every request. */
const fromMacs = new WeakMap<Phone['identity'], FromMac>();
function fromMac(phone: Phone): FromMac {
  const id = phone.identity;
  let f = fromMacs.get(id);
  if (!f) {
    f = { wifi: derivedMac(id.mac, 1), bluetooth: derivedMac(id.mac, 2), linkLocal: linkLocalFromMac(id.mac) };
    fromMacs.set(id, f);
  }
  return f;
}

export function ipv6LinkAddress(phone: Phone): string {
  return hasIpv6(phone) ? fromMac(phone).linkLocal : '';
}

export function wifiMac(phone: Phone): string {
  return phone.profile.model.wifi ? fromMac(phone).wifi : '';
}

export function bluetoothMac(phone: Phone): string {
  return phone.profile.model.bluetooth ? fromMac(phone).bluetooth : '';
}

/** A model's name without spaces (VVX450), as host names use it; made once per model. */
const compactNames = new Map<string, string>();
function compactName(name: string): string {
  let compact = compactNames.get(name);
  if (compact === undefined) {
    compact = name.replace(/\s+/g, '');
    compactNames.set(name, compact);
  }
  return compact;
}

export function systemName(phone: Phone): string {
  return phone.config.value('device.host.hostname') || `${compactName(phone.profile.model.name)}-${phone.identity.mac}`;
}

export function skypeMode(phone: Phone): boolean {
  return phone.config.value('device.baseProfile') === 'SkypeForBusiness';
}

/** The application image a phone runs, as software update status describes it. */
export function imageName(phone: Phone): string {
  return `${phone.profile.model.partNumber}.sip.ld`;
}
