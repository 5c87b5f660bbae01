import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { operations } from '../src/api/index.js';
import { keyNamesByModel } from '../src/phone/models.js';
import { testsTitled } from './peer-use.js';

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

  it("docs/sip.md's interoperability table: each row's tests exist, its peers are the ones they run against, and only they", () => {
    const sip = read('docs/sip.md');
    const section = sip.slice(sip.indexOf('## Interoperability'), sip.indexOf('## Pointing polysim at a server'));
    const table = section.split('\n').filter((l) => l.startsWith('|'));
    const cells = (line: string): string[] =>
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
    const [head = [], , ...rows] = table.map(cells);
    // each peer column, and the name test/peers.ts knows its program by
    const PROGRAMS: Record<string, string> = {
      Kamailio: 'kamailio',
      baresip: 'baresip',
      linphone: 'linphonec',
      sipp: 'sipp',
      sipsak: 'sipsak',
    };
    const columns = head.slice(1, -1);
    assert.deepEqual(head.at(0), 'feature');
    assert.deepEqual(head.at(-1), 'tests');
    for (const c of columns) assert.ok(PROGRAMS[c], `the column ${c} names no peer test/peers.ts knows`);
    assert.ok(rows.length >= 20, `the table has ${rows.length} rows`);
    for (const row of rows) {
      const [feature = '', ...rest] = row;
      assert.equal(row.length, head.length, `${feature}: ${row.length} cells`);
      const refs = [...(rest.at(-1) ?? '').matchAll(/`(test\/[\w.-]+\.test\.ts)` › ([^<]+)/g)].map((m) => [
        m[1] as string,
        (m[2] as string).trim(),
      ]);
      assert.ok(refs.length > 0, `${feature}: names no test`);
      // the peers the row's tests declare (needs() around them, lacks() in them), among the table's columns
      const ran = new Set<string>();
      const peerless: string[] = [];
      for (const [file = '', title = ''] of refs) {
        const found = testsTitled(read(file), file, title);
        assert.equal(found.length, 1, `${feature}: ${file} has ${found.length} tests titled "${title}..."`);
        const peers = found[0]?.peers ?? new Set<string>();
        if (peers.size === 0) peerless.push(`${file} › ${title}`);
        for (const peer of peers) ran.add(peer);
      }
      const marked = columns.filter((c, i) => {
        const v = rest[i];
        assert.ok(v === 'yes' || v === '—', `${feature}: ${c} is "${v}", not yes or —`);
        return v === 'yes';
      });
      assert.deepEqual(
        marked,
        columns.filter((c) => ran.has(PROGRAMS[c] as string)),
        `${feature}: a peer is marked yes exactly when one of the row's tests runs against it (needs/lacks)`,
      );
      // a row that claims real peers names no test that runs against none (those have rows of their own)
      if (marked.length > 0) assert.deepEqual(peerless, [], `${feature}: tests without a real peer in a row that marks peers`);
    }
  });
});
