// Writes docs/openapi.json from the operation table, and the SDK's generated files (its operation types, Status
// meanings, paths and body limit) from the server's tables (npm run openapi); a test fails when a file is stale.
import { writeFileSync } from 'node:fs';
import { clientFacts } from '../src/openapi/client-facts.js';
import { servedDocument } from '../src/control/openapi.js';
import { clientTypes } from '../src/openapi/typescript.js';
import { CLIENT_TYPES_FILE, controlClientTypes } from '../src/control/client-types.js';
import { VERSION } from '../src/version.js';

const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(servedDocument(VERSION), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
for (const [name, text] of Object.entries({ ...clientTypes(VERSION), ...clientFacts(), [CLIENT_TYPES_FILE]: controlClientTypes() })) {
  const out = new URL(`../packages/client/src/${name}`, import.meta.url);
  writeFileSync(out, text);
  console.log(`wrote ${out.pathname}`);
}
