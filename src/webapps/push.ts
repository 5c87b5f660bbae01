/**
 * The Push API: an application POSTs `<PolycomIPPhone><Data priority="…">…</Data></PolycomIPPhone>` (XHTML to show,
 * or with Content-Type application/x-com-polycom-spipx internal URIs to run: Key:…, tel:…) or
 * `<PolycomIPPhone><URL priority="…">/relative</URL></PolycomIPPhone>` (fetched from apps.push.serverRootURL) to
 * /push, with Digest MD5 as apps.push.username and .password (without both there is no push server: 404). The phone
 * answers at once and acts afterwards, as the guide says ("it returns a 2xx or 4xx response immediately"):
 * 200 taken; 400 not a push document; 403 a priority apps.push.messageType does not let in; 413 over 2 KB.
 * What the phone shows follows push-board.ts. Choices where the guide is silent: docs/fidelity.md.
 */
import { XMLParser } from 'fast-xml-parser';
import type { TextBody } from '../api/body.js';
import { defineOperation } from '../api/operation.js';
import type { Account, Operation, Reply } from '../api/operation.js';
import { numberOf } from '../phone/calls/call-manager.js';
import type { Phone } from '../phone/phone.js';
import { PRIORITIES, priorityOf } from '../phone/screen/push-board.js';
import type { PushPriority } from '../phone/screen/push-board.js';
import { webAppAccount } from './polling.js';

/** "The maximum content length for push request is 2KB." (UC Software 5.0.0) */
export const PUSH_MAX_BYTES = 2048;
export const SPIPX = 'application/x-com-polycom-spipx';

const pushAccount = (phone: Phone): Account | undefined => webAppAccount(phone, 'apps.push.username', 'apps.push.password');

/** apps.push.messageType: 0 none, 1 Normal only, 2 Important only, 3 High only, 4 Critical only, 5 all. */
export function allowed(phone: Phone, priority: PushPriority): boolean {
  const type = phone.config.int('apps.push.messageType');
  if (type === 5) return true;
  const only: Readonly<Record<number, PushPriority>> = { 1: 'Normal', 2: 'Important', 3: 'High', 4: 'Critical' };
  return only[type] === priority;
}

// The content of <Data> is kept as written (stopNodes): it is XHTML to show or URIs to run, not part of the document.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  stopNodes: ['PolycomIPPhone.Data'],
  processEntities: false,
  parseTagValue: false,
  trimValues: true,
});

export interface PushRequest {
  readonly kind: 'data' | 'url';
  readonly priority: PushPriority;
  readonly content: string;
}

type Parsed = Record<string, unknown>;

function single(node: unknown): { text: string; priority: string | undefined } | undefined {
  if (Array.isArray(node)) return undefined; // "multiple URIs in a single push request are not supported"
  if (typeof node === 'string') return { text: node, priority: undefined };
  if (node && typeof node === 'object') {
    const o = node as Parsed;
    const text = o['#text'];
    return { text: typeof text === 'string' ? text : '', priority: typeof o['priority'] === 'string' ? o['priority'] : undefined };
  }
  return undefined;
}

/** The push a body asks for, or undefined when it is not a push document. */
export function parsePush(body: string): PushRequest | undefined {
  let doc: Parsed;
  try {
    doc = parser.parse(body, true) as Parsed;
  } catch {
    return undefined;
  }
  const root = doc['PolycomIPPhone'];
  if (!root || typeof root !== 'object' || Array.isArray(root)) return undefined;
  const r = root as Parsed;
  const hasData = 'Data' in r;
  if (hasData === 'URL' in r) return undefined;
  const node = single(hasData ? r['Data'] : r['URL']);
  if (!node || node.text.trim() === '') return undefined;
  return { kind: hasData ? 'data' : 'url', priority: priorityOf(node.priority), content: node.text.trim() };
}

const URI_LINE = /^(Key|tel|Tel|sip|Play|Action):/i;

/** Internal URIs, one a line (Key:Line1, tel:\\5551212, …), as a spipx body carries them. */
function uriLines(content: string): string[] | undefined {
  const lines = content
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length > 0 && lines.every((l) => URI_LINE.test(l)) ? lines : undefined;
}

/** The model's key of that name, matched without regard to case (clients write DialPad5 and Dialpad5 alike). */
function keyNamed(phone: Phone, name: string): string | undefined {
  const want = name.trim().toLowerCase();
  return phone.profile.keys.find((k) => k.toLowerCase() === want);
}

/** Tel:<number>[;LineN]: a call on the line (held calls first, as the guide says), or the selected line. */
function dialUri(phone: Phone, uri: string): void {
  const [target = '', ...params] = uri.replace(/^(tel|sip):\\*/i, '').split(';');
  const lineParam = params.map((p) => /^line(\d{1,2})$/i.exec(p.trim())).find((m) => m);
  const line = lineParam ? Number(lineParam[1]) : phone.screen.selectedLine;
  if (!phone.lines.exists(line) || numberOf(target) === '') return;
  const busy = phone.calls.all().find((c) => c.line === line && c.state === 'Connected');
  if (busy) phone.calls.hold(busy.handle);
  phone.calls.dial(line, target);
}

/** Runs internal URIs in order; one that cannot run is skipped, as a phone ignores what it cannot do. */
export function runUris(phone: Phone, lines: readonly string[]): void {
  for (const line of lines) {
    try {
      const [scheme = '', ...rest] = line.split(':');
      const value = rest.join(':');
      if (/^key$/i.test(scheme)) {
        const key = keyNamed(phone, value);
        if (key) phone.screen.key(key);
      } else if (/^(tel|sip)$/i.test(scheme)) {
        dialUri(phone, line);
      }
      // Play: and Action: need what polysim does not model (audio files, a configuration update): skipped.
    } catch {
      // A key the phone refuses in its state, a line that cannot dial: the next URI still runs.
    }
  }
}

/** The most of a fetched page the phone keeps (the microbrowser's memory is small; a push page is a screenful). */
export const PUSH_PAGE_MAX = 64 * 1024;

function show(phone: Phone, priority: PushPriority, whole: string, contentType: string, url?: string): void {
  const content = whole.length > PUSH_PAGE_MAX ? whole.slice(0, PUSH_PAGE_MAX) : whole;
  const uris = contentType.toLowerCase().startsWith(SPIPX) ? uriLines(content) : undefined;
  if (uris) runUris(phone, uris);
  else phone.screen.push.offer(priority, content, url);
}

/** Where a URL push is fetched from: apps.push.serverRootURL and the pushed path, joined by one slash. */
export function pushedUrl(root: string, path: string): string | undefined {
  if (root === '' || /^[a-z][a-z0-9+.-]*:/i.test(path)) return undefined;
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Pages a phone fetches for URL pushes at once, at most; a URL push past them is taken and ignored. */
export const PUSH_FETCHES_MAX = 4;
const fetching = new WeakMap<Phone, number>();

/** Fetches a pushed page after the answer, within the phone's bound; what cannot be fetched is ignored. */
function fetchPushed(phone: Phone, url: string, priority: PushPriority, contentType: string): void {
  const now = fetching.get(phone) ?? 0;
  if (now >= PUSH_FETCHES_MAX) return;
  fetching.set(phone, now + 1);
  void phone.transfers
    .get(url)
    .then(
      (r) => {
        if (r.status >= 200 && r.status < 300 && phone.isUp) show(phone, priority, r.body.toString('utf8'), contentType, url);
      },
      () => undefined,
    )
    .finally(() => fetching.set(phone, (fetching.get(phone) ?? 1) - 1));
}

const status = (httpStatus: number): Reply => ({ document: { contentType: 'text/plain', body: '', httpStatus } });

const push = defineOperation({
  name: 'Push.Push',
  methods: ['POST'],
  paths: ['/push'],
  inputFrom: 'text',
  transports: ['http', 'https'],
  returnCodes: [],
  account: pushAccount,
  handler: ({ phone, input }) => {
    const body = input as unknown as TextBody;
    if (Buffer.byteLength(body.text) > PUSH_MAX_BYTES) return status(413);
    const req = parsePush(body.text);
    if (!req) return status(400);
    if (!allowed(phone, req.priority)) return status(403);
    if (req.kind === 'data') {
      show(phone, req.priority, req.content, body.contentType);
      return status(200);
    }
    const url = pushedUrl(phone.config.value('apps.push.serverRootURL'), req.content);
    if (!url) return status(400);
    // Fetched after the answer; "if the phone cannot fetch the content from the pushed URI, the request is ignored".
    fetchPushed(phone, url, req.priority, body.contentType);
    return status(200);
  },
});

export const pushOperations: readonly Operation[] = [push];
export { PRIORITIES };
