// A reporter for node's test runner beside the spec one: adds up the time of each file's top-level tests and, at the
// end, prints the slowest files, so the suites that make a run long are visible. With TEST_TIMINGS=<file> it also
// writes every file's time there as JSON ({ "test/x.test.ts": seconds }).
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const SHOWN = 12;

export default async function* timings(source) {
  const byFile = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0 || !event.data.file) continue;
    // The runner names the source (through the source maps), or .test-build/test/x.test.js for test/x.test.ts.
    const file = relative('.', event.data.file)
      .replace(/^\.test-build\//, '')
      .replace(/\.js$/, '.ts');
    byFile.set(file, (byFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0) / 1000);
  }
  const rows = [...byFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, s]) => sum + s, 0);
  if (process.env.TEST_TIMINGS) writeFileSync(process.env.TEST_TIMINGS, JSON.stringify(Object.fromEntries(rows), null, 2) + '\n');
  yield `\nslowest test files (seconds of test time; ${rows.length} files, ${total.toFixed(0)} s in all, two at a time):\n`;
  for (const [file, seconds] of rows.slice(0, SHOWN)) yield `${seconds.toFixed(1).padStart(8)}  ${file}\n`;
}
