/** podman as the container tests drive it (test/container.test.ts, test/kube-play.test.ts). */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTAINER_BASE } from './peers.js';
import { ROOT } from './root.js';

export const run = promisify(execFile);

/** The image both tests build from the Dockerfile. */
export const IMAGE = 'localhost/polysim:test';

/** Options every podman call needs on this kind of machine: runc where installed (crun refuses the hybrid cgroup
 * layout), and limits no higher than the process's own (podman's defaults exceed them, and raising one is refused). */
function runtimeArgs(): { global: string[]; limits: string[]; nofile: number; nproc: number } {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = (name: string): number => Number(new RegExp(`^${name}\\s+\\S+\\s+(\\d+)`, 'm').exec(limits)?.[1] ?? 4096);
  const nofile = hard('Max open files');
  const nproc = Math.min(hard('Max processes'), 4096);
  let runc = false;
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    runc = true;
  } catch {
    /* the default runtime */
  }
  return {
    global: runc ? ['--runtime', 'runc'] : [],
    limits: ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`],
    nofile,
    nproc,
  };
}
export const { global, limits, nofile, nproc } = runtimeArgs();

export async function podman(args: string[], timeout = 60_000, env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('podman', [...global, ...args], { cwd: ROOT, timeout, maxBuffer: 64 << 20, env });
  return stdout;
}

/**
 * The image as users build it, offline: the base is the local stand-in for node:26-slim (scripts/container-base.sh),
 * the build runs with --network none and npm takes every package from this machine's cache. Niced: from nothing it
 * compiles for minutes beside test files that time the pages they drive. Layers are cached: an unchanged tree
 * rebuilds at once.
 */
export async function buildImage(): Promise<void> {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const args = [
    ...['--pull=never', '--network', 'none', ...limits],
    ...['--build-arg', `NODE_IMAGE=${CONTAINER_BASE}`, '--build-arg', 'NPM_CONFIG_OFFLINE=true'],
    ...['--volume', `${cache}:/root/.npm`, '-t', IMAGE, '.'],
  ];
  // One build at a time (flock, util-linux): both container test files build this image, and two builds from
  // nothing at once take twice as long on two cores; the second finds the layers cached.
  const lock = join(tmpdir(), 'polysim-image-build.lock');
  await run('flock', [lock, 'nice', '-n', '15', 'podman', ...global, 'build', ...args], {
    cwd: ROOT,
    timeout: 840_000,
    maxBuffer: 64 << 20,
  });
}
