/** param-names.ts is generated from the catalogue: it fails here while it is stale (run `npm run param-names`). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { catalog } from './catalog.js';
import { paramNamesSource } from './param-names-source.js';

describe('the generated parameter names', () => {
  it("param-names.ts is the catalogue's names as they are now", () => {
    const file = readFileSync(new URL('./param-names.ts', import.meta.url), 'utf8');
    assert.equal(file, paramNamesSource(catalog), 'stale: run npm run param-names');
  });

  it('turns every index into a number and quotes the rest', () => {
    const text = paramNamesSource([
      { name: 'reg.{line}.server.{server}.port', type: { kind: 'bool' }, default: '0', description: '' },
      { name: 'softkey.1.label', type: { kind: 'bool' }, default: '0', description: '' },
      { name: 'softkey.2.label', type: { kind: 'bool' }, default: '0', description: '' },
      { name: 'apps.restapi.enabled', type: { kind: 'bool' }, default: '0', description: '' },
    ]);
    assert.match(
      text,
      /export type ParamName =\n {2}\| 'apps\.restapi\.enabled'\n {2}\| `reg\.\$\{number\}\.server\.\$\{number\}\.port`\n {2}\| `softkey\.\$\{number\}\.label`;\n$/,
    );
  });
});
