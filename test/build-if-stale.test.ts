/**
 * scripts/build-if-stale.mjs (`npm start`, `npm run polysim`, a test run's first step) rebuilds dist/ when a source's
 * content changed, and only then: not when a clock ran ahead of this one (a clone from a host whose clock is ahead),
 * and never inside a test run, where other test files run the CLI from dist/ while it would be rewritten. Run on a
 * copy of the script in a tree of its own, whose tsc and dashboard bundler only count their runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './root.js';

describe('building dist/ when a source changed', () => {
  let dir = '';
  const runs = (): number => readFileSync(join(dir, 'runs'), 'utf8').length;
  /** Runs the script (outside a test run, unless env says otherwise). */
  const build = (args: string[] = [], env: Record<string, string> = {}): string => {
    const { POLYSIM_BUILT_FOR_TESTS: _, ...rest } = process.env;
    return execFileSync(process.execPath, [join(dir, 'scripts/build-if-stale.mjs'), ...args], {
      env: { ...rest, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'polysim-build-'));
    for (const d of ['scripts', 'src/phone', 'ui', 'packages/client/src', 'node_modules/typescript/bin', 'dist'])
      mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(join(ROOT, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'));
    // each build runs tsc twice (client, server) and the bundler once: three characters per build
    const count = `require('node:fs').appendFileSync(${JSON.stringify(join(dir, 'runs'))}, 'x');\n`;
    writeFileSync(join(dir, 'node_modules/typescript/bin/tsc'), count);
    writeFileSync(
      join(dir, 'scripts/build-ui.mjs'),
      `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${count}`,
    );
    writeFileSync(join(dir, 'runs'), '');
    for (const f of ['tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json', 'packages/client/tsconfig.json'])
      writeFileSync(join(dir, f), '{}');
    writeFileSync(join(dir, 'src/phone/phone.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'ui/main.tsx'), 'export {};\n');
    writeFileSync(join(dir, 'packages/client/src/index.ts'), 'export {};\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds when there is no stamp, then not again while nothing changed', () => {
    build();
    assert.equal(runs(), 3);
    build();
    assert.equal(runs(), 3);
  });

  it('a source dated in the future (a clock ahead of this one) is not a change', () => {
    const ahead = Date.now() / 1000 + 86_400;
    utimesSync(join(dir, 'src/phone/phone.ts'), ahead, ahead);
    utimesSync(join(dir, 'ui/main.tsx'), ahead, ahead);
    build();
    assert.equal(runs(), 3);
  });

  it('a changed, added or removed source is, and the build says so; --force always builds', () => {
    // stderr is not captured by execFileSync's answer: run through a shell to read it
    writeFileSync(join(dir, 'src/phone/phone.ts'), 'export const a = 2;\n');
    const said = execFileSync('sh', ['-c', `"${process.execPath}" "${join(dir, 'scripts/build-if-stale.mjs')}" 2>&1`], {
      env: { ...process.env, POLYSIM_BUILT_FOR_TESTS: '' },
      encoding: 'utf8',
    });
    assert.match(said, /building dist\/ \(a source changed since the last build\)/);
    assert.equal(runs(), 6);
    writeFileSync(join(dir, 'ui/extra.tsx'), 'export {};\n');
    build();
    assert.equal(runs(), 9);
    rmSync(join(dir, 'ui/extra.tsx'));
    build();
    assert.equal(runs(), 12);
    build();
    assert.equal(runs(), 12);
    build(['--force']);
    assert.equal(runs(), 15);
  });

  it('inside a test run (POLYSIM_BUILT_FOR_TESTS=1) a change does not rebuild; --force still does', () => {
    writeFileSync(join(dir, 'packages/client/src/index.ts'), 'export const b = 1;\n');
    build([], { POLYSIM_BUILT_FOR_TESTS: '1' });
    assert.equal(runs(), 15);
    build(['--force'], { POLYSIM_BUILT_FOR_TESTS: '1' });
    assert.equal(runs(), 18);
  });
});
