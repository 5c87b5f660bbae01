/**
 * call.transfer.allowedTargets (a polysim setting): where a peer's REFER may send a call. A phone follows any REFER
 * of a call it is in, and so does polysim by default; a test bed that registers phones to a real server can limit the
 * targets, so that a peer cannot make the phone place authenticated calls anywhere through its registrar.
 */
import { parseUri } from './name-addr.js';

/** Whether a Refer-To URI matches one of the comma-separated patterns (user@host or host, `*` any run of characters). */
export function referTargetAllowed(patterns: string, referTo: string): boolean {
  const list = patterns
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
  if (list.length === 0) return true;
  const uri = parseUri(referTo.replace(/\?.*$/, ''));
  if (!uri) return false;
  const host = uri.host.toLowerCase();
  const names = [host, `${uri.user.toLowerCase()}@${host}`];
  return list.some((p) => {
    const re = new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return names.some((n) => re.test(n));
  });
}
