// Compiles src/ and test/ to JavaScript in .test-build/, so the tests run on plain node with no module loader.
//
// Why not `node --import tsx --test`: on Node 20 a loader runs on a thread of its own, and a test process now and then
// hung before its first test, its main thread asleep waiting on that thread, until the file's timeout ended it (seen
// in CI on a test with no I/O at all). Compiling first removes that thread from every test process. esbuild is what
// tsx compiles with, so the code under test is the same JavaScript.
//
// .test-build/ is an overlay of the repository: src/ and test/ hold the compiled .js (with inline source maps, so stack
// traces name the .ts lines) beside links to their .ts and data files, and every other top-level entry is a link to
// the real one. A test that reads `new URL('../docs/…', import.meta.url)` or its own source reads the same file either
// way; one that needs the repository's real root as a working directory takes it from test/root.ts.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const OUT = join(root, '.test-build');
const COMPILED = ['src', 'test'];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);
const files = COMPILED.flatMap((d) => walk(join(root, d)));
await build({
  entryPoints: files.filter((f) => f.endsWith('.ts')),
  outdir: OUT,
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20.19', // the engines field: import attributes (with { type: 'json' }) are kept
  sourcemap: 'inline',
  logLevel: 'warning',
});
// The sources and data files themselves, linked beside the compiled code.
for (const f of files) {
  const link = join(OUT, relative(root, f));
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(f, link);
}
for (const name of readdirSync(root)) {
  if (COMPILED.includes(name) || name === '.test-build' || name === '.git') continue;
  symlinkSync(join(root, name), join(OUT, name));
}
