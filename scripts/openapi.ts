// Writes docs/openapi.json from the operation table (npm run openapi); a test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/openapi/document.js';
import { clientTypes } from '../src/openapi/typescript.js';
import { VERSION } from '../src/version.js';

const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
const types = new URL('../src/client/types.ts', import.meta.url);
writeFileSync(types, clientTypes(VERSION));
console.log(`wrote ${types.pathname}`);
