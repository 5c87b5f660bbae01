// test-tier: slow (npm pack of both packages, installed into empty projects from the registry cache: about 3 minutes)
/**
 * The packages as users get them: `npm pack` both, install each into an empty project, start the installed
 * `polysim` to a first answer, and type-check and run a small SDK program that installed only `@polysim/client`.
 *
 * Offline, as every test here: the projects get a lockfile made from this repository's (its production entries), so
 * `npm ci --offline` takes every tarball from npm's cache, which this repository's own `npm ci` filled. Install
 * scripts are skipped and better-sqlite3's native build is copied from this repository's: a user's install
 * downloads or compiles it, which takes minutes and a network.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './root.js';

const NPM = 'npm';
const NPX = 'npx';
const quiet = { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], encoding: 'utf8' as const };

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
  resolved?: string;
  integrity?: string;
  [k: string]: unknown;
}

function integrity(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** npm pack into dir; returns the tarball's path. */
function pack(dir: string, workspace?: string): string {
  const args = ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, ...(workspace ? ['-w', workspace] : [])];
  const out = JSON.parse(execFileSync(NPM, args, quiet)) as { filename: string }[];
  return join(dir, (out[0] as { filename: string }).filename);
}

const repoLockEntries = (): Record<string, LockEntry> =>
  (JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;

/** The lock entries of these dependencies and of theirs, from this repository's lockfile (all hoisted there). */
function dependencyClosure(deps: Record<string, unknown>): Record<string, LockEntry> {
  const lock = repoLockEntries();
  const out: Record<string, LockEntry> = {};
  const todo = Object.keys(deps);
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    const path = `node_modules/${name}`;
    const entry = lock[path];
    if (path in out) continue;
    assert.ok(entry, `${name} is not in package-lock.json`);
    out[path] = entry;
    todo.push(...Object.keys((entry.dependencies as Record<string, string> | undefined) ?? {}));
  }
  return out;
}

/** The client's own dependencies, and theirs: what installing it alone brings. */
const clientDependencies = (): Record<string, LockEntry> =>
  dependencyClosure(
    (JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as { dependencies?: Record<string, string> })
      .dependencies ?? {},
  );

/** An empty project depending on the tarballs, with a lockfile npm ci can install offline. */
function project(dir: string, tarballs: Record<string, string>, withServerDeps: boolean): void {
  mkdirSync(dir, { recursive: true });
  const deps = Object.fromEntries(Object.keys(tarballs).map((name) => [name, `file:${tarballs[name]}`]));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: deps }, null, 2));
  const repoLock = { packages: repoLockEntries() };
  const packages: Record<string, LockEntry> = { '': { name: 'app', dependencies: deps } };
  for (const [name, file] of Object.entries(tarballs)) {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' })) as Record<
      string,
      unknown
    >;
    packages[`node_modules/${name}`] = {
      version: manifest.version as string,
      resolved: `file:${file}`,
      integrity: integrity(file),
      ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
      ...(manifest.bundleDependencies ? { bundleDependencies: manifest.bundleDependencies } : {}),
      ...(manifest.bin ? { bin: manifest.bin } : {}),
    };
    for (const bundled of (manifest.bundleDependencies as string[] | undefined) ?? []) {
      packages[`node_modules/${name}/node_modules/${bundled}`] = { version: manifest.version as string, inBundle: true };
    }
    if (!withServerDeps) Object.assign(packages, dependencyClosure((manifest.dependencies as Record<string, string> | undefined) ?? {}));
  }
  if (withServerDeps) {
    for (const [path, entry] of Object.entries(repoLock.packages)) {
      if (path.startsWith('node_modules/') && !entry.dev && !entry.link && !(path in packages)) packages[path] = entry;
    }
  }
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2));
}

function install(dir: string): string {
  const r = execFileSync(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    ...quiet,
    cwd: dir,
    env: { ...process.env, npm_config_loglevel: 'warn' },
  });
  return r;
}

describe('the packages, installed elsewhere', { timeout: 180_000 }, () => {
  let work = '';
  let server = '';
  let client = '';
  let phone: ChildProcess | undefined;

  before(() => {
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], quiet);
    work = mkdtempSync(join(tmpdir(), 'polysim-pack-'));
    server = pack(work);
    client = pack(work, 'packages/client');
  });
  after(() => {
    if (phone?.pid && phone.exitCode === null) process.kill(-phone.pid, 'SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the server tarball ships its CLI, its compiled code and the client, and leaves tests, benches and CI at home', () => {
    const files = execFileSync('tar', ['-tzf', server], { encoding: 'utf8' }).split('\n');
    assert.ok(files.includes('package/bin/polysim.js'));
    assert.ok(files.includes('package/dist/cli/main.js'));
    assert.ok(files.includes('package/node_modules/@polysim/client/dist/index.js'), 'the client is bundled');
    assert.ok(files.includes('package/node_modules/@polysim/client/dist/index.d.ts'));
    for (const f of files) assert.doesNotMatch(f, /^package\/(test|bench|\.ci|src|scripts|packages)\/|\.test\.(js|ts|d\.ts)$/, f);
    // the license; no source maps of ours (the bundled client's neither) and no test helpers (src/phone/test-phone.ts)
    assert.ok(files.includes('package/LICENSE'), 'LICENSE');
    assert.ok(files.includes('package/node_modules/@polysim/client/LICENSE'), "the bundled client's LICENSE");
    for (const f of files)
      assert.doesNotMatch(f, /^package\/(dist|node_modules\/@polysim\/client)\/.*\.map$|\/test-[^/]*$|\.build-stamp$/, f);
    // The README's links to docs and examples work in the installed package (npm's page has no repository to
    // resolve them against): what they name ships.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string);
    assert.ok(linked.length > 10, `${linked.length} links`);
    for (const target of linked) assert.ok(files.includes(`package/${target}`), `README links ${target}, which the tarball lacks`);
    const clientFiles = execFileSync('tar', ['-tzf', client], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(clientFiles.includes('package/dist/index.d.ts'));
    assert.ok(clientFiles.includes('package/LICENSE'), "the client's LICENSE");
    for (const f of clientFiles) assert.match(f, /^package\/(dist\/|package\.json$|README\.md$|LICENSE$)/, f);
    for (const f of clientFiles) assert.doesNotMatch(f, /\.map$/, f);
  });

  it('installs on this Node without engine warnings, and `npx polysim start` answers the REST API', async () => {
    const app = join(work, 'server-app');
    project(app, { polysim: server }, true);
    const out = install(app);
    assert.doesNotMatch(out, /EBADENGINE/);
    // The native SQLite module, as an install script would have built it.
    cpSync(join(ROOT, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), { recursive: true });

    const models = execFileSync(join(app, 'node_modules/.bin/polysim'), ['models'], { cwd: app, encoding: 'utf8' });
    assert.match(models, /VVX 450/);

    const ready = join(app, 'ready.json');
    // npx runs the installed bin; its own process group, so that the test ends npx and the phone together.
    phone = spawn(
      NPX,
      [
        '--offline',
        'polysim',
        'start',
        '--http-port',
        '0',
        '--https-port',
        '0',
        '--sip-port',
        '0',
        '--sip-tls-port',
        '0',
        '--control-port',
        '0',
        '--init-ms',
        '0',
        '--admin-password',
        'Secret-123',
        '--data-dir',
        join(app, 'phone'),
        '--ready-file',
        ready,
      ],
      { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stderr = '';
    phone.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<never>((_, reject) => phone?.once('exit', (code) => reject(new Error(`polysim exited ${code}: ${stderr}`))));
    const url = await Promise.race([exited, waitForReady(ready)]);
    const res = await fetch(`${url}/api/v1/mgmt/device/info`, {
      headers: { authorization: `Basic ${Buffer.from('Polycom:Secret-123').toString('base64')}` },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { Status: string }).Status, '2000');
    writeFileSync(join(work, 'phone-url'), url);
  });

  it('the client alone installs no server, and a typed SDK program compiles and drives the phone', () => {
    const app = join(work, 'client-app');
    project(app, { '@polysim/client': client }, false);
    install(app);
    // The client and its XML parser's packages: nothing of the server (no Fastify, no SQLite, no pino).
    const expected = new Set(['@polysim', ...Object.keys(clientDependencies()).map((p) => p.split('/')[1] as string)]);
    assert.deepEqual(
      readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')),
      [...expected].sort(),
    );
    assert.ok(expected.has('fast-xml-parser') && !expected.has('fastify') && !expected.has('better-sqlite3'));

    writeFileSync(
      join(app, 'main.ts'),
      [
        "import { PolyPhone, PolyError } from '@polysim/client';",
        "import { digestResponse } from '@polysim/client/digest';",
        "import { parsePhoneDocument } from '@polysim/client/documents';",
        "import type { PhoneDocument } from '@polysim/client';",
        "const phone = new PolyPhone({ host: process.argv[2] as string, password: 'Secret-123' });",
        'const info = await phone.mgmt.deviceInfoV2();',
        'const model: string = info.ModelNumber;',
        "try { await phone.callctrl.end('ffffffff'); } catch (e) { if (!(e instanceof PolyError)) throw e; console.log('status', e.code); }",
        "console.log('model', model);",
        "const doc: PhoneDocument = parsePhoneDocument('<PolycomIPPhone><LineRegistrationEvent><LineNumber>2</LineNumber></LineRegistrationEvent></PolycomIPPhone>');",
        "if (doc.type === 'LineRegistrationEvent') console.log('document', doc.type, doc.LineNumber);",
        // RFC 2617 section 3.5: the Digest computation is importable on its own, as the exports map says.
        "console.log('digest', digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life',",
        "  method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }));",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'out',
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['main.ts'],
      }),
    );
    // A type error in the SDK's declarations, or a wrong type in the program, fails here.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
    const url = readFileSync(join(work, 'phone-url'), 'utf8');
    const out = execFileSync(process.execPath, [join(app, 'out/main.js'), url], { cwd: app, encoding: 'utf8' });
    assert.match(out, /^status \d{4}$/m);
    assert.match(out, /^model VVX 450$/m);
    assert.match(out, /^digest 6629fae49393a05397450978507c4ef1$/m);
    assert.match(out, /^document LineRegistrationEvent 2$/m);
  });
});

async function waitForReady(file: string): Promise<string> {
  for (;;) {
    if (existsSync(file)) {
      const ready = JSON.parse(readFileSync(file, 'utf8')) as { phones: { httpUrl: string }[] };
      return (ready.phones[0] as { httpUrl: string }).httpUrl;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
