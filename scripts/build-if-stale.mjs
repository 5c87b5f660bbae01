// Builds packages/client/dist/ and dist/ only when a source changed since the last build, so `npm start` starts at once when nothing did
// (`--force`: always, as `npm run build` does).
//
// "Changed" is by content: the stamp holds a hash of every source file's path and bytes. Modification times are not
// enough: a clone made on a host whose clock runs ahead of this one's has sources newer than any stamp written here,
// and then every `npm start` rebuilt dist/, under any process running from it (a test run's CLI, a fleet).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.build-stamp');

function files(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

function sourceHash() {
  const all = [
    ...files(join(root, 'src')),
    ...files(join(root, 'packages', 'client', 'src')),
    ...files(join(root, 'ui')),
    ...['tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json', 'packages/client/tsconfig.json'].map((f) => join(root, f)),
  ].sort();
  const h = createHash('sha256');
  for (const f of all) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

const force = process.argv.includes('--force');
// A test run builds once before its first file (scripts/run-tests.mjs) and sets this: a test that starts polysim as
// users do (`npm start`) must not rebuild dist/ while other test files run the CLI from it.
if (!force && process.env.POLYSIM_BUILT_FOR_TESTS === '1') process.exit(0);
const hash = sourceHash();
if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) process.exit(0);
// Said, as the build takes seconds (npm start, npm run polysim): a command that sits silent looks hung.
if (!force) process.stderr.write('polysim: building dist/ (a source changed since the last build)\n');
// The client package first: the server imports it as @polysim/client, as an installed server does.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const project of ['packages/client/tsconfig.json', 'tsconfig.build.json']) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The dashboard: bundled by esbuild into dist/ui.
const ui = spawnSync(process.execPath, [join(root, 'scripts', 'build-ui.mjs')], { stdio: 'inherit' });
if (ui.status !== 0) process.exit(ui.status ?? 1);
writeFileSync(stamp, `${hash}\n`);
