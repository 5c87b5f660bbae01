import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { operations } from '../src/api/index.js';
import { keyNamesByModel } from '../src/phone/models.js';

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

  it("docs/api.md's key names per model are every model's key set", () => {
    const api = read('docs/api.md');
    const section = api.slice(api.indexOf('### Key names per model'), api.indexOf('## Sessions'));
    const full =
      keyNamesByModel()
        .find((m) => m.model === 'VVX 450')
        ?.keys.filter((k) => !/^Line/.test(k)) ?? [];
    const documented = new Map<string, string[]>();
    for (const [, models, keys] of section.matchAll(/^\| ([^|]+) \| ([^|]+) \|$/gm)) {
      if (models === 'models' || (models as string).startsWith('-')) continue;
      const lines = /Line1(?:–Line(\d+))?/.exec(keys as string);
      const set = (keys as string).startsWith('the full set')
        ? [...full, ...Array.from({ length: Number(lines?.[1] ?? 1) }, (_, i) => `Line${i + 1}`)]
        : (keys as string).split(', ');
      for (const model of (models as string).split(', ')) documented.set(model, set);
    }
    for (const { model, keys } of keyNamesByModel()) assert.deepEqual(documented.get(model), [...keys], model);
    assert.equal(documented.size, keyNamesByModel().length);
    for (const key of full) assert.ok(section.includes(key) || /Dialpad\d|SoftKey\d/.test(key), `${key} not named`);
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
