// Builds packages/client/dist/ and dist/ only when a source file changed since the last build, so `npm start` starts at once when nothing did
// (`--force`: always, as `npm run build` does).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.build-stamp');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'packages', 'client', 'src')),
  newest(join(root, 'ui')),
  ...['tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json', 'packages/client/tsconfig.json'].map(
    (f) => statSync(join(root, f)).mtimeMs,
  ),
);
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= sources) process.exit(0);
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
writeFileSync(stamp, new Date().toISOString());
