/** The directory file's reader under generated input, and what the phones write read back as it was. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CONTACTS_MAX, DirectoryError, directoryXml, parseDirectoryXml } from './contact-directory.js';

const field = fc.string({ maxLength: 20, unit: fc.constantFrom('a', 'Z', ' ', '&', '<', '>', '"', "'", 'é', '😀', '1', '@', ':') });
const contact = fc.record(
  {
    fn: field.map((s) => s.trim()),
    ln: field.map((s) => s.trim()),
    ct: field.map((s) => s.trim() || '1'),
    sd: fc.integer({ min: 1, max: 9999 }),
  },
  { requiredKeys: ['fn', 'ln', 'ct'], noNullPrototype: true },
);

describe('directory files', () => {
  it('what the phone writes reads back the same, escapes and all', () => {
    fc.assert(
      fc.property(fc.uniqueArray(contact, { maxLength: 20, selector: (c) => c.sd ?? Symbol() }), (contacts) => {
        assert.deepEqual(parseDirectoryXml(directoryXml(contacts)), contacts);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it('anything else is read or refused with DirectoryError, never another error', () => {
    const xmlish = fc.array(
      fc.constantFrom(
        '<directory>',
        '</directory>',
        '<item_list>',
        '</item_list>',
        '<item>',
        '</item>',
        '<fn>',
        '</fn>',
        '<ct>',
        '</ct>',
        '<sd>',
        '</sd>',
        'x',
        '5',
        '&amp;',
        '&',
        '<',
        '<!--',
        '-->',
        '<?xml version="1.0"?>',
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          xmlish.map((a) => a.join('')),
        ),
        (text) => {
          try {
            const contacts = parseDirectoryXml(text);
            assert.ok(contacts.length <= CONTACTS_MAX);
            for (const c of contacts) assert.ok(c.ct.length > 0);
          } catch (err) {
            assert.ok(err instanceof DirectoryError, String(err));
          }
        },
      ),
      { numRuns: 2000, seed: 20261202 },
    );
  });

  it('refuses more contacts than a phone keeps, and a file past its size', () => {
    const many = Array.from({ length: CONTACTS_MAX + 1 }, (_, i) => ({ fn: '', ln: '', ct: String(i) }));
    assert.throws(() => parseDirectoryXml(directoryXml(many)), /more than 1000 contacts/);
    assert.throws(() => parseDirectoryXml(`<directory>${' '.repeat(600 * 1024)}</directory>`), /larger than/);
  });
});
