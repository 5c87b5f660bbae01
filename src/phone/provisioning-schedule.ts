/**
 * When a phone polls its provisioning server (prov.polling.*), as the UC Software administrator guide describes it:
 * - `rel`: every prov.polling.period seconds, counted from the boot;
 * - `abs`: every day (every whole number of days the period rounds up to) at prov.polling.time, the phone's local
 *   time (device.sntp.gmtOffset);
 * - `random`: as `abs`, at a random moment between prov.polling.time and prov.polling.timeRandomEnd (a window that
 *   may pass midnight); with no end time, at prov.polling.time.
 * Pure: the caller gives the time, the zone and the random source.
 */
import type { LayeredConfig } from './config/layered-config.js';

export type PollingMode = 'abs' | 'rel' | 'random';

export interface PollingSettings {
  readonly enabled: boolean;
  readonly mode: PollingMode;
  /** Seconds; at least 1. */
  readonly periodS: number;
  /** Minutes after local midnight. */
  readonly time: number;
  /** Minutes after local midnight; undefined when unset or unreadable. */
  readonly randomEnd: number | undefined;
  /** The phone's zone: seconds east of UTC. */
  readonly gmtOffsetS: number;
}

const DAY_MS = 86_400_000;

/** `HH:MM` (00:00 to 23:59) as minutes after midnight; undefined otherwise. */
export function clockTime(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  return h < 24 && min < 60 ? h * 60 + min : undefined;
}

export function pollingSettings(config: Pick<LayeredConfig, 'value' | 'int' | 'bool'>): PollingSettings {
  const mode = config.value('prov.polling.mode').trim().toLowerCase();
  return {
    enabled: config.bool('prov.polling.enabled'),
    mode: mode === 'rel' || mode === 'random' ? mode : 'abs',
    periodS: Math.max(1, config.int('prov.polling.period') || 86_400),
    time: clockTime(config.value('prov.polling.time')) ?? 3 * 60,
    randomEnd: clockTime(config.value('prov.polling.timeRandomEnd')),
    gmtOffsetS: config.int('device.sntp.gmtOffset'),
  };
}

/**
 * The next poll strictly after `now` (ms since the epoch), or undefined when polling is off. `bootedAt` anchors the
 * relative mode; `lastPollAt` (when the phone last polled, if it did) makes the absolute modes skip the days the
 * period spans; `random` is a number in [0, 1).
 */
export function nextPoll(s: PollingSettings, now: number, bootedAt: number, random: () => number, lastPollAt?: number): number | undefined {
  if (!s.enabled) return undefined;
  if (s.mode === 'rel') {
    const period = s.periodS * 1000;
    const n = Math.floor((now - bootedAt) / period) + 1;
    return bootedAt + n * period;
  }
  const offset = s.gmtOffsetS * 1000;
  const days = Math.max(1, Math.ceil(s.periodS / 86_400));
  const window = s.mode === 'random' && s.randomEnd !== undefined ? (s.randomEnd - s.time + 1440) % 1440 : 0;
  const time = s.time * 60_000;
  // local midnight of the day whose poll window holds t (a window that passes midnight belongs to the day it began)
  const pollDay = (t: number): number => Math.floor((t - time + offset) / DAY_MS) * DAY_MS - offset;
  let day = pollDay(now);
  // after a poll, the next is on the day the period reaches, never again in the same window
  if (lastPollAt !== undefined) day = Math.max(day, pollDay(lastPollAt) + days * DAY_MS);
  for (let i = 0; i < 400; i++, day += DAY_MS) {
    const t = day + time + Math.floor(random() * window * 60_000);
    if (t > now) return t;
  }
  return undefined;
}
