import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSmallFile, SmallFileError } from './small-file.js';

const dir = mkdtempSync(join(tmpdir(), 'polysim-small-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function reason(file: string, max?: number): string {
  try {
    readSmallFile(file, max);
  } catch (err) {
    assert.ok(err instanceof SmallFileError, String(err));
    return err.reason;
  }
  assert.fail(`${file} was read`);
}

describe('readSmallFile', () => {
  it('reads a regular file whole, up to the bound', () => {
    const file = join(dir, 'ok.txt');
    writeFileSync(file, 'é'.repeat(50_000));
    assert.equal(readSmallFile(file), 'é'.repeat(50_000));
    assert.equal(readSmallFile(file, 100_000), 'é'.repeat(50_000));
    assert.equal(reason(file, 99_999), 'larger than 99999 bytes');
    writeFileSync(file, Buffer.alloc(4 * 1024 * 1024 + 1));
    assert.equal(reason(file), 'larger than 4 MB');
  });

  it('refuses devices, pipes and directories at once, and says what they are', () => {
    assert.equal(reason('/dev/zero'), 'a device, not a file');
    assert.equal(reason('/dev/null'), 'a device, not a file');
    assert.equal(reason(dir), 'a directory, not a file');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO without a writer would block a plain read for ever.
    assert.equal(reason(fifo), 'a pipe, not a file');
  });

  it('keeps the bound for files whose size says 0 (/proc)', () => {
    assert.match(readSmallFile('/proc/self/status'), /^Name:/);
    assert.equal(reason('/proc/self/status', 10), 'larger than 10 bytes');
  });

  it('names a missing or unreadable file by its errno code', () => {
    assert.equal(reason(join(dir, 'absent')), 'ENOENT');
    assert.equal(reason('/dev/null/x'), 'ENOTDIR');
  });
});
