import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { Operation } from '../../api/operation.js';
import type { Phone } from '../../phone/phone.js';
import { headOf, KEPT_BODY_MAX, ReadCache } from './read-cache.js';
import { dataComparator } from './serializers.js';

const op: Operation = {
  name: 'Test.Read',
  methods: ['GET'],
  paths: ['/r'],
  inputFrom: 'none',
  returnCodes: [2000],
  output: Type.Object({ A: Type.String(), L: Type.Array(Type.String()) }),
  handler: () => ({}),
};
const same = dataComparator(op, 'device');
const phone = {} as Phone;
const other = {} as Phone;

describe('the read cache', () => {
  it('writes once while the data is the same, again when a value changes, even inside an object it handed out', () => {
    assert.ok(same);
    const cache = new ReadCache();
    let writes = 0;
    const write = (d: unknown) => (): string => {
      writes++;
      return JSON.stringify({ data: d, Status: '2000' });
    };
    const data = { A: 'a', L: ['x'] };
    const first = cache.answer(phone, op, 'device', data, same, write(data));
    assert.equal(first.body.toString(), '{"data":{"A":"a","L":["x"]},"Status":"2000"}');
    assert.equal(cache.answer(phone, op, 'device', { A: 'a', L: ['x'] }, same, write(data)), first);
    assert.equal(writes, 1);
    // The handler changed the object it answered with: the copy kept still says what was written.
    data.L.push('y');
    const second = cache.answer(phone, op, 'device', data, same, write(data));
    assert.equal(second.body.toString(), '{"data":{"A":"a","L":["x","y"]},"Status":"2000"}');
    assert.equal(writes, 2);
    // Another dialect mode, another phone: their own answers.
    cache.answer(phone, op, 'manual', data, same, write(data));
    cache.answer(other, op, 'device', data, same, write(data));
    assert.equal(writes, 4);
  });

  it('one header list per body and scheme, with the body length; an answer that changes every time stops being kept for a while', () => {
    assert.ok(same);
    const cache = new ReadCache();
    const k = cache.answer(phone, op, 'device', { A: 'é', L: [] }, same, () => '{"data":{"A":"é","L":[]}}');
    const head = headOf(k, 0, ['content-type', 'application/json']);
    assert.deepEqual(head, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength('{"data":{"A":"é","L":[]}}'))]);
    assert.equal(headOf(k, 0, ['content-type', 'application/json']), head);
    assert.notEqual(headOf(k, 1, ['content-type', 'application/json', 'strict-transport-security', 'x']), head);
    let writes = 0;
    for (let i = 0; i < 300; i++) {
      const body: Buffer = cache.answer(phone, op, 'device', { A: String(i), L: [] }, same, () => {
        writes++;
        return `{"data":{"A":"${i}","L":[]}}`;
      }).body;
      assert.equal(body.toString(), `{"data":{"A":"${i}","L":[]}}`);
    }
    assert.equal(writes, 300);
    // Resting: the same answer twice in a row is written anew (not compared) until the rest is over.
    const again = (): Buffer => cache.answer(phone, op, 'device', { A: 'z', L: [] }, same, () => '{"data":{"A":"z","L":[]}}').body;
    assert.notEqual(again(), again());
  });

  it('keeps no answer longer than its bound: a long one is written each time', () => {
    assert.ok(same);
    const cache = new ReadCache();
    const long = { A: 'x'.repeat(KEPT_BODY_MAX), L: [] };
    let writes = 0;
    const write = (): string => {
      writes++;
      return JSON.stringify({ data: long, Status: '2000' });
    };
    const one = cache.answer(phone, op, 'device', long, same, write);
    const two = cache.answer(phone, op, 'device', long, same, write);
    assert.equal(writes, 2);
    assert.deepEqual(one.body, two.body);
  });
});
