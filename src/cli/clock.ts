/** `polysim clock`: read, speed up, stop or move ahead the fleet clock of a running polysim (its control API). */
import { InvalidArgumentError } from 'commander';
import { polysimClock } from '@polysim/client';
import type { ControlClock } from '@polysim/client';
import { ExitCode } from '../errors.js';
import { MAX_ADVANCE_MS } from '../phone/movable-clock.js';
import type { CliIo } from './io.js';

export interface ClockCliOptions {
  control: string;
  token?: string;
  speed?: number;
  advance?: number;
  json?: boolean;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** --advance: a whole number with a unit, ms, s, m, h or d (milliseconds without one): 90s, 8h, 1d. */
export function duration(value: string): number {
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration: a whole number with ms, s, m, h or d, e.g. 90s or 8h');
  const ms = Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number);
  if (ms > MAX_ADVANCE_MS) throw new InvalidArgumentError(`expected at most ${MAX_ADVANCE_MS / 86_400_000}d`);
  return ms;
}

const line = (c: ControlClock): string => `${c.now}  speed ${c.speed}x${c.speed === 0 ? ' (stopped)' : ''}`;

export async function runClock(o: ClockCliOptions, io: CliIo): Promise<number> {
  const clock = polysimClock(o.control, { token: o.token ?? process.env['POLYSIM_CONTROL_TOKEN'] });
  try {
    let reading = o.speed === undefined ? undefined : await clock.setSpeed(o.speed);
    if (o.advance !== undefined) reading = await clock.advance(o.advance);
    reading ??= await clock.read();
    io.stdout.write(o.json ? `${JSON.stringify(reading)}\n` : `${line(reading)}\n`);
    return ExitCode.OK;
  } catch (err) {
    // fetch fails with a TypeError when nothing answers, an AbortError/TimeoutError past the deadline
    const unreachable = err instanceof TypeError || (err as Error).name === 'TimeoutError';
    io.stderr.write(`polysim clock: ${o.control}: ${unreachable ? 'no answer' : (err as Error).message}\n`);
    return unreachable ? ExitCode.TRANSPORT : ExitCode.STATUS;
  }
}
