/**
 * What the phone is given by its host process: persistence and outbound transfers. The phone knows these
 * interfaces only; src/store and src/network implement them (SQLite, memory, HTTP).
 */
import type { StoredLayer } from './config/types.js';

export interface Identity {
  readonly mac: string;
  readonly serial: string;
  readonly createdAt: number;
}

export interface CallLogRecord {
  readonly kind: 'missed' | 'received' | 'placed';
  readonly line: number;
  readonly startTime: number;
  readonly remoteName: string;
  readonly remoteNumber: string;
  readonly durationSeconds: number;
}

export interface PhoneStore {
  loadIdentity(): Identity | undefined;
  saveIdentity(identity: Identity): void;
  loadLayers(): Record<StoredLayer, Record<string, string>>;
  /** Writes all entries of one layer atomically: all or nothing. */
  writeLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void;
  /** Replaces a layer's whole content atomically. */
  replaceLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void;
  clearLayers(layers: readonly StoredLayer[]): void;
  appendCallLog(record: CallLogRecord, keep: number): void;
  loadCallLog(): CallLogRecord[];
  clearCallLog(): void;
  /** Small named blobs the phone keeps across reboots (e.g. its TLS key pair). */
  getBlob(name: string): string | undefined;
  putBlob(name: string, value: string): void;
  close(): void;
}

export interface TransferResult {
  readonly status: number;
  readonly body: Buffer;
}

/** Outbound file transfers: provisioning downloads and uploads (config export, packet captures). */
export interface Transfers {
  get(url: string, auth?: { user: string; password: string }): Promise<TransferResult>;
  upload(url: string, body: Buffer, contentType: string, method?: 'PUT' | 'POST'): Promise<TransferResult>;
}

/** A document the phone posts to an application (a telephony event, polled state). */
export interface OutboxItem {
  readonly url: string;
  readonly body: string;
  readonly contentType: string;
  /** What the document is (IncomingCallEvent, CallLineInfo, ...). */
  readonly label: string;
  /** When it was raised (the phone's clock). */
  readonly raisedAt: number;
}

/** Where the phone's posted documents go: its outbound queue, given by the host; nothing waits on it. */
export interface Outbox {
  push(item: OutboxItem): void;
  /** Drops what waits (the phone is stopped for good; a restart lets it go out). */
  clear(): void;
}
