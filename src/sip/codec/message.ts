/**
 * The SIP message codec (RFC 3261), at the bottom of the SIP layers: parsing and writing the messages a phone
 * exchanges (NOTIFY commands, registrations, dialogs). It imports nothing of the project; the transport
 * (src/transport/sip) and the user agent (src/sip) both build on it.
 *
 * Hand-written rather than taken from npm: the `sip` package (0.0.6) is unmaintained and untyped, adds no To-tag
 * to responses, and crashes on requests whose URI host equals its own bound address, which is every NOTIFY sent to
 * a phone; the maintained stacks (sip.js, JsSIP) are browser-oriented and have no UDP or TCP transport. What a
 * phone needs here is small: a start line, headers (with compact forms), a body framed by Content-Length.
 */
import { randomBytes } from 'node:crypto';
import { SipParseError } from '../../errors.js';

export interface SipRequest {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  readonly headers: SipHeaders;
  readonly body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly headers: SipHeaders;
  readonly body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** Header values by lower-case full name, in order; compact forms (v, f, t, i, m, l, c, e, k, x...) are expanded. */
export class SipHeaders {
  private readonly map = new Map<string, string[]>();

  static readonly COMPACT: Readonly<Record<string, string>> = {
    v: 'via',
    f: 'from',
    t: 'to',
    i: 'call-id',
    m: 'contact',
    l: 'content-length',
    c: 'content-type',
    e: 'content-encoding',
    k: 'supported',
    s: 'subject',
    o: 'event',
    x: 'session-expires',
  };

  add(name: string, value: string): void {
    const key = name.toLowerCase();
    const full = SipHeaders.COMPACT[key] ?? key;
    const list = this.map.get(full);
    if (list) list.push(value);
    else this.map.set(full, [value]);
  }

  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  all(name: string): string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
}

/** What the parser throws (one entry of the error catalogue, src/errors.ts). */
export { SipParseError };

/** A method is an RFC 3261 token: letters, digits and -.!%*_+`'~ (extension methods may hold digits). */
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3}) ?(.*)$/;

/** Where the header block ends, or -1 while it has not arrived. */
export function headerEnd(buf: Buffer): number {
  return buf.indexOf('\r\n\r\n');
}

/** Parses one whole message (header block and body). */
export function parseSip(buf: Buffer, datagram: boolean): SipMessage {
  const end = headerEnd(buf);
  if (end < 0) throw new SipParseError('no end of headers');
  const head = buf.subarray(0, end).toString('utf8');
  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  const headers = new SipHeaders();
  for (const raw of lines) {
    if (/^[ \t]/.test(raw)) throw new SipParseError('folded headers are not accepted');
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new SipParseError(`malformed header: ${raw.slice(0, 40)}`);
    const name = raw.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) throw new SipParseError(`malformed header name: ${name.slice(0, 40)}`);
    headers.add(name, raw.slice(colon + 1).trim());
  }
  const lengthText = headers.get('content-length');
  const rest = buf.subarray(end + 4);
  let length = rest.length;
  if (lengthText !== undefined) {
    if (!/^\d+$/.test(lengthText)) throw new SipParseError('bad Content-Length');
    length = Number(lengthText);
    if (length > rest.length) throw new SipParseError('body shorter than Content-Length');
  } else if (!datagram) {
    throw new SipParseError('Content-Length is required on a stream');
  }
  const body = rest.subarray(0, length);
  const req = REQUEST_LINE.exec(start);
  if (req) return { kind: 'request', method: req[1] as string, uri: req[2] as string, headers, body };
  const res = STATUS_LINE.exec(start);
  if (res) return { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body };
  throw new SipParseError(`not a SIP start line: ${start.slice(0, 60)}`);
}

/** The bytes a stream must hold for the message starting at its head, or undefined while unknown. */
export function streamMessageLength(buf: Buffer): number | undefined {
  const end = headerEnd(buf);
  if (end < 0) return undefined;
  const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(buf.subarray(0, end + 2).toString('latin1'));
  return end + 4 + (m ? Number(m[1]) : 0);
}

export function writeSip(startLine: string, headers: readonly (readonly [string, string])[], body: Buffer = Buffer.alloc(0)): Buffer {
  const head = [startLine, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

/** A response to a request: Via, From, To (with a tag added when it has none), Call-ID and CSeq copied. */
/** A tag as VVX phones write them: "AF2E436D-4B04B5AB" (random, RFC 3261 19.3). */
export const newTag = (): string => `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`.toUpperCase();

export function responseTo(
  req: SipRequest,
  status: number,
  reason: string,
  toTag: string,
  extra: readonly (readonly [string, string])[] = [],
  body?: Buffer,
): Buffer {
  const headers: (readonly [string, string])[] = req.headers.all('via').map((v) => ['Via', v] as const);
  const to = req.headers.get('to') ?? '';
  headers.push(['From', req.headers.get('from') ?? '']);
  headers.push(['To', /;\s*tag=/i.test(to) || status === 100 ? to : `${to};tag=${toTag}`]);
  headers.push(['Call-ID', req.headers.get('call-id') ?? '']);
  headers.push(['CSeq', req.headers.get('cseq') ?? '']);
  headers.push(...extra);
  return writeSip(`SIP/2.0 ${status} ${reason}`, headers, body);
}

/** The branch of the top Via: with the method, it keys the server transaction. */
export function transactionKey(req: SipRequest): string {
  const via = req.headers.get('via') ?? '';
  const branch = /;\s*branch=([^;\s,]+)/i.exec(via)?.[1] ?? `${req.headers.get('call-id')}|${req.headers.get('cseq')}`;
  return `${branch}|${req.method === 'ACK' ? 'INVITE' : req.method}`;
}
