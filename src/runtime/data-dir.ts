/** The data dir: made if missing, and proven writable before a phone uses it. */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { DataDirError } from '../errors.js';

export { DataDirError };

export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DataDirError(`cannot create data dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!statSync(dir).isDirectory()) throw new DataDirError(`data dir ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new DataDirError(`data dir ${dir} is not writable`);
  }
}
