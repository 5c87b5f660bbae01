/**
 * The phone's persistent store: one SQLite database per phone under its data dir (better-sqlite3, WAL).
 * Every write is a transaction that is durable before the call returns, so `kill -9` loses nothing that was
 * acknowledged.
 */
import Database from 'better-sqlite3';
import type { StoredLayer } from '../phone/config/types.js';
import type { CallLogRecord, Identity, PhoneStore } from '../phone/ports.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS identity (id INTEGER PRIMARY KEY CHECK (id = 1), mac TEXT NOT NULL, serial TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS config (layer TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (layer, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS call_log (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, line INTEGER NOT NULL,
  start_time INTEGER NOT NULL, remote_name TEXT NOT NULL, remote_number TEXT NOT NULL, duration INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blob (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

export class SqliteStore implements PhoneStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
    this.stmts = {
      identity: this.db.prepare('SELECT mac, serial, created_at AS createdAt FROM identity WHERE id = 1'),
      saveIdentity: this.db.prepare(
        'INSERT INTO identity (id, mac, serial, created_at) VALUES (1, ?, ?, ?) ' +
          'ON CONFLICT (id) DO UPDATE SET mac = excluded.mac, serial = excluded.serial, created_at = excluded.created_at',
      ),
      layers: this.db.prepare('SELECT layer, name, value FROM config'),
      put: this.db.prepare(
        'INSERT INTO config (layer, name, value) VALUES (?, ?, ?) ' + 'ON CONFLICT (layer, name) DO UPDATE SET value = excluded.value',
      ),
      clearLayer: this.db.prepare('DELETE FROM config WHERE layer = ?'),
      addCall: this.db.prepare(
        'INSERT INTO call_log (kind, line, start_time, remote_name, remote_number, duration) ' + 'VALUES (?, ?, ?, ?, ?, ?)',
      ),
      trimCalls: this.db.prepare(
        'DELETE FROM call_log WHERE kind = ? AND id NOT IN ' + '(SELECT id FROM call_log WHERE kind = ? ORDER BY id DESC LIMIT ?)',
      ),
      calls: this.db.prepare(
        'SELECT kind, line, start_time AS startTime, remote_name AS remoteName, ' +
          'remote_number AS remoteNumber, duration AS durationSeconds FROM call_log ORDER BY id',
      ),
      clearCalls: this.db.prepare('DELETE FROM call_log'),
      getBlob: this.db.prepare('SELECT value FROM blob WHERE name = ?'),
      putBlob: this.db.prepare('INSERT INTO blob (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
  }

  loadIdentity(): Identity | undefined {
    return this.stmts.identity.get() as Identity | undefined;
  }

  saveIdentity(identity: Identity): void {
    this.stmts.saveIdentity.run(identity.mac, identity.serial, identity.createdAt);
  }

  loadLayers(): Record<StoredLayer, Record<string, string>> {
    const out: Record<StoredLayer, Record<string, string>> = { DEVICE: {}, CONFIG: {}, WEB: {}, LOCAL: {} };
    for (const row of this.stmts.layers.all() as { layer: StoredLayer; name: string; value: string }[]) {
      if (row.layer in out) out[row.layer][row.name] = row.value;
    }
    return out;
  }

  writeLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void {
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(entries)) this.stmts.put.run(layer, name, value);
    })();
  }

  replaceLayer(layer: StoredLayer, entries: Readonly<Record<string, string>>): void {
    this.db.transaction(() => {
      this.stmts.clearLayer.run(layer);
      for (const [name, value] of Object.entries(entries)) this.stmts.put.run(layer, name, value);
    })();
  }

  clearLayers(layers: readonly StoredLayer[]): void {
    this.db.transaction(() => {
      for (const layer of layers) this.stmts.clearLayer.run(layer);
    })();
  }

  appendCallLog(r: CallLogRecord, keep: number): void {
    this.db.transaction(() => {
      this.stmts.addCall.run(r.kind, r.line, r.startTime, r.remoteName, r.remoteNumber, r.durationSeconds);
      this.stmts.trimCalls.run(r.kind, r.kind, keep);
    })();
  }

  loadCallLog(): CallLogRecord[] {
    return this.stmts.calls.all() as CallLogRecord[];
  }

  clearCallLog(): void {
    this.stmts.clearCalls.run();
  }

  getBlob(name: string): string | undefined {
    return (this.stmts.getBlob.get(name) as { value: string } | undefined)?.value;
  }

  putBlob(name: string, value: string): void {
    this.stmts.putBlob.run(name, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
