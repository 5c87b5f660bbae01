/**
 * The phone clock (the fleet clock every phone's timers, uptime and call times follow: GET /clock), read once a
 * second while a page shows it. A clock moved ahead, sped up or stopped shows so within a second.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlClock } from '@polysim/client';
import { controlCall } from './store.js';

export const CLOCK_READ_MS = 1000;

/** The phone clock's time (ms since the epoch), undefined until first read. */
export function usePhoneClock(): number | undefined {
  const [now, setNow] = useState<number | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const read = async (): Promise<void> => {
      const r = await controlCall('GET', '/clock').catch(() => undefined);
      if (!stopped && r?.status === 200) setNow((r.body as ControlClock).epochMs);
    };
    void read();
    const timer = setInterval(() => void read(), CLOCK_READ_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return now;
}

/** A duration as a phone shows it: m:ss, or h:mm:ss from an hour. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** How long a call has been connected, by the phone clock; '' while it is not (or the clock is not read yet). */
export function callDuration(connectedAt: string | undefined, now: number | undefined): string {
  if (connectedAt === undefined || now === undefined) return '';
  return formatDuration(now - Date.parse(connectedAt));
}
