/** A phone's identity: MAC and serial, made once per data dir and kept. */
import type { Platform } from './models.js';
import type { Identity, PhoneStore } from './ports.js';

/** Random hex digits; injected so tests and fleets can make identities deterministic. */
export interface IdSource {
  hex(bytes: number): string;
}

/** Polycom's OUI: real phones' MACs start 00:04:F2 (older) or 64:16:7F / 48:25:67 (Poly). */
const OUI = '0004F2';

/** Draws of a MAC while the ones drawn are taken, at the most (an id source that repeats itself gives up here). */
const MAX_MAC_DRAWS = 64;

/**
 * The phone's stored identity, or a new one. `taken` says which MACs other phones of the process hold: a fleet's
 * phones are told apart by their MACs (device management keys on them, their certificates are named by them), and
 * 24 random bits collide within 1,000 phones about once in 35 fleets, so a taken MAC is drawn again.
 */
export function loadOrCreateIdentity(
  store: PhoneStore,
  ids: IdSource,
  platform: Platform,
  now: number,
  taken: (mac: string) => boolean = () => false,
  suffix: (draw: number) => number = (draw) => draw,
): Identity {
  const existing = store.loadIdentity();
  if (existing) return existing;
  const draw = (): string =>
    `${OUI}${suffix(parseInt(ids.hex(3), 16))
      .toString(16)
      .padStart(6, '0')}`.toUpperCase();
  let mac = draw();
  for (let draws = 1; taken(mac) && draws < MAX_MAC_DRAWS; draws++) mac = draw();
  // UCS phones use the MAC as serial number; PVOS phones carry a 14-character serial.
  const serial =
    platform === 'UCS'
      ? mac
      : `8L${BigInt(`0x${ids.hex(5)}`)
          .toString()
          .padStart(12, '0')
          .slice(-12)}`;
  const identity: Identity = { mac, serial, createdAt: now };
  store.saveIdentity(identity);
  return identity;
}

/** "0004F2A1B2C3" -> "00:04:f2:a1:b2:c3". */
export function colonMac(mac: string): string {
  return mac.toLowerCase().match(/.{2}/g)?.join(':') ?? mac;
}

/** Another MAC of the same phone (Wi-Fi, Bluetooth, PC port) at an offset from the base MAC. */
export function derivedMac(mac: string, offset: number): string {
  const n = (BigInt(`0x${mac}`) + BigInt(offset)) & 0xffffffffffffn;
  return n.toString(16).toUpperCase().padStart(12, '0');
}

/** The EUI-64 link-local IPv6 address of a MAC, as a real phone forms it. */
export function linkLocalFromMac(mac: string): string {
  const b = (mac.match(/.{2}/g) ?? []).map((h) => parseInt(h, 16));
  const e = [(b[0] ?? 0) ^ 0x02, b[1] ?? 0, b[2] ?? 0, 0xff, 0xfe, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  const groups = [0, 2, 4, 6].map((i) => (((e[i] ?? 0) << 8) | (e[i + 1] ?? 0)).toString(16));
  return `fe80::${groups.join(':')}`;
}

/** "D Day H:MM:SS", as v1 device info prints the time since the last reboot. */
/** "1 Day 1:01:01" (device/info); network/stats writes the word in lower case: "1 day 1:01:01". */
export function formatUptimeShort(ms: number, day: 'Day' | 'day' = 'Day'): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d} ${day} ${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function uptimeParts(ms: number): { days: number; hours: number; minutes: number; seconds: number } {
  const s = Math.floor(ms / 1000);
  return { days: Math.floor(s / 86400), hours: Math.floor((s % 86400) / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s % 60 };
}

/** "0 days, 0 hours, 1 minutes, 40 seconds", as network figures print durations. */
export function formatUptimeLong(ms: number): string {
  const p = uptimeParts(ms);
  return `${p.days} days, ${p.hours} hours, ${p.minutes} minutes, ${p.seconds} seconds`;
}
