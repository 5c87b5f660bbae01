import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clockTime, nextPoll } from './provisioning-schedule.js';
import type { PollingSettings } from './provisioning-schedule.js';

const H = 3_600_000;
const DAY = 24 * H;
// Monday 4 January 2027, 10:00 UTC
const NOW = Date.UTC(2027, 0, 4, 10, 0, 0);
const base: PollingSettings = { enabled: true, mode: 'abs', periodS: 86_400, time: 3 * 60, randomEnd: undefined, gmtOffsetS: 0 };
const half = (): number => 0.5;

describe('when a phone polls its provisioning server', () => {
  it('reads HH:MM times, and nothing else', () => {
    assert.equal(clockTime('03:00'), 180);
    assert.equal(clockTime('23:59'), 1439);
    assert.equal(clockTime('7:05'), 425);
    for (const bad of ['24:00', '12:60', '', 'noon', '1200']) assert.equal(clockTime(bad), undefined, bad);
  });

  it('off: never', () => {
    assert.equal(nextPoll({ ...base, enabled: false }, NOW, NOW, half), undefined);
  });

  it('rel: every period from the boot', () => {
    const s = { ...base, mode: 'rel' as const, periodS: 3600 };
    const boot = NOW - 30 * 60_000;
    assert.equal(nextPoll(s, NOW, boot, half), boot + H);
    assert.equal(nextPoll(s, boot + H, boot, half), boot + 2 * H, 'strictly after now');
  });

  it('abs: the next prov.polling.time of local time; tomorrow once it passed; every whole day the period spans', () => {
    assert.equal(nextPoll(base, NOW, NOW, half), Date.UTC(2027, 0, 5, 3, 0));
    assert.equal(nextPoll({ ...base, time: 11 * 60 }, NOW, NOW, half), Date.UTC(2027, 0, 4, 11, 0));
    // UTC-5: 03:00 local is 08:00 UTC, passed at 10:00 UTC
    assert.equal(nextPoll({ ...base, gmtOffsetS: -5 * 3600 }, NOW, NOW, half), Date.UTC(2027, 0, 5, 8, 0));
    // a period of 2.5 days: every third day after the last poll
    const last = Date.UTC(2027, 0, 4, 3, 0);
    assert.equal(nextPoll({ ...base, periodS: 2.5 * 86_400 }, NOW, NOW, half, last), Date.UTC(2027, 0, 7, 3, 0));
  });

  it('random: within the window from prov.polling.time to timeRandomEnd, one that may pass midnight', () => {
    const s = { ...base, mode: 'random' as const, time: 22 * 60, randomEnd: 2 * 60 };
    const at = nextPoll(s, NOW, NOW, half) as number;
    assert.equal(at, Date.UTC(2027, 0, 5, 0, 0), 'the middle of 22:00-02:00');
    assert.equal(
      nextPoll(s, NOW, NOW, () => 0),
      Date.UTC(2027, 0, 4, 22, 0),
    );
    // once polled in a window (here after midnight, in the window that began the day before), the next is tomorrow's
    const polled = Date.UTC(2027, 0, 5, 0, 30);
    assert.equal(
      nextPoll(s, polled, NOW, () => 0.9, polled),
      Date.UTC(2027, 0, 5, 22, 0) + Math.floor(0.9 * 240 * 60_000),
    );
  });

  it('is always strictly after now, within the period and its window, whatever the settings', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('abs', 'rel', 'random'),
        fc.integer({ min: 1, max: 10 * 86_400 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.option(fc.integer({ min: 0, max: 1439 }), { nil: undefined }),
        fc.integer({ min: -12, max: 14 }),
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (mode, periodS, time, randomEnd, zone, since, r) => {
          const s: PollingSettings = { enabled: true, mode, periodS, time, randomEnd, gmtOffsetS: zone * 3600 };
          const now = NOW + since;
          const at = nextPoll(s, now, NOW, () => r) as number;
          assert.ok(at > now, `${at} after ${now}`);
          const limit = mode === 'rel' ? periodS * 1000 : (Math.ceil(periodS / 86_400) + 1) * DAY;
          assert.ok(at - now <= limit, `${(at - now) / H} h ahead`);
        },
      ),
    );
  });
});
