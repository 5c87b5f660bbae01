// Runs the *.test.ts files under src/ and test/ with node's test runner, compiled first to .test-build/ (build-tests.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// The tests import the SDK as the server does, as the package @polysim/client: build it when its source changed
// (incremental: about 1.5 s when nothing did).
const client = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'packages/client'], { stdio: 'inherit' });
if (client.status !== 0) process.exit(client.status ?? 1);
// Tests that start polysim as a process of its own run the built CLI (bin/polysim.js, as users do): build it once
// here, when a source changed, never from two test files at once.
const built = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const compiled = spawnSync(process.execPath, ['scripts/build-tests.mjs'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// Two tiers. A test file that starts with a `// test-tier: slow (why)` line is in the slow tier: `npm test` leaves it
// out (and says which it left), `npm run test:all` (`--all`) and CI (CI=true) run it. Files named on the command line
// always run.
const args = process.argv.slice(2);
const all = args.includes('--all') || process.env.CI === 'true';
const only = args.filter((a) => a !== '--all');
const slow = (file) => /^\/\/ test-tier: slow\b/.test(readFileSync(file, 'utf8').slice(0, 200));
const every = [...find('src'), ...find('test')].sort();
const left = only.length > 0 || all ? [] : every.filter(slow);
const sources = only.length > 0 ? only : every.filter((f) => !left.includes(f));
if (left.length > 0)
  console.log(
    `npm test leaves out the slow tier (npm run test:all runs it, CI always does): ${left.map((f) => relative('test', f)).join(', ')}`,
  );
const files = sources.map((f) => join('.test-build', relative('.', f)).replace(/\.ts$/, '.js'));
// A file that runs past FILE_TIMEOUT_MS fails with its name ('test timed out') instead of holding the whole run until
// CI's own limit ends it with no name at all. The slowest file (docs-shell, every shell block of the docs) takes about
// 6 minutes; 10 leave a whole run with one file hung within CI's 25 (a file held by a handle left open after its tests
// passed once took the 20 this was before). Not --test-force-exit: it also ends the runner before the timing
// reporter prints (test/child-process.ts ends the peers' leftover processes instead).
const FILE_TIMEOUT_MS = Number(process.env.POLYSIM_TEST_FILE_TIMEOUT_MS ?? 600_000);
const result = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/timing-reporter.mjs',
    '--test-reporter-destination=stderr',
    ...files,
  ],
  {
    stdio: 'inherit',
    // POLYSIM_BUILT_FOR_TESTS: dist/ was built above; a test that runs `npm start` must not rebuild it under the
    // other test files (scripts/build-if-stale.mjs).
    env: { ...process.env, NODE_NO_WARNINGS: '1', POLYSIM_BUILT_FOR_TESTS: '1' },
  },
);
process.exit(result.status ?? 1);
