import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionTable } from './transactions.js';

describe('SIP transaction table', () => {
  it('answers a retransmission while Timer J runs, forgets it after', () => {
    const t = new TransactionTable<string>(32_000);
    t.set('a', '200', 0);
    assert.equal(t.get('a', 31_999), '200');
    assert.equal(t.get('a', 32_001), undefined);
    assert.equal(t.size, 0, 'expired entries are dropped');
  });

  it('is bounded: the oldest go first', () => {
    const t = new TransactionTable<number>(32_000, 3);
    for (let i = 0; i < 5; i++) t.set(`k${i}`, i, i);
    assert.equal(t.size, 3);
    assert.equal(t.get('k0', 10), undefined);
    assert.equal(t.get('k4', 10), 4);
  });

  it('expiry touches only the expired: 100,000 live entries, lookups stay cheap', () => {
    const t = new TransactionTable<number>(32_000, 200_000);
    for (let i = 0; i < 100_000; i++) t.set(`k${i}`, i, 1000);
    // Counted, not timed: a scan would visit every entry on each of these lookups.
    let visited = 0;
    const entries = (t as unknown as { entries: Map<string, unknown> }).entries;
    const iterate = entries[Symbol.iterator].bind(entries);
    entries[Symbol.iterator] = function* () {
      for (const e of iterate()) {
        visited++;
        yield e;
      }
    } as (typeof entries)[typeof Symbol.iterator];
    for (let i = 0; i < 1000; i++) t.get(`k${i}`, 2000);
    assert.ok(visited <= 1000, `visited ${visited} entries for 1000 lookups`);
  });
});
