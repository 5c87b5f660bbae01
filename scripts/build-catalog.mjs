// Builds src/phone/config/catalog-data.json: the names, types and defaults of the parameters a Poly phone
// knows, read from Poly configuration templates (the sip.cfg and phone1.cfg that Poly shipped with UC Software,
// as kept in public provisioning projects). Names, types and defaults are facts; only they are kept.
//   node scripts/build-catalog.mjs <sip.cfg> [<phone1.cfg> ...]
// Per line parameters (reg.1.*) become the reg.{line}.* pattern; numbered families stay as the template lists them.
import { readFileSync, writeFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/build-catalog.mjs <sip.cfg> [<phone1.cfg> ...]');
  process.exit(2);
}

/** Names newer than the templates, used by clients (real-device notes), with their documented defaults. */
const NEWER = [
  ['up.Pagination.enabled', 'b', '0'],
  ['feature.acousticFenceUI.enabled', 'b', '0'],
  ['tcpIpApp.sntp.daylightSavings.enable', 'b', '1'],
  // Flexible line keys (UC Software 4.0 on): the reassignment switch and, per key, its category and index.
  ['lineKey.reassignment.enabled', 'b', '0'],
  ...Array.from({ length: 48 }, (_, i) => [
    [`lineKey.${i + 1}.category`, 's', 'Unassigned'],
    [`lineKey.${i + 1}.index`, 'i', '0'],
  ]).flat(),
];

/** Families the templates show with index 1 only, and how many the phones have (UC Software administrator guides). */
const REPEAT = [['softkey.', 10]];

const BOOLISH = /(enable|enabled|Enable|Enabled|register|overrideDHCP|persist|visible|Visible|allow|Allow|display|Display|^on$)$/;

function typeOf(name, value) {
  const last = name.split('.').pop();
  if ((value === '0' || value === '1') && BOOLISH.test(last)) return 'b';
  if (/^-?\d{1,9}$/.test(value)) return 'i';
  return 's';
}

const out = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/\s([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)+)="([^"]*)"/g)) {
    let [, name, value] = m;
    if (/\.set$/.test(name)) continue;
    const line = /^reg\.(\d+)\.(.+)$/.exec(name);
    if (line) {
      if (line[1] !== '1') continue;
      name = `reg.{line}.${line[2]}`;
    }
    if (!out.has(name)) out.set(name, [typeOf(name, value), value]);
  }
}
for (const [name, type, value] of NEWER) if (!out.has(name)) out.set(name, [type, value]);
for (const [prefix, count] of REPEAT) {
  for (const [name, entry] of [...out]) {
    if (!name.startsWith(`${prefix}1.`)) continue;
    for (let i = 2; i <= count; i++) {
      const other = `${prefix}${i}.${name.slice(prefix.length + 2)}`;
      if (!out.has(other)) out.set(other, entry);
    }
  }
}

// One [name, type, default] row a line: type b (bool), i (integer), s (string).
const rows = [...out].sort(([a], [b]) => a.localeCompare(b)).map(([name, [type, value]]) => JSON.stringify([name, type, value]));
writeFileSync(new URL('../src/phone/config/catalog-data.json', import.meta.url), `[\n${rows.join(',\n')}\n]\n`);
console.log(`${rows.length} parameters`);
