import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePassword, randomIds } from './random-ids.js';

describe('random ids (drawn from a pool of the system generator)', () => {
  it('give the digits asked for, never the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 3,000 draws of 8 bytes: the 4 KB pool is refilled five times on the way
    for (let i = 0; i < 3000; i++) {
      const id = randomIds.hex(8);
      assert.match(id, /^[0-9a-f]{16}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 3000);
    // draws of odd sizes leave the pool at odd places; one larger than the pool bypasses it
    for (const n of [1, 3, 4095, 7, 4096, 5000]) assert.equal(randomIds.hex(n).length, 2 * n);
  });

  it('make passwords of 12 characters without look-alikes, each different', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generatePassword()));
    assert.equal(passwords.size, 200);
    for (const p of passwords) assert.match(p, /^[A-HJ-NP-Za-km-np-z2-9]{12}$/);
  });
});
