/**
 * Where a phone's random identifiers come from (identity.ts's IdSource): MACs, serials, the switchboard's ids, and
 * the generated passwords of development phones.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import type { IdSource } from '../phone/identity.js';

/**
 * Random bytes from the system's generator, drawn 4 KB at a time as node's randomUUID does (no library hands out a
 * pool of them): a fleet draws a few bytes per phone (its MAC, serial and call ids), and each call to the generator
 * costs far more than the bytes. No byte is handed out twice.
 */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;
export const randomIds: IdSource = {
  hex: (bytes) => {
    if (bytes > pool.length) return randomBytes(bytes).toString('hex');
    if (poolUsed + bytes > pool.length) {
      randomFillSync(pool);
      poolUsed = 0;
    }
    poolUsed += bytes;
    return pool.toString('hex', poolUsed - bytes, poolUsed);
  },
};

/** A password for development phones: 12 characters, no look-alikes. */
export function generatePassword(ids: IdSource = randomIds): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  return [...Buffer.from(ids.hex(12), 'hex')].map((b) => alphabet[b % alphabet.length]).join('');
}
