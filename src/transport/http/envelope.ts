/**
 * The wire form of every answer: the one map from Status code to HTTP status, the JSON envelope, the headers real
 * phones send, and the small HTML bodies of their web server's 401, 404 and 413.
 */
import type { Reply } from '../../api/operation.js';
import type { FamilySpec } from '../../phone/models.js';
import type { StatusCode } from '../../phone/status.js';
import type { DataSerializer } from './serializers.js';

/** HTTP status for each Status code. 2000 is 200; the input and state errors are 400, as real phones answer. */
export const HTTP_STATUS: Readonly<Record<StatusCode, number>> = {
  '2000': 200,
  '4000': 400,
  '4001': 400,
  '4002': 400,
  '4003': 400,
  '4004': 400,
  '4005': 400,
  '4006': 400,
  '4007': 400,
  '4008': 400,
  '4009': 413,
  '4010': 403,
  '4011': 400,
  '4400': 400,
  '4403': 403,
  '5000': 500,
  '5500': 500,
};

/** The envelope of a 2000 answer; `data` written by the operation's compiled serialiser when it has one. */
export function okEnvelope(reply: Reply, serialize?: DataSerializer): string {
  if (serialize && reply.top === undefined && reply.data !== undefined) return `{"data":${serialize(reply.data)},"Status":"2000"}`;
  return envelope('2000', reply.data, reply.top);
}

export function envelope(code: StatusCode, data?: unknown, top?: Readonly<Record<string, unknown>>): string {
  const body: Record<string, unknown> = {};
  if (data !== undefined) body['data'] = data;
  if (top) Object.assign(body, top);
  body['Status'] = code;
  return JSON.stringify(body);
}

/** The web server's name: one per family (UCS phones, Edge E, the other PVOS phones). */
export function serverHeader(family: FamilySpec): string {
  if (family.platform === 'UCS') return 'Polycom SoundPoint IP Telephone HTTPd';
  return family.id === 'EdgeE' ? 'Poly Edge Telephone HTTPd' : 'Poly Telephone HTTPd';
}

/** The headers of every answer of a phone of this family, over HTTP or HTTPS. */
export function standardHeaders(family: FamilySpec, secure: boolean): Record<string, string> {
  const h: Record<string, string> = {
    server: serverHeader(family),
    'x-frame-options': 'SAMEORIGIN',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  if (secure) h['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return h;
}

export const JSON_TYPE = 'application/json';
export const HTML_TYPE = 'text/html; charset=utf-8';

const page = (title: string, text: string): string =>
  `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${title}</title>\n</head><body>\n<h1>${title.replace(/^\d+ /, '')}</h1>\n<p>${text}</p>\n</body></html>\n`;

export const HTML_401 = page('401 Unauthorized', 'Authorization failed.');
export const HTML_404 = page('404 Not Found', 'The requested URL was not found on this server.');
export const HTML_413 = page('413 Request Entity Too Large', 'The request body is larger than 20 KB.');
