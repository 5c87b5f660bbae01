// Writes src/phone/config/param-names.ts from the parameter catalogue (npm run param-names); a test fails when stale.
import { writeFileSync } from 'node:fs';
import { catalog } from '../src/phone/config/catalog.js';
import { paramNamesSource } from '../src/phone/config/param-names-source.js';

const file = new URL('../src/phone/config/param-names.ts', import.meta.url);
writeFileSync(file, paramNamesSource(catalog));
console.log(`wrote ${file.pathname}`);
