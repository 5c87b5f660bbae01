/**
 * A phone's request journal: its last requests, however they arrived (HTTP, HTTPS, SIP NOTIFY), with their answers,
 * oldest first. Bounded by count and by bytes: a URL is kept to URL_MAX characters (UNAUTHORIZED_URL_MAX for a
 * request that did not authenticate, which is counted but kept small), and the oldest entries go once the whole
 * journal holds more than maxBytes.
 */
import type { Transport } from '../api/operation.js';

export interface JournalEntry {
  readonly at: string;
  readonly transport: Transport;
  readonly method: string;
  readonly url: string;
  /** The sender's address. */
  readonly from: string;
  /** How the request authenticated, when it did. */
  readonly auth?: string;
  /** The HTTP status of the answer (for SIP NOTIFY: the status the same answer has over HTTP). */
  readonly httpStatus: number;
  /** The JSON Status, when the answer carried one; for a web application handler's refusal, the Status it stands for. */
  readonly status?: string;
  readonly ms: number;
  /** Why an operation failed, for people reading the journal (never sent to the client). */
  readonly detail?: string;
  /** 'out': a request the phone sent (a posted event or polled state), to `url`; absent: one it received. */
  readonly direction?: 'out';
}

/**
 * What a request carried and what it was answered, for live readers only (the event stream): never kept in the
 * journal, made only while someone listens, each part capped at DETAIL_BODY_MAX characters, credentials redacted.
 */
export interface RequestDetail {
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody?: string;
  readonly responseBody?: string;
}

export const DETAIL_BODY_MAX = 2048;

/** What the journal is given: the time as milliseconds (made into text only when the journal is read). */
export type JournalRecord = Omit<JournalEntry, 'at'> & { readonly at: number };

export const URL_MAX = 512;
export const UNAUTHORIZED_URL_MAX = 64;
export const DETAIL_MAX = 200;
/** Fixed cost of an entry besides its strings (object, numbers, timestamp). */
const ENTRY_OVERHEAD = 120;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/**
 * A copy of `text` that shares no memory with it. V8 makes a slice (and often a short string cut from a request) a
 * view into its parent string, which then lives as long as the slice: a 512-character URL kept from a 16 KB
 * request would hold all 16 KB. What the journal keeps is copied through a Buffer (UTF-16, so every code unit
 * survives), so that its byte cap bounds memory for real.
 */
export function own(text: string): string {
  return text.length === 0 ? '' : Buffer.from(text, 'utf16le').toString('utf16le');
}

/** Short strings kept by every journal of the process (the same paths, methods and addresses come again and again). */
const SHARED_MAX = 256;
const SHARED_LENGTH_MAX = 128;
const shared = new Map<string, string>();

/**
 * own(text), through a small table the journals share: a repeated URL or address is looked up (by value, so a slice
 * finds the copy) instead of copied again. Bounded by count and length; emptied when full.
 */
export function ownShared(text: string): string {
  // V8 copies what it would cut shorter than 13 characters (SlicedString::kMinLength): such a string is its own.
  if (text.length < 13) return text;
  if (text.length > SHARED_LENGTH_MAX) return own(text);
  const known = shared.get(text);
  if (known !== undefined) return known;
  const copy = own(text);
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(copy, copy);
  return copy;
}

function sizeOf(e: JournalRecord): number {
  return ENTRY_OVERHEAD + e.url.length + e.method.length + e.from.length + (e.detail?.length ?? 0) + (e.auth?.length ?? 0);
}

export class Journal {
  private readonly entries: JournalRecord[] = [];
  private bytes = 0;
  /** Requests recorded since the phone started, including those no longer kept. */
  total = 0;
  /** Of those, the ones that did not authenticate (401). */
  unauthorized = 0;

  private readonly listeners = new Set<(entry: JournalRecord, detail?: RequestDetail) => void>();

  constructor(
    readonly capacity = 200,
    readonly maxBytes = 64 * 1024,
  ) {}

  /** Calls listener with every request recorded from now on (the event stream); returns the way to stop. */
  onRecord(listener: (entry: JournalRecord, detail?: RequestDetail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Someone reads requests live: the recorder may then make their details. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  add(entry: JournalRecord, detail?: RequestDetail): void {
    this.total++;
    const small = entry.httpStatus === 401;
    if (small) this.unauthorized++;
    // Every string kept is a copy: none may keep the request it was cut from alive.
    const kept: JournalRecord = {
      at: entry.at,
      transport: entry.transport,
      method: ownShared(clip(entry.method, 16)),
      url: ownShared(clip(entry.url, small ? UNAUTHORIZED_URL_MAX : URL_MAX)),
      from: ownShared(clip(entry.from, 64)),
      auth: entry.auth === undefined ? undefined : ownShared(clip(entry.auth, 32)),
      httpStatus: entry.httpStatus,
      status: entry.status,
      ms: entry.ms,
      detail: entry.detail === undefined ? undefined : own(clip(entry.detail, DETAIL_MAX)),
      ...(entry.direction ? { direction: entry.direction } : {}),
    };
    this.entries.push(kept);
    this.bytes += sizeOf(kept);
    for (const listener of this.listeners) listener(kept, detail);
    while (this.entries.length > this.capacity || this.bytes > this.maxBytes) {
      const old = this.entries.shift();
      if (!old) break;
      this.bytes -= sizeOf(old);
    }
  }

  /** What the kept entries weigh, as counted against maxBytes. */
  get size(): number {
    return this.bytes;
  }

  last(n = this.capacity): JournalEntry[] {
    return this.entries.slice(-Math.max(0, n)).map(entryOf);
  }

  /** The last request the phone received (not a document it posted), when one is kept. */
  lastReceived(): JournalEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as JournalRecord;
      if (!e.direction) return entryOf(e);
    }
    return undefined;
  }
}

function entryOf(e: JournalRecord): JournalEntry {
  return { ...e, at: new Date(e.at).toISOString() };
}
