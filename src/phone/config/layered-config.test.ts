import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory-store.js';
import { resolveProfile } from '../models.js';
import { PhoneError } from '../status.js';
import { expandCatalog, LayeredConfig } from './layered-config.js';
import { checkValue } from './validate.js';

const vvx = resolveProfile('VVX 450');

describe('layered configuration', () => {
  it("expands reg.{line} to the model's lines and hides parameters the firmware does not have", () => {
    const params = expandCatalog(vvx);
    assert.ok(params.has('reg.12.address'));
    assert.ok(!params.has('reg.13.address'));
    assert.ok(params.has('reg.1.server.2.address'));
    assert.ok(!params.has('reg.1.server.3.address'));
    assert.ok(!params.has('httpd.rest.auth.basic.enabled'), 'auth switches exist from PVOS 9.2.0 only');
    assert.ok(expandCatalog(resolveProfile('CCX 600', '9.2.0')).has('httpd.rest.auth.basic.enabled'));
    assert.ok(!expandCatalog(resolveProfile('VVX 450', '6.4.1')).has('apps.restapi.sipNotify.enabled'));
    assert.ok(expandCatalog(resolveProfile('VVX 450', '6.4.2')).has('apps.restapi.sipNotify.enabled'));
  });

  it('reads the highest layer: DEFAULT < DEVICE < CONFIG < WEB < LOCAL', () => {
    const c = new LayeredConfig(vvx, new MemoryStore());
    const name = 'locInfo.city';
    assert.deepEqual(c.get(name), { value: '', source: 'DEFAULT' });
    c.set('DEVICE', { [name]: 'd' });
    assert.deepEqual(c.get(name), { value: 'd', source: 'DEVICE' });
    c.set('LOCAL', { [name]: 'l' });
    c.set('CONFIG', { [name]: 'c' });
    c.set('WEB', { [name]: 'w' });
    assert.deepEqual(c.get(name), { value: 'l', source: 'LOCAL' });
    c.clear(['LOCAL']);
    assert.deepEqual(c.get(name), { value: 'w', source: 'WEB' });
    c.clear(['WEB', 'CONFIG']);
    assert.deepEqual(c.get(name), { value: 'd', source: 'DEVICE' });
    assert.equal(c.lookup('no.such.thing'), undefined);
    // A name the catalogue does not know fails the compiler (param-names.ts); input goes through lookup.
    // @ts-expect-error not a catalogue name
    assert.throws(() => c.value('no.such.thing'), /no such parameter/);
    // @ts-expect-error not a catalogue name
    assert.equal(c.get('apps.restapi.enabeld'), undefined);
    assert.equal(c.get(`reg.${2}.address`)?.source, 'DEFAULT', 'indexed names built at run time are typed');
  });

  it('validates every value before writing any, and reports the bad one', () => {
    const store = new MemoryStore();
    const c = new LayeredConfig(vvx, store);
    assert.throws(
      () => c.set('LOCAL', { 'locInfo.city': 'x', 'device.syslog.renderLevel': '7' }),
      (e: unknown) => e instanceof PhoneError && e.code === '4000' && /renderLevel/.test(e.message),
    );
    assert.deepEqual(store.loadLayers().LOCAL, {});
    assert.equal(c.get('locInfo.city')?.source, 'DEFAULT');
  });

  it('keeps values across a reload from the same store, and replace() swaps a whole layer', () => {
    const store = new MemoryStore();
    new LayeredConfig(vvx, store).set('CONFIG', { 'locInfo.city': 'Oslo', 'locInfo.room': '1' });
    const c = new LayeredConfig(vvx, store);
    assert.deepEqual(c.get('locInfo.city'), { value: 'Oslo', source: 'CONFIG' });
    c.replace('CONFIG', { 'locInfo.city': 'Bergen' });
    assert.equal(c.get('locInfo.room')?.source, 'DEFAULT');
    assert.deepEqual(new LayeredConfig(vvx, store).get('locInfo.city'), { value: 'Bergen', source: 'CONFIG' });
  });

  it('lists non-default values and emits changes', () => {
    const c = new LayeredConfig(vvx, new MemoryStore());
    const seen: string[] = [];
    c.onChange((ch) => seen.push(`${ch.layer}:${ch.names.join(',')}`));
    c.set('LOCAL', { 'device.syslog.renderLevel': '4', 'locInfo.city': 'Rome' });
    assert.deepEqual(
      c.nonDefault().map(([n]) => n),
      ['locInfo.city'],
    );
    assert.deepEqual(seen, ['LOCAL:device.syslog.renderLevel,locInfo.city']);
  });
});

describe('value checks', () => {
  it('accepts and normalises values by type', () => {
    assert.deepEqual(checkValue({ kind: 'bool' }, 1), { ok: true, value: '1' });
    assert.equal(checkValue({ kind: 'bool' }, 'true').ok, false);
    assert.deepEqual(checkValue({ kind: 'int', min: 0, max: 6 }, ' 06 '), { ok: true, value: '6' });
    assert.equal(checkValue({ kind: 'int', min: 0, max: 6 }, '1.5').ok, false);
    assert.equal(checkValue({ kind: 'int', min: 0, max: 6 }, '-1').ok, false);
    assert.deepEqual(checkValue({ kind: 'enum', values: ['Blind', 'Safe'] }, 'blind'), { ok: true, value: 'Blind' });
    assert.equal(checkValue({ kind: 'string', maxLength: 3 }, 'abcd').ok, false);
    assert.equal(checkValue({ kind: 'string', maxLength: 9 }, 'a\nb').ok, false);
    for (const good of ['', '10.0.0.1', 'pbx.example.com', 'fe80::1', '2001:db8::1/64'])
      assert.ok(checkValue({ kind: 'host' }, good).ok, good);
    for (const bad of ['a b', 'http://x', 'x_y.com', '-bad.com']) assert.equal(checkValue({ kind: 'host' }, bad).ok, false, bad);
    for (const bad of [null, true, {}, [], Number.NaN]) assert.equal(checkValue({ kind: 'string', maxLength: 9 }, bad).ok, false);
  });
});
