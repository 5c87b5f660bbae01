/** SIP addresses as headers carry them: `"Name" <sip:user@host:port;uri-params>;tag=x` (RFC 3261 20.10, 25.1). */

export interface SipUri {
  readonly scheme: string;
  readonly user: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: Readonly<Record<string, string>>;
}

export interface NameAddr {
  readonly name: string;
  readonly uri: string;
  readonly params: Readonly<Record<string, string>>;
}

function params(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of text.split(';')) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    out[(eq < 0 ? t : t.slice(0, eq)).toLowerCase()] = eq < 0 ? '' : t.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return out;
}

/** Parses a From, To, Contact, Route or Refer-To value (the first, when a header lists several). */
export function parseNameAddr(value: string): NameAddr {
  const v = value.trim();
  const lt = v.indexOf('<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    const name = v.slice(0, lt).trim().replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
    return { name, uri: v.slice(lt + 1, gt < 0 ? undefined : gt), params: params(gt < 0 ? '' : v.slice(gt + 1)) };
  }
  // addr-spec without brackets: parameters after the URI belong to the header
  const semi = v.indexOf(';');
  return { name: '', uri: semi < 0 ? v : v.slice(0, semi), params: params(semi < 0 ? '' : v.slice(semi)) };
}

/** Splits a header value listing several name-addrs (Route, Record-Route, Contact) on the commas between them. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** sip:user@host:port;params (headers after ? are ignored); undefined when it is no SIP URI (or its port is none). */
export function parseUri(uri: string): SipUri | undefined {
  const m = /^(sips?):(?:([^@]*)@)?(\[[^\]]+\]|[^:;?]+)(?::(\d+))?([^?]*)/i.exec(uri.trim());
  if (!m) return undefined;
  // a port no socket can reach makes the URI unusable here, where it is read, not later in a timer's send
  if (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > 65535)) return undefined;
  return {
    scheme: (m[1] as string).toLowerCase(),
    user: decodeUser((m[2] ?? '').split(':')[0] ?? ''),
    host: (m[3] as string).replace(/^\[|\]$/g, ''),
    port: m[4] ? Number(m[4]) : undefined,
    params: params(m[5] ?? ''),
  };
}

/** The user part with its escapes undone; a bad escape leaves it as written. */
function decodeUser(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

export const tagOf = (value: string | undefined): string => parseNameAddr(value ?? '').params['tag'] ?? '';

export const hostPort = (host: string, port?: number): string => `${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : ''}`;

export const quoteName = (name: string): string => (name ? `"${name.replace(/["\\]/g, '\\$&')}" ` : '');
