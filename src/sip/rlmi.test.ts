/** Resource list NOTIFY bodies (RFC 4662): the multipart/related framing, the RLMI document, and a list's keys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LIST_BODY_MAX_BYTES, PARTS_MAX, RESOURCES_MAX, parseListBody, parseRlmi, splitMultipart } from './rlmi.js';
import { ListContent } from './list-content.js';
import type { ListEntry } from './list-content.js';

const BOUNDARY = '50UBfW7LSCVLtggUPe5z';
const TYPE = `multipart/related;type="application/rlmi+xml";start="<nXYxAE@rls.test>";boundary="${BOUNDARY}"`;

const rlmi = (version: number, full: boolean, resources: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\r\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:blf@rls.test" version="${version}" fullState="${full}">` +
  `<name xml:lang="en">Reception</name>${resources}</list>`;

const resource = (user: string, name: string, state: string, cid?: string): string =>
  `<resource uri="sip:${user}@rls.test"><name>${name}</name><instance id="i${user}" state="${state}"${cid ? ` cid="${cid}"` : ''}/></resource>`;

const dialogInfo = (user: string, version: number, full: boolean, dialogs: string): string =>
  `<?xml version="1.0"?>\r\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="${full ? 'full' : 'partial'}" entity="sip:${user}@rls.test">${dialogs}</dialog-info>`;

/** A multipart/related body (RFC 2387): the RLMI root, then the parts named by Content-ID. */
function body(root: string, parts: readonly { cid: string; xml: string }[]): Buffer {
  const chunks = [
    `--${BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <nXYxAE@rls.test>\r\nContent-Type: application/rlmi+xml;charset="UTF-8"\r\n\r\n${root}\r\n`,
    ...parts.map(
      (p) =>
        `--${BOUNDARY}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${p.cid}>\r\nContent-Type: application/dialog-info+xml;charset="UTF-8"\r\n\r\n${p.xml}\r\n`,
    ),
    `--${BOUNDARY}--\r\n`,
  ];
  return Buffer.from(chunks.join(''));
}

const RINGING =
  '<dialog id="d1" direction="recipient"><state>early</state><remote><identity display="Bob">sip:1002@rls.test</identity></remote></dialog>';
const CONFIRMED = '<dialog id="d2"><state>confirmed</state></dialog>';

describe('resource list bodies (RFC 4662, RFC 2387)', () => {
  it('reads the RLMI root and the parts by Content-ID', () => {
    const got = parseListBody(
      TYPE,
      body(rlmi(1, true, resource('2001', 'Front desk', 'active', 'a@rls.test') + resource('2002', 'Sales', 'pending')), [
        { cid: 'a@rls.test', xml: dialogInfo('2001', 0, true, '') },
      ]),
    );
    assert.ok(!('error' in got), JSON.stringify(got));
    assert.deepEqual(got.rlmi, {
      uri: 'sip:blf@rls.test',
      version: 1,
      fullState: true,
      resources: [
        { uri: 'sip:2001@rls.test', name: 'Front desk', instances: [{ id: 'i2001', state: 'active', cid: 'a@rls.test' }] },
        { uri: 'sip:2002@rls.test', name: 'Sales', instances: [{ id: 'i2002', state: 'pending' }] },
      ],
    });
    assert.deepEqual([...got.parts.keys()], ['a@rls.test']);
    assert.match(got.parts.get('a@rls.test')?.body.toString() ?? '', /^<\?xml[\s\S]*<\/dialog-info>$/);
  });

  it('refuses what it cannot read, whole: no boundary, no close, a root that is not RLMI, a DOCTYPE, too many parts', () => {
    const errorOf = (type: string, b: Buffer | string): string => {
      const got = parseListBody(type, Buffer.isBuffer(b) ? b : Buffer.from(b));
      assert.ok('error' in got, `refused: ${type}`);
      return got.error;
    };
    const good = body(rlmi(0, true, ''), []);
    assert.match(errorOf('multipart/related', good), /boundary/);
    assert.match(errorOf('application/rlmi+xml', good), /not multipart/);
    assert.match(errorOf(TYPE, good.subarray(0, good.length - 10)), /close/);
    assert.match(errorOf(TYPE, `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--${BOUNDARY}--`), /root/);
    assert.match(errorOf(TYPE, body('<!DOCTYPE x [<!ENTITY a "b">]><list version="0" fullState="true"/>', [])), /DOCTYPE/);
    assert.match(errorOf(TYPE, body('<list version="x" fullState="true"/>', [])), /version/);
    const many = Array.from({ length: PARTS_MAX + 1 }, (_, i) => ({ cid: `p${i}`, xml: '<a/>' }));
    assert.match(errorOf(TYPE, body(rlmi(0, true, ''), many)), /more than/);
    assert.match(errorOf(TYPE, Buffer.alloc(LIST_BODY_MAX_BYTES + 1, 0x20)), /over/);
    assert.ok('error' in splitMultipart(Buffer.from('x'), 'bad\u0000boundary'));
  });

  it('reads at most RESOURCES_MAX resources', () => {
    const many = Array.from({ length: RESOURCES_MAX + 5 }, (_, i) => resource(String(3000 + i), '', 'pending')).join('');
    const got = parseRlmi(Buffer.from(rlmi(0, true, many)));
    assert.ok(!('error' in got));
    assert.equal(got.resources.length, RESOURCES_MAX);
  });

  it('never throws on arbitrary bytes, whatever the Content-Type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 80 }), (bytes, type) => {
        parseListBody(type, Buffer.from(bytes));
        parseListBody(TYPE, Buffer.from(bytes));
        parseRlmi(Buffer.from(bytes));
        new ListContent(() => undefined).read(TYPE, Buffer.from(bytes));
      }),
      { numRuns: 400 },
    );
    // and bytes cut into a good body's framing
    const good = body(rlmi(1, true, resource('2001', 'A', 'active', 'a@rls.test')), [
      { cid: 'a@rls.test', xml: dialogInfo('2001', 0, true, RINGING) },
    ]);
    fc.assert(
      fc.property(fc.nat(good.length), fc.uint8Array({ maxLength: 40 }), (at, junk) => {
        const mangled = Buffer.concat([good.subarray(0, at), Buffer.from(junk), good.subarray(at)]);
        const read = new ListContent(() => undefined).read(TYPE, mangled);
        if ('apply' in read) read.apply();
      }),
      { numRuns: 400 },
    );
  });
});

describe("a resource list's keys (ListContent)", () => {
  function list(): { content: ListContent; shown: ListEntry[][]; notify: (b: Buffer) => string } {
    const shown: ListEntry[][] = [];
    const content = new ListContent((e) => shown.push([...e]));
    const notify = (b: Buffer): string => {
      const read = content.read(TYPE, b);
      if ('status' in read) return String(read.status);
      const applied = read.apply();
      content.show(true);
      return applied;
    };
    return { content, shown, notify };
  }

  it('full state gives the keys in order with their names and lamps; a partial one changes only what it names', () => {
    const l = list();
    const full = body(
      rlmi(
        1,
        true,
        resource('2001', 'Front desk', 'active', 'a') + resource('2002', 'Sales', 'active', 'b') + resource('2003', '', 'pending'),
      ),
      [
        { cid: 'a', xml: dialogInfo('2001', 0, true, '') },
        { cid: 'b', xml: dialogInfo('2002', 0, true, RINGING) },
      ],
    );
    assert.equal(l.notify(full), 'applied');
    assert.deepEqual(
      l.shown.at(-1)?.map((e) => [e.uri, e.name, e.status.state]),
      [
        ['sip:2001@rls.test', 'Front desk', 'idle'],
        ['sip:2002@rls.test', 'Sales', 'ringing'],
        ['sip:2003@rls.test', '', 'unknown'],
      ],
    );
    assert.equal(l.shown.at(-1)?.[1]?.status.caller?.name, 'Bob');
    const partial = body(rlmi(2, false, resource('2001', 'Front desk', 'active', 'c')), [
      { cid: 'c', xml: dialogInfo('2001', 1, false, CONFIRMED) },
    ]);
    assert.equal(l.notify(partial), 'applied');
    assert.deepEqual(
      l.shown.at(-1)?.map((e) => e.status.state),
      ['busy', 'ringing', 'unknown'],
    );
    // the same version again is ignored; a partial one after a lost version asks for a refresh; a terminated instance is unknown
    assert.equal(l.notify(partial), 'stale');
    assert.equal(l.notify(body(rlmi(4, false, ''), [])), 'refresh');
    assert.equal(l.notify(body(rlmi(3, false, resource('2002', 'Sales', 'terminated')), [])), 'applied');
    assert.deepEqual(
      l.shown.at(-1)?.map((e) => e.status.state),
      ['busy', 'unknown', 'unknown'],
    );
    // a new full state is the list anew
    assert.equal(
      l.notify(body(rlmi(9, true, resource('2003', 'Stock', 'active', 'd')), [{ cid: 'd', xml: dialogInfo('2003', 0, true, '') }])),
      'applied',
    );
    assert.deepEqual(l.shown.at(-1), [{ uri: 'sip:2003@rls.test', name: 'Stock', status: { state: 'idle' } }]);
    // not active (a pending subscription): every key unknown
    l.content.show(false);
    assert.deepEqual(l.shown.at(-1)?.[0]?.status, { state: 'unknown' });
  });

  it('refuses a body with a part it cannot read (400), or of another type (415)', () => {
    const l = list();
    assert.equal(l.notify(body(rlmi(0, true, resource('2001', 'A', 'active', 'a')), [{ cid: 'a', xml: '<dialog-info' }])), '400');
    const read = l.content.read('application/dialog-info+xml', Buffer.from(dialogInfo('2001', 0, true, '')));
    assert.ok('status' in read && read.status === 415);
    assert.deepEqual(l.shown, []);
  });
});
