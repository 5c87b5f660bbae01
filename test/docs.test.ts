import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { operations } from '../src/api/index.js';

const read = (p: string): string => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

describe('docs stay true', () => {
  it('docs/api.md lists every operation and path that is served', () => {
    const api = read('docs/api.md');
    for (const op of operations) {
      assert.ok(api.includes(op.name), `${op.name} missing from docs/api.md`);
      for (const path of op.paths) {
        const tail = path.split('/').slice(-1)[0] as string;
        assert.ok(api.includes(path) || api.includes(`\`/${tail}\``), `${path} missing from docs/api.md`);
      }
    }
  });

  it('the README names every option of polysim start and both commands of the quick start', async () => {
    const readme = read('README.md');
    assert.ok(readme.includes('npm ci') && readme.includes('npm start') && readme.includes('npm test'));
    const cli = read('src/cli/program.ts');
    for (const [, flag] of cli.matchAll(/\.(?:option|addOption\(new Option)\('(--[a-z-]+)/g)) {
      assert.ok(readme.includes(`\`${flag}`), `${flag} missing from README.md`);
    }
  });

  it("docs/configuration.md's transfer protocols name tests that exist", () => {
    const doc = read('docs/configuration.md');
    const section = doc.slice(doc.indexOf('### Protocols, credentials and CAs'));
    const refs = [...section.matchAll(/`(test\/[\w.-]+\.test\.ts)` › ([^<|\n]+)/g)].map((m): [string, string] => [
      m[1] as string,
      (m[2] as string).trim().replace(/\.$/, ''),
    ]);
    assert.ok(refs.length >= 6, `the section names ${refs.length} tests`);
    for (const [file, title] of refs) {
      const text = read(file);
      assert.ok(text.includes(`it('${title}`) || text.includes(`it("${title}`), `${file} has no test "${title}..."`);
    }
  });

  it("docs/sip.md's interoperability table names tests that exist", () => {
    const sip = read('docs/sip.md');
    const section = sip.slice(sip.indexOf('## Interoperability'), sip.indexOf('## Pointing polysim at a server'));
    const refs = [...section.matchAll(/`(test\/[\w.-]+\.test\.ts)` › ([^<|]+)/g)].map((m): [string, string] => [
      m[1] as string,
      (m[2] as string).trim(),
    ]);
    assert.ok(refs.length >= 20, `the table names ${refs.length} tests`);
    for (const [file, title] of refs) {
      const text = read(file);
      assert.ok(text.includes(`it('${title}`) || text.includes(`it("${title}`), `${file} has no test "${title}..."`);
    }
  });
});
