/**
 * `--registrar` and a fleet file's `registrar`: a SIP server as `host[:port]` (an IPv6 address in brackets). One
 * reading for both, so that the command line and the file refuse the same values with the same words.
 */
import { checkValue } from '../phone/config/validate.js';

export type RegistrarAddress = { ok: true; host: string; port?: number } | { ok: false; reason: string };

export function parseRegistrar(text: string): RegistrarAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::(\d+))?$/.exec(text.trim());
  if (!m) return { ok: false, reason: 'expected host[:port], e.g. pbx.example:5060 or [2001:db8::1]:5060' };
  const host = m[1] ?? m[2] ?? '';
  if (host === '' || !checkValue({ kind: 'host' }, host).ok || (m[1] !== undefined && !host.includes(':'))) {
    return { ok: false, reason: `host "${host}": expected a host name or IP address` };
  }
  if (m[3] === undefined) return { ok: true, host };
  const port = Number(m[3]);
  if (!/^\d{1,5}$/.test(m[3]) || port < 1 || port > 65535) return { ok: false, reason: `port ${m[3]}: expected 1-65535` };
  return { ok: true, host, port };
}
