/**
 * polysim's fleet clock (its control API, `GET`/`PUT /clock` and `POST /clock/advance`): the time every phone of a
 * polysim process follows, which a test can run faster or move ahead at once instead of waiting. Only polysim has
 * it; real phones do not.
 */
import type { ControlClock } from './types-control.js'; // generated from the server's schemas

export interface ClockOptions {
  /** The control API's token, when it demands one. */
  readonly token?: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

export interface PolysimClock {
  /** The clock's time and speed. */
  read(): Promise<ControlClock>;
  /** Runs at `speed` times real time from now on (0 stops it). */
  setSpeed(speed: number): Promise<ControlClock>;
  /** Moves it `ms` ahead now; every phone timer due on the way fires, in order. */
  advance(ms: number): Promise<ControlClock>;
}

/** The fleet clock of a polysim process, by its control API's URL (e.g. http://127.0.0.1:8790). */
export function polysimClock(controlUrl: string, options: ClockOptions = {}): PolysimClock {
  const call = async (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<ControlClock> => {
    const res = await fetch(new URL(path, controlUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const answer = (await res.json().catch(() => ({}))) as ControlClock & { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}${answer.error ? `: ${answer.error}` : ''}`);
    return answer;
  };
  return {
    read: () => call('GET', '/clock'),
    setSpeed: (speed) => call('PUT', '/clock', { speed }),
    advance: (ms) => call('POST', '/clock/advance', { ms }),
  };
}
