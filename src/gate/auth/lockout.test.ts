import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lockout } from './lockout.js';

const rule = { enabled: true, attempts: 5, windowMs: 60_000, lockMs: 60_000 };

describe('login lockout', () => {
  it('locks after N failures within the window, for the lock duration', () => {
    const l = new Lockout();
    for (let i = 0; i < 4; i++) assert.equal(l.fail(i * 1000, rule), false);
    assert.equal(l.remaining(4000), 0);
    assert.equal(l.fail(4000, rule), true);
    assert.equal(l.remaining(4000), 60_000);
    assert.equal(l.remaining(63_999), 1);
    assert.equal(l.remaining(64_000), 0);
  });

  it('failures older than the window do not count; a success clears them; disabled never locks', () => {
    const l = new Lockout();
    for (let i = 0; i < 4; i++) l.fail(i * 30_000, rule);
    assert.equal(l.remaining(90_000), 0, 'never 5 within 60 s');
    l.succeed();
    for (let i = 0; i < 4; i++) l.fail(100_000 + i, rule);
    l.succeed();
    assert.equal(l.fail(100_010, rule), false);
    const off = new Lockout();
    for (let i = 0; i < 100; i++) assert.equal(off.fail(i, { ...rule, enabled: false }), false);
  });
});
