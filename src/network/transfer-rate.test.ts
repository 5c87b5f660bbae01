/** The fleet's cap on transfers a second: a token bucket on an injected clock and timer, so no test waits. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { TransferRate } from './transfer-rate.js';
import { PhoneTransfers } from './transfers.js';

/** A clock and a timer that run only when told. */
function manualTime(): {
  now: () => number;
  later: (ms: number, run: () => void) => ReturnType<typeof setTimeout>;
  advance(ms: number): void;
  armed(): number[];
} {
  let t = 0;
  let timers: { at: number; run: () => void }[] = [];
  return {
    now: () => t,
    later: (ms, run) => {
      timers.push({ at: t + ms, run });
      return { unref: () => undefined } as unknown as ReturnType<typeof setTimeout>;
    },
    advance(ms) {
      // time passes: each timer runs at its moment, and one it arms on the way runs too if it falls due
      const end = t + ms;
      for (;;) {
        const next = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((x) => x !== next);
        t = next.at;
        next.run();
      }
      t = end;
    },
    armed: () => timers.map((x) => x.at - t),
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('a transfer rate', () => {
  it('lets a second’s worth start at once, then one every 1/rate seconds, in order', async () => {
    const time = manualTime();
    const rate = new TransferRate(2, time.now, time.later);
    const started: number[] = [];
    for (let i = 0; i < 6; i++) void rate.take().then(() => started.push(i));
    await settle();
    assert.deepEqual(started, [0, 1]);
    assert.equal(rate.queued, 4);
    assert.deepEqual(time.armed(), [500]);
    time.advance(499);
    await settle();
    assert.deepEqual(started, [0, 1]);
    time.advance(1);
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    time.advance(1500);
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5], 'in the order they asked');
    assert.equal(rate.queued, 0);
    assert.deepEqual(time.armed(), [], 'no timer left behind');
  });

  it('below one a second: one at once, then one every 1/rate seconds; idle, it fills up to a second’s worth only', async () => {
    const time = manualTime();
    const rate = new TransferRate(0.5, time.now, time.later);
    const started: number[] = [];
    for (let i = 0; i < 2; i++) void rate.take().then(() => started.push(i));
    await settle();
    assert.deepEqual(started, [0]);
    assert.deepEqual(time.armed(), [2000], 'half a transfer a second: the next after 2 s');
    time.advance(2000);
    await settle();
    assert.deepEqual(started, [0, 1]);
    // a minute idle fills the bucket with one transfer (a second's worth, at least one), not thirty
    const fast = new TransferRate(3, time.now, time.later);
    const burst: number[] = [];
    for (let i = 0; i < 4; i++) void fast.take().then(() => burst.push(i));
    await settle();
    time.advance(60_000);
    await settle();
    for (let i = 4; i < 8; i++) void fast.take().then(() => burst.push(i));
    await settle();
    assert.deepEqual(burst, [0, 1, 2, 3, 4, 5, 6], 'after the idle minute, three at once (the fourth waits)');
    assert.throws(() => new TransferRate(0), RangeError);
  });

  it("holds a phone's transfers (PhoneTransfers) until their turn", async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`;
    try {
      const time = manualTime();
      const transfers = new PhoneTransfers({ rate: new TransferRate(1, time.now, time.later) });
      let done = 0;
      const all = [transfers.get(url), transfers.upload(url, Buffer.from('x'), 'text/plain')].map((p) => p.then(() => done++));
      await all[0];
      await settle();
      assert.equal(done, 1, 'the second waits for its turn (its time does not move until told)');
      time.advance(1000);
      await Promise.all(all);
      assert.equal(done, 2);
    } finally {
      server.close();
    }
  });
});
