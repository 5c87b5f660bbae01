import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.js';
import { isSteerable, MAX_ADVANCE_MS, MAX_SPEED, MovableClock } from './movable-clock.js';

/** A MovableClock over a ManualClock standing in for real time. */
function clocks(speed = 1): { real: ManualClock; clock: MovableClock } {
  const real = new ManualClock(Date.UTC(2026, 0, 1));
  return { real, clock: new MovableClock(real, { speed, start: Date.UTC(2030, 5, 1) }) };
}

describe('a movable clock', () => {
  it('runs at its speed from its start: 1 real second is `speed` seconds', () => {
    const { real, clock } = clocks(60);
    assert.equal(clock.now(), Date.UTC(2030, 5, 1));
    real.advance(1000);
    assert.equal(clock.now(), Date.UTC(2030, 5, 1) + 60_000);
  });

  it('fires timers as its time passes, in order of due time, with one real timer armed', () => {
    const { real, clock } = clocks(3600);
    const fired: string[] = [];
    clock.schedule(2 * 3600_000, () => fired.push('2h'));
    clock.schedule(3600_000, () => fired.push('1h'));
    clock.schedule(3 * 3600_000, () => fired.push('3h'));
    real.advance(999);
    assert.deepEqual(fired, []);
    real.advance(1);
    assert.deepEqual(fired, ['1h']);
    real.advance(2000);
    assert.deepEqual(fired, ['1h', '2h', '3h']);
    assert.equal(clock.pending, 0);
  });

  it('jumps: every timer due on the way fires in order and sees its own due time; so do timers they schedule', () => {
    const { clock } = clocks(1);
    const t0 = clock.now();
    const seen: [string, number][] = [];
    clock.schedule(30_000, () => {
      seen.push(['a', clock.now() - t0]);
      clock.schedule(10_000, () => seen.push(['a+10s', clock.now() - t0]));
    });
    clock.schedule(35_000, () => seen.push(['b', clock.now() - t0]));
    clock.schedule(90_000, () => seen.push(['late', clock.now() - t0]));
    clock.advance(60_000);
    assert.deepEqual(seen, [
      ['a', 30_000],
      ['b', 35_000],
      ['a+10s', 40_000],
    ]);
    assert.equal(clock.now() - t0, 60_000);
    assert.equal(clock.pending, 1);
  });

  it('speed 0 stops it: real time passes, nothing fires; a jump still moves it', () => {
    const { real, clock } = clocks(1);
    const fired: number[] = [];
    clock.schedule(1000, () => fired.push(1));
    clock.setSpeed(0);
    const stopped = clock.now();
    real.advance(3_600_000);
    assert.equal(clock.now(), stopped);
    assert.deepEqual(fired, []);
    clock.advance(1000);
    assert.deepEqual(fired, [1]);
    // a timer whose time has come fires, stopped or not
    const due: number[] = [];
    clock.schedule(0, () => due.push(2));
    real.advance(0);
    assert.deepEqual(due, [2]);
  });

  it('a new speed takes effect from now, without a jump', () => {
    const { real, clock } = clocks(1);
    real.advance(10_000);
    const at = clock.now();
    clock.setSpeed(100);
    assert.equal(clock.now(), at);
    real.advance(10);
    assert.equal(clock.now(), at + 1000);
    const fired: number[] = [];
    clock.schedule(60_000, () => fired.push(clock.now() - at));
    clock.setSpeed(1000);
    real.advance(59);
    assert.deepEqual(fired, []);
    real.advance(1);
    assert.equal(fired.length, 1);
  });

  it('cancelled timers never fire, and a heap of them is let go', () => {
    const { clock } = clocks(1);
    const fired: number[] = [];
    const handles = Array.from({ length: 5000 }, (_, i) => clock.schedule(1000 + i, () => fired.push(i)));
    for (const [i, h] of handles.entries()) if (i % 5 !== 0) h.cancel();
    assert.equal(clock.pending, 1000);
    clock.advance(10_000);
    assert.equal(fired.length, 1000);
    assert.ok(fired.every((i) => i % 5 === 0));
    assert.deepEqual(
      fired,
      [...fired].sort((a, b) => a - b),
    );
  });

  it('refuses speeds and jumps out of range, and keeps its time', () => {
    const { clock } = clocks(1);
    const at = clock.now();
    for (const bad of [-1, Number.NaN, Infinity, MAX_SPEED + 1]) assert.throws(() => clock.setSpeed(bad), RangeError);
    for (const bad of [-1, Number.NaN, MAX_ADVANCE_MS + 1]) assert.throws(() => clock.advance(bad), RangeError);
    assert.equal(clock.now(), at);
    assert.equal(clock.speed, 1);
  });

  it('keeps wire timers in real time; both it and a ManualClock can be steered', () => {
    const { real, clock } = clocks(3600);
    assert.equal(clock.network, real);
    assert.ok(isSteerable(clock));
    assert.ok(isSteerable(new ManualClock()));
    assert.equal(new ManualClock().setSpeed(2), false);
  });
});
