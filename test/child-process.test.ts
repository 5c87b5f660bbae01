/**
 * Ending a peer program ends what it started too: a peer whose worker ignores SIGTERM (as a stuck Kamailio worker
 * does) is killed after its grace period, the worker it leaves behind is killed, and its pipes are closed, so the test
 * file that started it can end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { descendants, gone, stopChild } from './child-process.js';
import { waitFor } from './helpers.js';

/** The process recorded (same pid, same start time) still runs: it is there, and not a zombie waiting to be reaped. */
function running(pid: number, start: string): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return fields[19] === start && fields[0] !== 'Z';
}

describe('stopping a peer program', { skip: !existsSync('/proc/self/stat') && 'needs /proc (Linux)' }, () => {
  it('a worker that ignores SIGTERM, left behind by its parent, is killed; the pipes it holds are closed', async () => {
    // the parent ignores SIGTERM too (it is inherited), so it is killed after the grace period, as a Kamailio whose
    // main process waits on a stuck worker is
    const peer = spawn('sh', ['-c', "trap '' TERM; sleep 600 & exec sleep 601"], { stdio: ['ignore', 'pipe', 'pipe'] });
    let below = new Map<number, string>();
    await waitFor(() => {
      below = descendants(peer.pid as number);
      return below.size === 1;
    });
    const [[worker, start]] = [...below] as [[number, string]];
    assert.ok(running(worker, start));
    await stopChild(peer, 200);
    assert.ok(gone(peer));
    assert.equal(peer.signalCode, 'SIGKILL', 'the parent ignored SIGTERM');
    await waitFor(() => !running(worker, start));
    assert.ok(peer.stdout?.destroyed && peer.stderr?.destroyed, 'its pipes are closed');
  });

  it('a peer that ends on SIGTERM ends by it; one already gone is left as it is', async () => {
    const peer = spawn('sleep', ['600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitFor(() => existsSync(`/proc/${peer.pid}/stat`));
    await stopChild(peer);
    assert.equal(peer.signalCode, 'SIGTERM');
    await stopChild(peer); // again: resolves at once
    const done = spawn('true');
    await new Promise((r) => done.once('exit', r));
    await stopChild(done);
    assert.equal(done.exitCode, 0);
  });
});
