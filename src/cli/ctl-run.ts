/**
 * One ctl command on one phone's client, and --wait after a command that takes the phone away: shared by --host,
 * --hosts and the phones of shards (ctl-shards.ts).
 */
import { AuthError, PolyError, TransportError } from '@polysim/client';
import type { PolyPhone } from '@polysim/client';
import { CliError } from '../errors.js';
import { COMMANDS } from './ctl-commands.js';

/** Commands after which the phone goes away (reboots, restarts, or may restart to apply a configuration). */
export const GOES_AWAY: Readonly<Record<string, readonly string[]>> = { device: ['reboot', 'restart', 'factory-reset', 'provision'] };

/**
 * --wait: after a command that takes the phone away, wait until it has gone (or, for a provisioning that
 * changed nothing needing a restart, until a short grace has passed) and then until it answers again, initialised
 * (callStatus no longer answers 5000, as phones answer while they start). `say` is told each change it sees.
 */
export async function waitBack(
  phone: PolyPhone,
  awayGraceMs: number,
  timeoutMs: number,
  say: (line: string) => void = () => undefined,
): Promise<{ back: true; awayMs: number }> {
  const start = Date.now();
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const answers = async (): Promise<'down' | 'starting' | 'up'> => {
    try {
      await phone.callctrl.callStatus();
      return 'up';
    } catch (err) {
      // 502: polysim's control API, forwarding to the phone, found it down (ctl on the phones of shards).
      if (err instanceof PolyError) return err.code === '5000' ? 'starting' : err.httpStatus === 502 ? 'down' : 'up';
      if (err instanceof AuthError) return 'up';
      return 'down';
    }
  };
  const said = { down: 'down', starting: 'back, initialising' } as const;
  say('waiting for the phone to go down');
  let wentAway = 0;
  let last: 'down' | 'starting' | 'up' = 'up';
  while (Date.now() - start < awayGraceMs) {
    last = await answers();
    if (last !== 'up') {
      wentAway = Date.now();
      say(said[last]);
      break;
    }
    await pause(250);
  }
  if (!wentAway) {
    say(`it did not go away within ${seconds(awayGraceMs)}: ready`);
    return { back: true, awayMs: 0 };
  }
  while (Date.now() - start < timeoutMs) {
    const now = await answers();
    if (now === 'up') {
      const awayMs = Date.now() - wentAway;
      say(`ready (away ${seconds(awayMs)})`);
      return { back: true, awayMs };
    }
    if (now !== last) say(said[now]);
    last = now;
    await pause(250);
  }
  throw new TransportError(`did not come back within ${Math.round(timeoutMs / 1000)} s`);
}

export interface RunOptions {
  readonly wait?: boolean;
  /** Seconds. */
  readonly waitTimeout: number;
}

/** Runs `group command args` on `phone`; with --wait, after a command that takes it away, waits until it is back. */
export async function runCommand(
  phone: PolyPhone,
  o: RunOptions,
  group: string,
  command: string,
  args: string[],
  say?: (line: string) => void,
): Promise<unknown> {
  const fn = COMMANDS[group]?.[command];
  if (!fn) throw new CliError(`unknown command: ${group} ${command}`);
  const result = await fn(phone, args);
  if (!o.wait || !GOES_AWAY[group]?.includes(command)) return result;
  const waited = await waitBack(phone, command === 'provision' ? 3_000 : 15_000, o.waitTimeout * 1000, say);
  return { ...(result !== null && typeof result === 'object' ? result : {}), ...waited };
}

/**
 * Runs `fn` on every item, at most `concurrency` at once; `done` is told of each as it ends. With `tty`, a progress
 * bar on `out` (else nothing: the caller writes its own line per item in `done`).
 */
export async function eachBounded<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
  progress?: { readonly write: (text: string) => unknown },
): Promise<void> {
  let next = 0;
  let done = 0;
  const bar = (): void => {
    if (!progress) return;
    const width = 30;
    const filled = Math.round((done / Math.max(1, items.length)) * width);
    progress.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${items.length}`);
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      await fn(items[i] as T, i);
      done++;
      bar();
    }
  };
  bar();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (progress) progress.write('\n');
}
