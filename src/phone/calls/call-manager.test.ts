/** What a phone keeps of its ended calls: those of the last 40 s (sipStatus shows them), whether or not anyone asks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unitPhone } from '../test-phone.js';

describe('ended calls', () => {
  it('are let go 40 s after they end, also on a phone whose sipStatus nobody reads', () => {
    const { phone, clock } = unitPhone('VVX 450', { bootConfig: { 'reg.1.address': '1001', 'voIpProt.server.1.address': '127.0.0.1' } });
    phone.start();
    clock.advance(1000);
    const held = (): number => (phone.calls as unknown as { ended: unknown[] }).ended.length;
    for (let i = 0; i < 50; i++) {
      phone.calls.incoming(1, {
        caller: { receive: () => undefined },
        from: { number: String(2000 + i), name: '', address: '127.0.0.2' },
        callId: `c${i}`,
      });
      phone.calls.answer();
      phone.calls.end(phone.calls.active()?.handle);
      clock.advance(10_000);
    }
    // a call every 10 s: those that ended 10, 20 and 30 s ago, and the one 40 s ago until the next end lets it go
    assert.ok(held() <= 4, `${held()} ended calls held`);
    assert.equal(phone.calls.recentlyEnded().length, 3);
  });
});
