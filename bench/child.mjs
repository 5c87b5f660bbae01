// What the benchmarks share about the processes they measure: a fleet-serve.mjs child and its JSON reports, and the
// CPU a process has used (from /proc, Linux).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system, all threads) a process has used. */
export function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Starts fleet-serve.mjs with args (node options first, e.g. --expose-gc); `until(key)` answers its first report (one
 * JSON object a line on stdout) that has key; `exited` when it has gone.
 */
export function fleetServe(args, nodeOptions = []) {
  // FLEET_NODE_OPTIONS: options for the fleet's node alone (NODE_OPTIONS refuses some, --cpu-prof among them)
  const extra = process.env.FLEET_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  const p = spawn(process.execPath, [...extra, ...nodeOptions, new URL('./fleet-serve.mjs', import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reports = [];
  let buffer = '';
  let wake = () => {};
  p.stdout.on('data', (d) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      reports.push(JSON.parse(buffer.slice(0, i)));
      buffer = buffer.slice(i + 1);
      wake();
    }
  });
  const until = (key) =>
    new Promise((resolve) => {
      const look = () => {
        const r = reports.find((x) => key in x);
        if (r) resolve(r);
        else wake = look;
      };
      look();
    });
  const exited = new Promise((r) => p.once('exit', r));
  return { p, until, exited };
}
