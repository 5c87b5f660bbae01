import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostQueue } from './post-queue.js';
import type { PostItem, PostResult } from './post-queue.js';

const item = (label: string): PostItem => ({
  url: 'http://127.0.0.1:9/x',
  body: label,
  contentType: 'application/xml',
  label,
  raisedAt: 0,
});

describe('a phone outbound queue', () => {
  it('delivers one at a time, in the order raised, and counts by outcome', async () => {
    const sent: string[] = [];
    let inFlight = 0;
    let most = 0;
    const q = new PostQueue({
      now: () => 0,
      send: async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        sent.push(i.label);
        inFlight--;
        return i.label === 'b' ? 500 : 204;
      },
    });
    for (const l of ['a', 'b', 'c']) q.push(item(l));
    await q.settled();
    assert.deepEqual(sent, ['a', 'b', 'c']);
    assert.equal(most, 1);
    assert.deepEqual(q.counts, { delivered: 2, failed: 1, dropped: 0 });
  });

  it('full: the oldest waiting is dropped for the newest; a rejected send is a failure; a throwing report stops nothing; counts per kind', async () => {
    const results: PostResult[] = [];
    let release: (() => void) | undefined;
    const q = new PostQueue({
      now: () => 0,
      max: 2,
      send: (i) =>
        i.label === 'first' ? new Promise<number>((r) => (release = () => r(200))) : Promise.reject(new Error(`no ${i.label}`)),
      report: (r) => {
        results.push(r);
        throw new Error('a report that throws');
      },
    });
    q.push(item('first'));
    for (const l of ['w1', 'w2', 'w3']) q.push(item(l));
    assert.equal(q.length, 3);
    release?.();
    await q.settled();
    assert.deepEqual(
      results.map((r) => `${r.item.label}:${r.result}`),
      ['w1:dropped', 'first:delivered', 'w2:failed', 'w3:failed'],
    );
    assert.deepEqual(q.counts, { delivered: 1, failed: 2, dropped: 1 });
    // and the same per kind of document
    assert.deepEqual(Object.fromEntries(q.countsByLabel), {
      first: { delivered: 1, failed: 0, dropped: 0 },
      w1: { delivered: 0, failed: 0, dropped: 1 },
      w2: { delivered: 0, failed: 1, dropped: 0 },
      w3: { delivered: 0, failed: 1, dropped: 0 },
    });
  });

  it('clear drops what waits (the phone goes down)', async () => {
    let release: (() => void) | undefined;
    const q = new PostQueue({ now: () => 0, send: () => new Promise<number>((r) => (release = () => r(200))) });
    q.push(item('a'));
    q.push(item('b'));
    q.clear();
    assert.equal(q.counts.dropped, 1);
    release?.();
    await q.settled();
    assert.deepEqual(q.counts, { delivered: 1, failed: 0, dropped: 1 });
  });
});
