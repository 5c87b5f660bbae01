import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'polysim-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite store', () => {
  it('keeps identity, layers, call log and blobs across reopening', () => {
    const file = join(dir, 'a.db');
    const s = new SqliteStore(file);
    s.saveIdentity({ mac: '0004F2000001', serial: 'S1', createdAt: 5 });
    s.writeLayer('LOCAL', { a: '1', b: '2' });
    s.writeLayer('CONFIG', { a: 'c' });
    s.appendCallLog({ kind: 'placed', line: 1, startTime: 10, remoteName: 'Bob', remoteNumber: '1002', durationSeconds: 3 }, 100);
    s.putBlob('tls', 'pem');
    s.close();
    const r = new SqliteStore(file);
    assert.deepEqual(r.loadIdentity(), { mac: '0004F2000001', serial: 'S1', createdAt: 5 });
    assert.deepEqual(r.loadLayers(), { DEVICE: {}, CONFIG: { a: 'c' }, WEB: {}, LOCAL: { a: '1', b: '2' } });
    assert.deepEqual(r.loadCallLog(), [
      { kind: 'placed', line: 1, startTime: 10, remoteName: 'Bob', remoteNumber: '1002', durationSeconds: 3 },
    ]);
    assert.equal(r.getBlob('tls'), 'pem');
    r.replaceLayer('LOCAL', { z: '9' });
    r.clearLayers(['CONFIG']);
    assert.deepEqual(r.loadLayers(), { DEVICE: {}, CONFIG: {}, WEB: {}, LOCAL: { z: '9' } });
    r.close();
  });

  it('trims the call log per kind to the newest entries', () => {
    const s = new SqliteStore(join(dir, 'b.db'));
    for (let i = 0; i < 5; i++) {
      s.appendCallLog({ kind: 'missed', line: 1, startTime: i, remoteName: '', remoteNumber: String(i), durationSeconds: 0 }, 3);
      s.appendCallLog({ kind: 'placed', line: 1, startTime: i, remoteName: '', remoteNumber: String(i), durationSeconds: 0 }, 3);
    }
    const log = s.loadCallLog();
    assert.deepEqual(
      log.filter((r) => r.kind === 'missed').map((r) => r.remoteNumber),
      ['2', '3', '4'],
    );
    assert.deepEqual(
      log.filter((r) => r.kind === 'placed').map((r) => r.remoteNumber),
      ['2', '3', '4'],
    );
    s.clearCallLog();
    assert.deepEqual(s.loadCallLog(), []);
    s.close();
  });
});
