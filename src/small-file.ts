/**
 * Reading a file a user names (a fleet file, a certificate, a key, a CA, a hosts list): only a regular file, and
 * at most a few MB of it. `/dev/zero`, a FIFO or a directory named by mistake gets a reason, never a read that
 * runs forever, runs out of memory or waits for a writer.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { SmallFileError } from './errors.js';

/** The largest file an option reads: far more than any fleet file, certificate or hosts list needs. */
export const MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024;

export { SmallFileError };

function kind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFIFO()) return 'a pipe';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

const size = (n: number): string => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MB` : `${n} bytes`);

/** The file's text (UTF-8); throws SmallFileError when it is not a regular file or is over maxBytes. */
export function readSmallFile(file: string, maxBytes = MAX_SMALL_FILE_BYTES): string {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO must not wait for a writer; on a regular file the flag changes nothing.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new SmallFileError((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new SmallFileError(`${kind(stats)}, not a file`);
    if (stats.size > maxBytes) throw new SmallFileError(`larger than ${size(maxBytes)}`);
    // Read to the end, never past the bound (a file may grow, and /proc files say size 0).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new SmallFileError((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new SmallFileError(`larger than ${size(maxBytes)}`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
