/**
 * Resource list NOTIFY bodies (RFC 4662 event lists): a multipart/related body (RFC 2387) whose root part is an
 * RLMI document (application/rlmi+xml: the list's version, whether it is the full state, and per resource its URI,
 * name and instances, each instance's state and the Content-ID of the part holding its state) and one part per
 * resource instance (here application/dialog-info+xml, read by dialog-info.ts).
 *
 * The RLMI document is read with fast-xml-parser, refused over RLMI_MAX_BYTES or with a DOCTYPE, and only its first
 * RESOURCES_MAX resources are read. The multipart framing is split here by hand: the well-kept multipart packages
 * (busboy, formidable, dicer) read only multipart/form-data (they need Content-Disposition form-data parts) and
 * are stream parsers; RFC 2046 5.1's boundary split of a body already in hand is a few bounded lines. A body over
 * LIST_BODY_MAX_BYTES, with more than PARTS_MAX parts, or whose framing cannot be read, is refused whole; nothing
 * here throws on any input.
 */
import { attr, eventXmlParser, isNode, readEventXml, text } from './xml-doc.js';
import { DIALOG_INFO_MAX_BYTES, DIALOGS_MAX } from './dialog-info.js';

export const RLMI_TYPE = 'application/rlmi+xml';
export const MULTIPART_RELATED = 'multipart/related';
/** The largest RLMI document read. */
export const RLMI_MAX_BYTES = 64 * 1024;
/** The most resources read from one list (a Poly phone has at most 47 attendant keys). */
export const RESOURCES_MAX = 47;
/** The most parts read from one body: the RLMI document and a part per resource. */
export const PARTS_MAX = RESOURCES_MAX + 1;
/** The largest list body read: its RLMI document and a dialog-info document per resource. */
export const LIST_BODY_MAX_BYTES = RLMI_MAX_BYTES + 8 * DIALOG_INFO_MAX_BYTES;
/** The most header lines of one part. */
const PART_HEADERS_MAX = 16;

export interface Part {
  /** Lower-cased header names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export interface RlmiInstance {
  readonly id: string;
  /** active, pending or terminated (RFC 4662 5.2). */
  readonly state: 'active' | 'pending' | 'terminated';
  readonly reason?: string;
  /** The Content-ID of the part with its state (without the angle brackets). */
  readonly cid?: string;
}

export interface RlmiResource {
  readonly uri: string;
  /** The resource's name (its first <name>), empty when none. */
  readonly name: string;
  readonly instances: readonly RlmiInstance[];
}

export interface Rlmi {
  readonly uri: string;
  readonly version: number;
  readonly fullState: boolean;
  readonly resources: readonly RlmiResource[];
}

/** A list NOTIFY's body: its RLMI document and the parts by Content-ID. */
export interface ListBody {
  readonly rlmi: Rlmi;
  readonly parts: ReadonlyMap<string, Part>;
}

type Failure = { readonly error: string };

/** A header parameter (boundary, type, start) of a Content-Type, quoted or not. */
export function mediaParam(contentType: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]{0,200})"|([^;\\s]{1,200}))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The media type of a Content-Type (lower-cased, without parameters). */
export const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Splits a multipart body (RFC 2046 5.1) into its parts; a failure when its framing cannot be read. */
export function splitMultipart(body: Buffer, boundary: string): Part[] | Failure {
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary)) return { error: 'no usable boundary' };
  if (body.length > LIST_BODY_MAX_BYTES) return { error: `over ${LIST_BODY_MAX_BYTES} bytes` };
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return { error: 'no boundary in the body' };
  for (;;) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') return parts; // the close delimiter
    // the rest of the delimiter line (transport padding) and its CRLF
    const eol = body.indexOf('\n', start);
    if (eol < 0) return { error: 'a boundary line without an end' };
    start = eol + 1;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start - 2);
    const nextLf = next < 0 ? body.indexOf(Buffer.from(`\n--${boundary}`), start - 1) : -1;
    if (next < 0 && nextLf < 0) return { error: 'no close delimiter' };
    const end = next >= 0 ? next : nextLf;
    if (parts.length >= PARTS_MAX) return { error: `more than ${PARTS_MAX} parts` };
    const part = readPart(body.subarray(start, Math.max(start, end)));
    if ('error' in part) return part;
    parts.push(part);
    at = end + (next >= 0 ? 2 : 1);
  }
}

function readPart(raw: Buffer): Part | Failure {
  // headers end at the first empty line; a part may have none (then it starts with the empty line)
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  let headEnd: number;
  let bodyStart: number;
  if (raw.subarray(0, 2).toString() === '\r\n') [headEnd, bodyStart] = [0, 2];
  else if (raw.subarray(0, 1).toString() === '\n') [headEnd, bodyStart] = [0, 1];
  else if (crlf >= 0 && (lf < 0 || crlf < lf)) [headEnd, bodyStart] = [crlf, crlf + 4];
  else if (lf >= 0) [headEnd, bodyStart] = [lf, lf + 2];
  else return { error: 'a part without a header end' };
  const headers = new Map<string, string>();
  const lines = raw.subarray(0, headEnd).toString('utf8').split(/\r?\n/);
  // folded lines continue the header before
  const unfolded: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else if (line !== '') unfolded.push(line);
  }
  if (unfolded.length > PART_HEADERS_MAX) return { error: `a part with more than ${PART_HEADERS_MAX} headers` };
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: 'a part header without a name' };
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.subarray(bodyStart) };
}

const parser = eventXmlParser(['resource', 'instance', 'name']);

const INSTANCE_STATES = ['active', 'pending', 'terminated'] as const;

function instance(n: unknown): RlmiInstance | undefined {
  if (!isNode(n)) return undefined;
  const id = attr(n, 'id');
  const state = attr(n, 'state')?.toLowerCase();
  const known = INSTANCE_STATES.find((s) => s === state);
  if (!id || !known) return undefined;
  const reason = attr(n, 'reason');
  const cid = attr(n, 'cid');
  return { id, state: known, ...(reason ? { reason: reason.toLowerCase() } : {}), ...(cid ? { cid } : {}) };
}

/** Reads an RLMI document (RFC 4662 5). */
export function parseRlmi(body: Buffer): Rlmi | Failure {
  const read = readEventXml(body, RLMI_MAX_BYTES, parser);
  if ('error' in read) return read;
  const doc = read.doc;
  const root = isNode(doc) ? doc['list'] : undefined;
  if (!isNode(root)) return { error: 'not an RLMI list' };
  const version = Number(attr(root, 'version'));
  const full = attr(root, 'fullState')?.toLowerCase();
  if (!Number.isSafeInteger(version) || version < 0 || (full !== 'true' && full !== 'false' && full !== '1' && full !== '0'))
    return { error: 'an RLMI list without a version or fullState' };
  const list = Array.isArray(root['resource']) ? (root['resource'] as unknown[]) : [];
  const resources: RlmiResource[] = [];
  for (const r of list.slice(0, RESOURCES_MAX)) {
    if (!isNode(r)) continue;
    const uri = attr(r, 'uri');
    if (!uri) continue;
    const names = Array.isArray(r['name']) ? (r['name'] as unknown[]) : [];
    const instances = (Array.isArray(r['instance']) ? (r['instance'] as unknown[]) : [])
      .slice(0, DIALOGS_MAX)
      .map(instance)
      .filter((i): i is RlmiInstance => i !== undefined);
    resources.push({ uri, name: text(names[0]).slice(0, 64), instances });
  }
  return { uri: attr(root, 'uri') ?? '', version, fullState: full === 'true' || full === '1', resources };
}

/** `<id@host>` -> `id@host` (a Content-ID as the RLMI's cid names it, RFC 2392). */
const bareCid = (v: string): string => v.trim().replace(/^<(.*)>$/, '$1');

/** Reads a list NOTIFY's body, given its Content-Type. */
export function parseListBody(contentType: string, body: Buffer): ListBody | Failure {
  if (mediaType(contentType) !== MULTIPART_RELATED) return { error: `not ${MULTIPART_RELATED}` };
  const boundary = mediaParam(contentType, 'boundary');
  if (!boundary) return { error: 'a multipart body without a boundary' };
  const parts = splitMultipart(body, boundary);
  if ('error' in parts) return parts;
  // the root: the part `start` names, else the first (RFC 2387 3.2); it must be the RLMI document
  const start = mediaParam(contentType, 'start');
  const root = (start ? parts.find((p) => bareCid(p.headers.get('content-id') ?? '') === bareCid(start)) : undefined) ?? parts[0];
  if (!root || mediaType(root.headers.get('content-type')) !== RLMI_TYPE) return { error: `no ${RLMI_TYPE} root part` };
  const rlmi = parseRlmi(root.body);
  if ('error' in rlmi) return rlmi;
  const byCid = new Map<string, Part>();
  for (const p of parts) {
    const cid = p.headers.get('content-id');
    if (p !== root && cid) byCid.set(bareCid(cid), p);
  }
  return { rlmi, parts: byCid };
}
