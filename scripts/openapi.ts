// Writes docs/openapi.json from the operation table (npm run openapi); a test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/openapi/document.js';

const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(openApiDocument('0.1.0'), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
