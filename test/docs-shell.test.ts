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
 * Without an annotation a block runs alone and must succeed. Blocks run with bash -e -o pipefail in the repository;
 * files they write are removed afterwards.
 *
 * Blocks run on free ports, not the documented ones (8080, 5060, 8790...), so that whatever a developer has on those
 * does not matter: each block runs with every port it names moved by one offset, chosen for the block so that all
 * its ports (and room above each for a fleet's range) are free. The offset moves the numbers in port positions of
 * the block, its `with` command, its `expect` and `prints` text and the example files it names (copied, moved, to a
 * temporary directory): `127.0.0.1:N` and `localhost:N` (in URLs, registrars, `-l udp:127.0.0.1:N`; escaped dots in
 * regexes too), `--*-port N`, `--port N`, `-p N`, a file's `*Port: N` keys; besides those, a number standing alone
 * (`printf ... 8080 8081 8082`) when it is one of those ports or in a default range. The defaults of what names no
 * port (`npm start`, `polysim fleet --count 3`, `polysim clock`) move with them, through POLYSIM_HTTP_PORT and its
 * siblings (src/cli/options.ts). While the blocks run the test holds the documented default ports it finds free and
 * fails a block that reaches one of them: the run shows that it needs none of them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PORT_ENV } from '../src/cli/options.js';
import { needs } from './peers.js';
import type { Peer } from './peers.js';
import { ROOT } from './root.js';

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

function run(code: string, env: Record<string, string>): Run {
  // Its own process group: whatever the block starts in the background is stopped with it.
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Debian's servers (kamailio) are in sbin directories, which a user other than root lacks on PATH.
    env: {
      ...process.env,
      ...env,
      NO_COLOR: '1',
      PATH: [process.env.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':'),
    },
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

type Kind = 'tcp' | 'udp';

function free(port: number, kind: Kind): Promise<boolean> {
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

/** The documented default ports (src/cli/options.ts: 8080, 8443, 5060, 5061, 8790) and the examples' Kamailio, 5070. */
const DEFAULTS = Object.values(PORT_ENV).map(([, port]) => port);
const HELD: [number, Kind][] = [...DEFAULTS, 5070].flatMap((p): [number, Kind][] => [
  [p, 'tcp'],
  [p, 'udp'],
]);
/** A number alone is a port when it is one the block names in a port position, or in a default's fleet range. */
const DEFAULT_RANGES = DEFAULTS.flatMap((p) => Array.from({ length: 10 }, (_, i) => p + i));
/** Room above each port for a fleet's range (the docs' largest fleet has 7 phones, and TLS moves past SIP). */
const RANGE = 20;

const HOST = String.raw`(?:127\\?\.0\\?\.0\\?\.1|localhost)`;
/** Numbers in port positions: host:port, --*-port N, --port N, -p N, a file's *Port: N. */
const PORT_POSITIONS = [
  new RegExp(String.raw`(?<=(?<![\w.])${HOST}:)(\d{4,5})(?!\d)`, 'g'),
  /(?<=(?<![\w-])--[\w-]*port[= ])(\d{4,5})(?!\d)/g,
  /(?<=(?<![\w-])-p )(\d{4,5})(?!\d)/g,
  /(?<=\b\w*[pP]ort"?\s*:\s*)(\d{4,5})(?!\d)/g,
];
/** A number alone: not part of a word, a dotted number or another host's address (192.0.2.10:8443). */
const ALONE = /(?<![\w.\\])(?<!\w:)(\d{4,5})(?![\w.])/g;

/** The ports a text names in port positions (1024 and up: a privileged port is never a block's own). */
export function portsIn(text: string): number[] {
  return PORT_POSITIONS.flatMap((re) => [...text.matchAll(re)].map((m) => Number(m[1]))).filter((p) => p >= 1024);
}

/** The text with each port (in a port position, or standing alone and one of `alone`) moved by `by`. */
export function movePorts(text: string, by: number, alone: ReadonlySet<number>): string {
  const moved = (m: string): string => (Number(m) >= 1024 && Number(m) + by <= 65535 ? String(Number(m) + by) : m);
  // Marked first, so that a number moved by one rule is not moved again by the next.
  let out = text;
  for (const re of PORT_POSITIONS) out = out.replace(re, (m) => `\u0000${moved(m)}\u0000`);
  out = out
    .split('\u0000')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(ALONE, (m) => (alone.has(Number(m)) ? moved(m) : m))))
    .join('');
  return out;
}

/** The example files (fleet files, Kamailio's configuration) a block or its setup names. */
const examplesIn = (text: string): string[] => [
  ...new Set([...text.matchAll(/(?<![\w/.])examples\/[\w./-]+\.(?:ya?ml|json|cfg)\b/g)].map((m) => m[0])),
];

/** A block as it runs: its ports (and its example files' ports) moved by `by`, the files copied to a directory of its own. */
interface Moved {
  by: number;
  code: string;
  with?: string;
  expect?: RegExp;
  prints?: string;
  env: Record<string, string>;
  control: string;
  dir?: string;
}

/** Every port the block names, its files name, and the defaults: what must be free once moved. */
function blockPorts(b: Block): { named: Set<number>; files: Map<string, string> } {
  const files = new Map(examplesIn(`${b.with ?? ''}\n${b.code}`).map((f) => [f, readFileSync(`${ROOT}${f}`, 'utf8')]));
  const texts = [b.code, b.with ?? '', b.expect?.source ?? '', b.prints ?? '', ...files.values()];
  return { named: new Set(texts.flatMap(portsIn)), files };
}

async function allFree(ports: Iterable<number>): Promise<boolean> {
  for (const p of ports) if (!(await free(p, 'tcp')) || !(await free(p, 'udp'))) return false;
  return true;
}

/**
 * The block moved by an offset at which every port it names, every default and the room above each is free (TCP and
 * UDP): 10000-22000, so that the ports stay below the ephemeral range (32768 and up) that connections take theirs from.
 */
async function move(b: Block): Promise<Moved> {
  const { named, files } = blockPorts(b);
  const bases = [...new Set([...named, ...DEFAULTS])];
  const room = bases.flatMap((p) => Array.from({ length: RANGE }, (_, i) => p + i));
  let by = 0;
  for (let tries = 0; ; tries++) {
    by = randomInt(10_000, 22_001);
    if (await allFree(room.map((p) => p + by))) break;
    if (tries === 50) throw new Error(`found no offset with ports ${bases.join(', ')} free`);
  }
  const alone = new Set([...named, ...DEFAULT_RANGES]);
  const shift = (t: string): string => movePorts(t, by, alone);
  let code = shift(b.code);
  let setup = b.with === undefined ? undefined : shift(b.with);
  let dir: string | undefined;
  for (const [file, text] of files) {
    const out = shift(text);
    if (out === text) continue;
    dir ??= mkdtempSync(join(tmpdir(), 'polysim-docs-'));
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), out);
    const at = new RegExp(`(?<![\\w/.])${file.replace(/[.]/g, '\\.')}\\b`, 'g');
    code = code.replace(at, join(dir, file));
    setup = setup?.replace(at, join(dir, file));
  }
  const env = Object.fromEntries(Object.values(PORT_ENV).map(([name, port]) => [name, String(port + by)]));
  return {
    by,
    code,
    ...(setup === undefined ? {} : { with: setup }),
    ...(b.expect ? { expect: new RegExp(shift(b.expect.source), b.expect.flags) } : {}),
    ...(b.prints === undefined ? {} : { prints: shift(b.prints) }),
    env,
    control: `http://127.0.0.1:${PORT_ENV.controlPort[1] + by}`,
    ...(dir ? { dir } : {}),
  };
}

/**
 * The documented default ports, held by this test while the blocks run (those it finds free): a block that still
 * binds one fails to start, and one that reaches one is counted here.
 */
class Held {
  /** The ports held, as 8080/tcp. */
  readonly ports: string[] = [];
  /** The held ports reached (a connection or a datagram) since the last block began. */
  reached: string[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  async hold(): Promise<void> {
    for (const [port, kind] of HELD) {
      const name = `${port}/${kind}`;
      const close = await new Promise<(() => Promise<void>) | undefined>((resolve) => {
        if (kind === 'udp') {
          const s = createSocket('udp4');
          s.once('error', () => {
            s.close();
            resolve(undefined);
          });
          s.on('message', () => this.reached.push(name));
          s.bind(port, '127.0.0.1', () => resolve(() => new Promise((done) => s.close(() => done()))));
          return;
        }
        const s = createServer((c) => {
          this.reached.push(name);
          c.destroy();
        });
        s.once('error', () => resolve(undefined));
        s.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => s.close(() => done()))));
      });
      if (!close) continue;
      this.closers.push(close);
      this.ports.push(name);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
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
const ready = (setup: Run, fallback: string) => async (): Promise<boolean> => {
  const control = /control\s+(http:\/\/\S+)\/phones/.exec(setup.output())?.[1] ?? fallback;
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
  const held = new Held();
  // `npm start` and `npx polysim` run the compiled CLI: build it if a source changed, as `npm start` does.
  before(async () => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'ignore' });
    await held.hold();
  });
  after(() => held.release());

  it('finds the blocks, and every skip gives its reason', (t) => {
    assert.ok(blocks.length >= (process.env.DOC_TEST_ONLY ? 1 : 15), `found ${blocks.length}`);
    for (const b of blocks.filter((x) => x.skip !== undefined)) assert.ok((b.skip as string).length > 10, `${b.file}:${b.line}`);
    t.diagnostic(`held while the blocks run: ${held.ports.join(', ') || 'none (all taken already)'}`);
  });

  it('moves ports in port positions only', () => {
    const alone = new Set([8080, 8081, 8082, 8443, 5061, 9001]);
    const cases: [string, string][] = [
      [
        'curl -su Polycom:$PW http://127.0.0.1:8080/api/v2/x; curl https://localhost:8443/',
        'curl -su Polycom:$PW http://127.0.0.1:18080/api/v2/x; curl https://localhost:18443/',
      ],
      [
        'fleet --count 3 --http-port 9001 --https-port=9401 --port 8088 --first-number 1001',
        'fleet --count 3 --http-port 19001 --https-port=19401 --port 18088 --first-number 1001',
      ],
      [
        'kamailio -l udp:127.0.0.1:5070 & sipp -p 5099 -s 1001 127.0.0.1:5060',
        'kamailio -l udp:127.0.0.1:15070 & sipp -p 15099 -s 1001 127.0.0.1:15060',
      ],
      [
        String.raw`http://127\.0\.0\.1:(?:8080|8081|8082)\s+SIP 127\.0\.0\.1:5060 UDP, 5061 TLS`,
        String.raw`http://127\.0\.0\.1:(?:18080|18081|18082)\s+SIP 127\.0\.0\.1:15060 UDP, 15061 TLS`,
      ],
      ["printf 'http://127.0.0.1:%s\\n' 8080 8081 8082", "printf 'http://127.0.0.1:%s\\n' 18080 18081 18082"],
      [
        'httpPort: 9001\n"controlPort": 8793,\nregistrar: 127.0.0.1:5070',
        'httpPort: 19001\n"controlPort": 18793,\nregistrar: 127.0.0.1:15070',
      ],
    ];
    for (const [text, moved] of cases) assert.equal(movePorts(text, 10_000, alone), moved);
    // numbers that are no ports stay: line numbers, builds, models, years, times, longer numbers, other hosts' ports
    const kept = [
      'sip:1001@127.0.0.1 "Dest":"1002" 6.4.3.5018 Trio 8800 2027-01-04T09:00:00Z "ms":3600000 15060 80801 :80 ',
      'https://192.0.2.10:8443 model9001 9001.5 v8080 -d 5061x 8443_1',
    ].join('\n');
    assert.equal(movePorts(kept, 10_000, alone), kept);
    assert.deepEqual(portsIn('http://127.0.0.1:8080 --sip-port 5080 sipPort: 5470 127.0.0.1:80 1001 8081'), [8080, 5080, 5470]);
  });

  for (const b of blocks) {
    const name = `${b.file}:${b.line}${b.skip ? ` (not run: ${b.skip})` : ''}`;
    it(name, { timeout: 120_000, skip: b.skip === undefined && needs(...blockPeers(b)) }, async () => {
      if (b.skip) return;
      const m = await move(b);
      held.reached = [];
      const before = topLevel();
      let setup: Run | undefined;
      let block: Run | undefined;
      try {
        if (m.with) {
          setup = run(m.with, m.env);
          await until(`"${m.with}" to be ready`, ready(setup, m.control), setup.done).catch((e: Error) => {
            throw new Error(`${e.message}\n${setup?.output()}`);
          });
        }
        block = run(m.code, m.env);
        if (b.serve) {
          await until(`output matching ${m.expect}`, () => (m.expect as RegExp).test(block?.output() ?? ''), block.done).catch(
            (e: Error) => {
              throw new Error(`${e.message}\n${block?.output()}`);
            },
          );
        } else {
          const code = await Promise.race([block.done, new Promise<'late'>((r) => setTimeout(() => r('late'), 90_000).unref())]);
          if (code === 'late') throw new Error(`still running after 90 s (a server? annotate it "serve"):\n${block.output()}`);
          const out = block.output();
          assert.equal(code, 0, `exit ${code}:\n${out}`);
          if (m.expect) assert.match(out, m.expect, out);
          if (m.prints !== undefined)
            assert.equal(
              out
                .trimEnd()
                .split('\n')
                .map((l) => l.trimEnd())
                .join('\n'),
              m.prints.trimEnd(),
            );
          if (!b.errors) {
            assert.doesNotMatch(out, /"Status":\s*"[45]\d{3}"/, out);
            assert.doesNotMatch(out, /\b(401|404) (Unauthorized|Not Found)\b|Error:|"error":/, out);
          }
        }
      } catch (err) {
        // A block that failed on a documented port: say so before how it failed.
        if (held.reached.length === 0) throw err;
        throw new Error(
          `reached ${held.reached.join(', ')}, documented ports the test holds (its ports moved by ${m.by}):\n${String(err)}`,
          {
            cause: err,
          },
        );
      } finally {
        if (block) await stop(block);
        if (setup) await stop(setup);
        for (const name of topLevel()) if (!before.has(name)) rmSync(`${ROOT}${name}`, { recursive: true, force: true });
        if (m.dir) rmSync(m.dir, { recursive: true, force: true });
      }
      // Ports moved by m.by: a documented one reached is a port the moving missed.
      assert.deepEqual(held.reached, [], `the block (ports moved by ${m.by}) reached documented ports the test holds`);
    });
  }
});
