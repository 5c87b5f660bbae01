/** The dialog package's document (RFC 4235): read, written, kept in version order, and what a busy lamp shows of it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALOG_INFO_MAX_BYTES, DIALOGS_MAX, DialogTracker, lampOf, parseDialogInfo, writeDialogInfo } from './dialog-info.js';
import type { DialogEntry, DialogInfo } from './dialog-info.js';

const read = (xml: string): DialogInfo => {
  const info = parseDialogInfo(Buffer.from(xml));
  assert.ok(!('error' in info), JSON.stringify(info));
  return info;
};

/** RFC 4235 section 4.1's first example (Alice's early dialog), with its namespace as a prefix. */
const RFC_EXAMPLE = `<?xml version="1.0"?>
<d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:alice@example.com">
  <d:dialog id="as7d900as8" call-id="a84b4c76e66710" local-tag="1928301774" direction="initiator">
    <d:state event="replaced">early</d:state>
  </d:dialog>
</d:dialog-info>`;

const doc = (version: number, state: 'full' | 'partial', dialogs: string): string =>
  `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="${state}" entity="sip:1002@pbx">${dialogs}</dialog-info>`;

describe('dialog-info documents (RFC 4235)', () => {
  it('reads RFC 4235 documents: attributes, state, namespace prefixes, local and remote parties', () => {
    const info = read(RFC_EXAMPLE);
    assert.deepEqual(info, {
      version: 0,
      full: true,
      entity: 'sip:alice@example.com',
      dialogs: [{ id: 'as7d900as8', state: 'early', callId: 'a84b4c76e66710', localTag: '1928301774', direction: 'initiator' }],
    });
    const ringing = read(
      doc(
        3,
        'full',
        `<dialog id="x" call-id="c1" local-tag="L" remote-tag="R" direction="recipient"><state>early</state>
           <local><identity display="Bob">sip:1002@pbx</identity></local>
           <remote><identity display="Ann &amp; Co">sip:2001@pbx</identity><target uri="sip:2001@192.0.2.7:5062"/></remote></dialog>`,
      ),
    );
    assert.deepEqual(ringing.dialogs[0]?.remote, { identity: 'sip:2001@pbx', display: 'Ann & Co', target: 'sip:2001@192.0.2.7:5062' });
    assert.deepEqual(ringing.dialogs[0]?.local, { identity: 'sip:1002@pbx', display: 'Bob' });
  });

  it('writes what it reads back: escaping, every attribute, the namespace', () => {
    const info: DialogInfo = {
      version: 7,
      full: true,
      entity: 'sip:1001@pbx.test',
      dialogs: [
        {
          id: 'call<1>',
          callId: 'a"b&c',
          localTag: 'L1',
          remoteTag: 'R1',
          direction: 'recipient',
          state: 'early',
          local: { identity: 'sip:1001@pbx.test', display: 'Front "desk"' },
          remote: { identity: 'sip:2002@pbx.test', display: 'A & B', target: 'sip:2002@192.0.2.9' },
        },
        { id: 'c2', direction: 'initiator', state: 'confirmed' },
      ],
    };
    const xml = writeDialogInfo(info).toString();
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="7" state="full" entity="sip:1001@pbx.test">/);
    assert.deepEqual(read(xml), info);
  });

  it('refuses what is not a dialog-info document, and bounds what it reads', () => {
    const bad = (xml: string | Buffer): string => {
      const r = parseDialogInfo(Buffer.isBuffer(xml) ? xml : Buffer.from(xml));
      assert.ok('error' in r, `read: ${String(xml).slice(0, 80)}`);
      return r.error;
    };
    assert.match(bad('<dialog-info version="1" state="full"><dialog id="a">'), /not well-formed/);
    assert.match(bad('<presence entity="x"/>'), /not a dialog-info/);
    assert.match(bad('<dialog-info state="full"/>'), /version/);
    assert.match(bad('<dialog-info version="1" state="none"/>'), /state/);
    assert.match(bad('<dialog-info version="-1" state="full"/>'), /version/);
    assert.match(bad('<!DOCTYPE d [<!ENTITY a "aaaa">]><dialog-info version="1" state="full"/>'), /DOCTYPE/);
    assert.match(bad(Buffer.alloc(DIALOG_INFO_MAX_BYTES + 1, 0x20)), /over/);
    assert.match(bad('\u0000\u00ff'), /not well-formed/);
    // dialogs without an id or with an unknown state are left out; only the first DIALOGS_MAX are read
    const many = Array.from({ length: DIALOGS_MAX + 5 }, (_, i) => `<dialog id="d${i}"><state>confirmed</state></dialog>`).join('');
    assert.equal(read(doc(1, 'full', many)).dialogs.length, DIALOGS_MAX);
    assert.deepEqual(
      read(doc(1, 'full', '<dialog><state>early</state></dialog><dialog id="a"><state>ringing</state></dialog>')).dialogs,
      [],
    );
  });

  it('keeps the dialogs in version order: full replaces, partial changes, old versions and gaps are not applied', () => {
    const t = new DialogTracker();
    const d = (id: string, state: string): string => `<dialog id="${id}" direction="recipient"><state>${state}</state></dialog>`;
    assert.equal(t.apply(read(doc(5, 'partial', d('a', 'early')))), 'refresh', 'a partial document needs a full one first');
    assert.equal(t.apply(read(doc(5, 'full', d('a', 'early') + d('b', 'confirmed')))), 'applied');
    assert.deepEqual(
      t.current.map((x) => [x.id, x.state]),
      [
        ['a', 'early'],
        ['b', 'confirmed'],
      ],
    );
    assert.equal(t.apply(read(doc(5, 'full', ''))), 'stale', 'a repeated version');
    assert.equal(t.apply(read(doc(4, 'full', ''))), 'stale', 'an older version');
    assert.equal(t.apply(read(doc(6, 'partial', d('a', 'confirmed') + d('b', 'terminated')))), 'applied');
    assert.deepEqual(
      t.current.map((x) => [x.id, x.state]),
      [['a', 'confirmed']],
    );
    assert.equal(t.apply(read(doc(8, 'partial', d('c', 'early')))), 'refresh', 'version 7 was lost');
    assert.equal(t.apply(read(doc(9, 'full', ''))), 'applied');
    assert.deepEqual(t.current, []);
    t.reset();
    assert.equal(t.apply(read(doc(0, 'full', d('z', 'early')))), 'applied', 'a new subscription counts from anything');
  });

  it('lamps: idle, ringing while called and not answered (with the dialog), busy when confirmed or calling out', () => {
    const e = (state: DialogEntry['state'], direction?: DialogEntry['direction']): DialogEntry => ({
      id: `${state}${direction ?? ''}`,
      state,
      ...(direction ? { direction } : {}),
    });
    assert.deepEqual(lampOf([]), { state: 'idle' });
    assert.deepEqual(lampOf([e('terminated', 'recipient')]), { state: 'idle' });
    assert.deepEqual(lampOf([e('early', 'recipient')]), { state: 'ringing', dialog: e('early', 'recipient') });
    assert.deepEqual(lampOf([e('early')]), { state: 'ringing', dialog: e('early') }, 'no direction: taken as called');
    assert.deepEqual(lampOf([e('trying', 'initiator')]), { state: 'busy' }, 'dialling out');
    assert.deepEqual(lampOf([e('early', 'initiator')]), { state: 'busy' }, 'its call rings elsewhere');
    assert.deepEqual(lampOf([e('confirmed', 'initiator'), e('early', 'recipient')]), { state: 'busy' }, 'talking, a second call rings');
  });
});
