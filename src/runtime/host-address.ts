/**
 * The address a phone reports (device/info, network info) and writes into SIP when it listens on a wildcard
 * address: a real phone has one interface address, never 0.0.0.0. The host's first non-internal address of the
 * family, else loopback.
 */
import { networkInterfaces } from 'node:os';

export function hostAddress(bound: string): { ipv4: string; ipv6: string } {
  if (bound === '0.0.0.0') return { ipv4: firstOf('IPv4') ?? '127.0.0.1', ipv6: '' };
  if (bound === '::') return { ipv4: '', ipv6: firstOf('IPv6') ?? '::1' };
  return bound.includes(':') ? { ipv4: '', ipv6: bound } : { ipv4: bound, ipv6: '' };
}

function firstOf(family: 'IPv4' | 'IPv6'): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === family && !a.internal && !a.address.toLowerCase().startsWith('fe80:')) return a.address;
    }
  }
  return undefined;
}
