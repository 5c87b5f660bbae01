/** The error catalogue: every entry's exit code is the one README's table of exit codes gives it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CfgError, CliError, ERRORS, errorReport, ListenError, PolysimError, SipParseError, SmallFileError } from './errors.js';

const README = new URL('../README.md', import.meta.url);

/** README's exit-code table, as code -> exit. */
function readmeTable(): Map<string, number> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('<!-- exit-codes:');
  assert.ok(start >= 0, 'README has the exit-code table');
  const out = new Map<string, number>();
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (!line.startsWith('|')) {
      if (out.size > 0) break;
      continue;
    }
    const [, exit, codes] = line.split('|').map((c) => c.trim());
    for (const m of (codes ?? '').matchAll(/`([a-z-]+)`/g)) out.set(m[1] as string, Number(exit));
  }
  return out;
}

describe('the error catalogue', () => {
  it('is the README table of exit codes, entry for entry', () => {
    const catalogue = new Map(Object.entries(ERRORS).map(([code, e]) => [code, e.exit as number]));
    assert.deepEqual([...readmeTable()].sort(), [...catalogue].sort());
  });

  it('gives every error class its code and exit code, and anything else is internal', () => {
    assert.equal(new CliError('x').exitCode, 2);
    assert.equal(new ListenError('x').code, 'listen');
    assert.equal(new SmallFileError('ENOENT').code, 'file');
    assert.equal(new CfgError('x').code, 'cfg-file');
    assert.equal(new SipParseError('x').code, 'sip-parse');
    assert.equal(new ListenError('x').name, 'ListenError');
    assert.ok(new CfgError('x') instanceof PolysimError);
    assert.deepEqual(errorReport(new ListenError('port in use')), { code: 'listen', message: 'port in use' });
    assert.deepEqual(errorReport(new TypeError('boom')), { code: 'internal', message: 'boom' });
  });
});
