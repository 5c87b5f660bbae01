/** A PhoneStore that keeps everything in memory: for phones started without a data dir, and for tests. */
import type { StoredLayer } from '../phone/config/types.js';
import type { CallLogRecord, Identity, PhoneStore } from '../phone/ports.js';

export class MemoryStore implements PhoneStore {
  private identity: Identity | undefined;
  private layers: Record<StoredLayer, Record<string, string>> = { DEVICE: {}, CONFIG: {}, WEB: {}, LOCAL: {} };
  private callLog: CallLogRecord[] = [];
  private blobs = new Map<string, string>();

  loadIdentity(): Identity | undefined {
    return this.identity;
  }
  saveIdentity(identity: Identity): void {
    this.identity = identity;
  }
  loadLayers(): Record<StoredLayer, Record<string, string>> {
    return {
      DEVICE: { ...this.layers.DEVICE },
      CONFIG: { ...this.layers.CONFIG },
      WEB: { ...this.layers.WEB },
      LOCAL: { ...this.layers.LOCAL },
    };
  }
  writeLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void {
    this.layers[layer] = { ...this.layers[layer], ...entries };
  }
  replaceLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void {
    this.layers[layer] = { ...entries };
  }
  clearLayers(layers: readonly StoredLayer[]): void {
    for (const l of layers) this.layers[l] = {};
  }
  appendCallLog(record: CallLogRecord, keep: number): void {
    this.callLog.push(record);
    const kinds = this.callLog.filter((r) => r.kind === record.kind);
    if (kinds.length > keep) this.callLog.splice(this.callLog.indexOf(kinds[0] as CallLogRecord), 1);
  }
  loadCallLog(): CallLogRecord[] {
    return [...this.callLog];
  }
  clearCallLog(): void {
    this.callLog = [];
  }
  getBlob(name: string): string | undefined {
    return this.blobs.get(name);
  }
  putBlob(name: string, value: string): void {
    this.blobs.set(name, value);
  }
  close(): void {}
}
