/**
 * Debian's Prometheus as the tests' scraper: one server on a free loopback port, scraping the given control APIs'
 * `/metrics` every 250 ms (each as a job, with the control token when given), its data in a directory of its own;
 * read back with PromQL over its HTTP API.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stopChild } from './child-process.js';
import { freePort } from './kamailio.js';
import { program } from './peers.js';

export interface ScrapeJob {
  readonly name: string;
  /** The control API, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Target {
  readonly job: string;
  readonly health: string;
  readonly lastError: string;
}

export interface Prometheus {
  readonly url: string;
  /** An instant query: the samples it gives now. */
  query(promql: string): Promise<Sample[]>;
  /** Every scrape target, with its health and the error of its last scrape. */
  targets(): Promise<Target[]>;
  output(): string;
  stop(): Promise<void>;
}

export const SCRAPE_INTERVAL = '250ms';

/** `raw`: scrape jobs given whole, as a prometheus.yml has them (a job `polysim k8s --scrape-config` prints, say). */
export async function startPrometheus(jobs: readonly ScrapeJob[], raw: readonly Record<string, unknown>[] = []): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'polysim-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: SCRAPE_INTERVAL, scrape_timeout: SCRAPE_INTERVAL },
      scrape_configs: [
        ...jobs.map((j) => ({
          job_name: j.name,
          static_configs: [{ targets: [new URL(j.url).host] }],
          ...(j.token === undefined ? {} : { authorization: { credentials: j.token } }),
        })),
        ...raw,
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    program('prometheus'),
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async (): Promise<void> => {
    await stopChild(child, 5000);
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > end) {
      await stop();
      throw new Error(`prometheus was not ready on ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus: ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    query: async (promql) => {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `query?query=${encodeURIComponent(promql)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    targets: async () => {
      const data = await api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>('targets');
      return data.activeTargets.map((t) => ({ job: t.labels['job'] ?? '', health: t.health, lastError: t.lastError }));
    },
    output: () => output,
    stop,
  };
}
