import assert from 'node:assert/strict';
import { it } from 'node:test';
import { armShutdownDeadline } from './shutdown-deadline.js';

it('a process still there after the shutdown deadline exits with code 1, and says why', async () => {
  const logged: string[] = [];
  // The deadline's timer keeps nothing alive: this one stands for what holds the process.
  const holding = setInterval(() => undefined, 1000);
  const exited = new Promise<number>((resolve) => {
    armShutdownDeadline(
      {
        error: (_o: unknown, msg?: string) => {
          logged.push(msg ?? '');
        },
      } as never,
      'SIGTERM',
      20,
      resolve,
    );
  });
  assert.equal(await exited, 1);
  clearInterval(holding);
  assert.deepEqual(logged, ['still running 20 ms after SIGTERM: exiting anyway']);
});
