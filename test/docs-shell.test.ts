// test-tier: slow (runs every shell block of the docs, one at a time, each with the phones it starts: about 6 minutes)
/**
 * Every shell block of README.md and docs/*.md runs as written, against what the text tells the reader to start.
 *
 * A block may be preceded by an annotation, `<!-- doc-test: ... -->`, with `;`-separated parts:
 * - `with <command>`: the command the text tells the reader to start first; it runs in the background and the
 *   block runs once its control API answers GET /ready;
 * - `serve`: the block itself keeps running (a server); it passes once its output matches `expect`;
 * - `expect <regex>`: what the block's output must show (the text's own example output);
 * - `errors`: the block shows refusals on purpose (Status 4xxx/5xxx, HTTP 401);
 * - `prints`: the plain block that follows is exactly what the block prints;
 * - `skip <reason>`: the block cannot run here, for the reason given (each skip is listed below, so none is silent).
 * `expect` and `skip` take the rest of the annotation, so they come last.
 * Without an annotation a block runs alone and must succeed. Blocks run with bash -e -o pipefail in the repository,
 * on the documented (fixed) ports; files they write are removed afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { before, describe, it } from 'node:test';
import { needs } from './peers.js';
import type { Peer } from './peers.js';
import { ROOT } from './root.js';

const CONTROL = 'http://127.0.0.1:8790';

interface Block {
  file: string;
  line: number;
  code: string;
  with?: string;
  serve: boolean;
  expect?: RegExp;
  errors: boolean;
  skip?: string;
  /** `prints`: the plain block right after this one is exactly what the block prints. */
  prints?: string;
}

export function shellBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i] as string)) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    let note = '';
    for (let j = i - 1; j >= 0 && j >= i - 3; j--) {
      const m = /^<!-- doc-test: (.*) -->$/.exec(lines[j] as string);
      if (m) {
        note = m[1] as string;
        break;
      }
      if ((lines[j] as string).trim() !== '') break;
    }
    const block: Block = { file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), serve: false, errors: false };
    // `expect` and `skip` take the rest of the note, semicolons included, so they come last.
    let rest = note.trim();
    while (rest) {
      const key = rest.split(/[ ;]/)[0] as string;
      const tail = key === 'expect' || key === 'skip' ? '' : rest.slice(rest.indexOf(';') + 1 || rest.length);
      const part = key === 'expect' || key === 'skip' ? rest : rest.slice(0, rest.length - tail.length).replace(/;$/, '');
      rest = tail.trim();
      const value = part.slice(key.length).trim();
      if (key === 'with') block.with = value;
      else if (key === 'serve') block.serve = true;
      else if (key === 'expect') block.expect = new RegExp(value, 'm');
      else if (key === 'errors') block.errors = true;
      else if (key === 'prints') {
        let k = end + 1;
        while (k < lines.length && (lines[k] as string).trim() === '') k++;
        if (lines[k] !== '```') throw new Error(`${file}:${i + 1}: "prints" wants a plain block after this one`);
        let stop = k + 1;
        while (stop < lines.length && lines[stop] !== '```') stop++;
        block.prints = lines.slice(k + 1, stop).join('\n');
      } else if (key === 'skip') block.skip = value;
      else throw new Error(`${file}:${i + 1}: unknown doc-test part "${part}"`);
    }
    out.push(block);
    i = end;
  }
  return out;
}

const DOCS = [
  'README.md',
  ...readdirSync(new URL('../docs/', import.meta.url))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
// DOC_TEST_ONLY=README.md runs the blocks of one file (when editing it).
const blocks = DOCS.filter((f) => !process.env.DOC_TEST_ONLY || f === process.env.DOC_TEST_ONLY).flatMap((f) =>
  shellBlocks(f, readFileSync(new URL(`../${f}`, import.meta.url), 'utf8')),
);

/** The peers a block runs (test/peers.ts): a block whose peer is missing is skipped with its line, as tests are. */
const PEER_COMMANDS: readonly [RegExp, Peer][] = [
  [/(^|[\s;&|($])curl\s/, 'curl'],
  [/(^|[\s;&|($])python3\s[\s\S]*\brequests\b/, 'python3-requests'],
  [/(^|[\s;&|($])sipp\s/, 'sipp'],
  [/(^|[\s;&|($])sipsak\s/, 'sipsak'],
  [/(^|[\s;&|($])kamailio\s/, 'kamailio'],
  [/(^|[\s;&|($])openssl\s/, 'openssl'],
];
const blockPeers = (b: Block): Peer[] => PEER_COMMANDS.filter(([re]) => re.test(`${b.with ?? ''}\n${b.code}`)).map(([, peer]) => peer);

interface Run {
  child: ChildProcess;
  output: () => string;
  done: Promise<number | null>;
}

function run(code: string): Run {
  // Its own process group: whatever the block starts in the background is stopped with it.
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Debian's servers (kamailio) are in sbin directories, which a user other than root lacks on PATH.
    env: { ...process.env, NO_COLOR: '1', PATH: [process.env.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':') },
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, done };
}

async function stop(r: Run): Promise<void> {
  const pid = r.child.pid as number;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  // The group is gone when signalling it fails; polysim closes its listeners on SIGTERM, so ports are free after.
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The documented fixed ports: the phone's HTTP, HTTPS, SIP (UDP and TCP), the control API, and the examples' Kamailio. */
const FIXED: [number, 'tcp' | 'udp'][] = [
  [8080, 'tcp'],
  [8443, 'tcp'],
  [5060, 'udp'],
  [5060, 'tcp'],
  [8790, 'tcp'],
  [5070, 'udp'],
  [5070, 'tcp'],
];

function free(port: number, kind: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
      return;
    }
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Waits (up to 20 s) until a block before this one, or its server, has let go of the fixed ports. */
async function portsFree(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const busy = [];
    for (const [port, kind] of FIXED) if (!(await free(port, kind))) busy.push(`${port}/${kind}`);
    if (busy.length === 0) return;
    if (i === 199) throw new Error(`ports still in use: ${busy.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until(what: string, ok: () => Promise<boolean> | boolean, exited: Promise<unknown>, ms = 60_000): Promise<void> {
  let over = false;
  void exited.then(() => {
    over = true;
  });
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    if (over) throw new Error(`exited before ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Ready when the control API that the setup's banner names (else the default one) answers GET /ready with 200. */
const ready = (setup: Run) => async (): Promise<boolean> => {
  const control = /control\s+(http:\/\/\S+)\/phones/.exec(setup.output())?.[1] ?? CONTROL;
  try {
    return (await fetch(`${control}/ready`)).status === 200;
  } catch {
    return false;
  }
};

function topLevel(): Set<string> {
  return new Set(readdirSync(ROOT));
}

describe('every shell block of the docs runs as written', { concurrency: 1 }, () => {
  // `npm start` and `npx polysim` run the compiled CLI: build it if a source changed, as `npm start` does.
  before(() => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
  });

  it('finds the blocks, and every skip gives its reason', () => {
    assert.ok(blocks.length >= (process.env.DOC_TEST_ONLY ? 1 : 15), `found ${blocks.length}`);
    for (const b of blocks.filter((x) => x.skip !== undefined)) assert.ok((b.skip as string).length > 10, `${b.file}:${b.line}`);
  });

  for (const b of blocks) {
    const name = `${b.file}:${b.line}${b.skip ? ` (not run: ${b.skip})` : ''}`;
    it(name, { timeout: 120_000, skip: b.skip === undefined && needs(...blockPeers(b)) }, async () => {
      if (b.skip) return;
      await portsFree();
      const before = topLevel();
      let setup: Run | undefined;
      let block: Run | undefined;
      try {
        if (b.with) {
          setup = run(b.with);
          await until(`"${b.with}" to be ready`, ready(setup), setup.done).catch((e: Error) => {
            throw new Error(`${e.message}\n${setup?.output()}`);
          });
        }
        block = run(b.code);
        if (b.serve) {
          await until(`output matching ${b.expect}`, () => (b.expect as RegExp).test(block?.output() ?? ''), block.done).catch(
            (e: Error) => {
              throw new Error(`${e.message}\n${block?.output()}`);
            },
          );
          return;
        }
        const code = await Promise.race([block.done, new Promise<'late'>((r) => setTimeout(() => r('late'), 90_000).unref())]);
        if (code === 'late') throw new Error(`still running after 90 s (a server? annotate it "serve"):\n${block.output()}`);
        const out = block.output();
        assert.equal(code, 0, `exit ${code}:\n${out}`);
        if (b.expect) assert.match(out, b.expect, out);
        if (b.prints !== undefined)
          assert.equal(
            out
              .trimEnd()
              .split('\n')
              .map((l) => l.trimEnd())
              .join('\n'),
            b.prints.trimEnd(),
          );
        if (!b.errors) {
          assert.doesNotMatch(out, /"Status":\s*"[45]\d{3}"/, out);
          assert.doesNotMatch(out, /\b(401|404) (Unauthorized|Not Found)\b|Error:|"error":/, out);
        }
      } finally {
        if (block) await stop(block);
        if (setup) await stop(setup);
        for (const name of topLevel()) if (!before.has(name)) rmSync(`${ROOT}${name}`, { recursive: true, force: true });
      }
    });
  }
});
