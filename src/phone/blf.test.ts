/** The busy lamp field keys: from attendant.resourceList.N, on the line keys after the lines, lit as their feed says. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blfLineKeys } from './blf.js';
import { ledsOf } from './leds.js';
import { renderUixml } from './screen/uixml.js';
import type { Phone } from './phone.js';
import { unitPhone } from './test-phone.js';

function ready(set: Record<string, string> = {}): Phone {
  const { phone, clock } = unitPhone('VVX 450', {
    bootConfig: {
      'reg.1.address': '1001',
      'reg.1.server.1.address': '192.0.2.10',
      'attendant.resourceList.1.address': '1002',
      'attendant.resourceList.1.label': 'Reception',
      'attendant.resourceList.3.address': 'sip:park@pbx.test',
      'attendant.resourceList.3.type': 'automata',
      ...set,
    },
  });
  phone.start();
  clock.advance(1000);
  return phone;
}

const blfLeds = (phone: Phone): unknown[] => ledsOf(phone).Lines.filter((l) => Number(l.LineNumber) > 1);

describe('busy lamp field keys', () => {
  it('are the configured addresses, labelled, typed, unknown until told, on the line keys after the lines', () => {
    const phone = ready();
    assert.deepEqual(phone.blf.all(), [
      { index: 1, address: '1002', label: 'Reception', type: 'normal', state: 'unknown' },
      { index: 3, address: 'sip:park@pbx.test', label: 'park', type: 'automata', state: 'unknown' },
    ]);
    assert.deepEqual(
      blfLineKeys(phone.lines, phone.blf).map((k) => [k.key, k.blf.index]),
      [
        [2, 1],
        [3, 3],
      ],
    );
    phone.config.set('LOCAL', { 'reg.2.address': '1009' });
    assert.deepEqual(
      blfLineKeys(phone.lines, phone.blf).map((k) => k.key),
      [3, 4],
      'after the last assigned line',
    );
    assert.equal(phone.blf.line, 1, 'attendant.reg unset: line 1');
  });

  it('light their LEDs from the feed: ringing flashes red, busy is red, idle and unknown are off', () => {
    const phone = ready();
    let screens = 0;
    phone.on('screen', () => screens++);
    assert.deepEqual(blfLeds(phone), [
      { LineNumber: '2', State: 'off' },
      { LineNumber: '3', State: 'off' },
    ]);
    phone.blf.set(1, '1002', { state: 'ringing', caller: { uri: 'sip:2001@pbx', name: 'Ann', number: '2001' } });
    phone.blf.set(3, 'sip:park@pbx.test', { state: 'busy' });
    assert.deepEqual(blfLeds(phone), [
      { LineNumber: '2', Color: 'red', State: 'flashing' },
      { LineNumber: '3', Color: 'red', State: 'on' },
    ]);
    assert.equal(screens, 2);
    phone.blf.set(3, 'sip:park@pbx.test', { state: 'busy' });
    assert.equal(screens, 2, 'the same state again changes nothing');
    assert.equal(phone.blf.all()[0]?.caller?.name, 'Ann');
    // the screen shows the keys, and who calls the ringing one
    assert.match(
      renderUixml(phone, phone.screen),
      /<Key key="2" label="Reception" address="1002" type="normal" state="ringing" caller="2001" callerName="Ann"\/>\s*<Key key="3" label="park" address="sip:park@pbx.test" type="automata" state="busy"\/>/,
    );
    // a key whose address changed since the state was told shows unknown until told again
    phone.config.set('LOCAL', { 'attendant.resourceList.1.address': '1003' });
    assert.equal(phone.blf.all()[0]?.state, 'unknown');
    phone.blf.reset();
    assert.deepEqual(
      phone.blf.all().map((k) => k.state),
      ['unknown', 'unknown'],
    );
  });

  it('pressing a key calls the watched user; while it rings, picks the call up as call.directedCallPickupMethod says', () => {
    const dialled: string[] = [];
    const { phone, clock } = unitPhone('VVX 450', {
      bootConfig: { 'reg.1.address': '1001', 'reg.1.server.1.address': '192.0.2.10', 'attendant.resourceList.1.address': '1002' },
      network: {
        connect: (dest) => {
          dialled.push(dest);
          return { inbox: { receive: () => undefined }, party: { number: dest, name: '', address: '' } };
        },
      },
    });
    phone.start();
    clock.advance(1000);
    phone.screen.key('Line2');
    assert.deepEqual(dialled, ['1002']);
    phone.calls.end();
    const pickup = 'sip:2001@pbx?Replaces=c%3Bto-tag%3DA%3Bfrom-tag%3DB%3Bearly-only';
    phone.blf.set(1, '1002', { state: 'ringing', pickup });
    phone.screen.key('Line2');
    assert.equal(dialled.at(-1), '1002', 'directed pickup off (feature.directedCallPickup.enabled=0): a call');
    phone.calls.end();
    phone.config.set('LOCAL', { 'feature.directedCallPickup.enabled': '1' });
    phone.screen.key('Line2');
    assert.equal(dialled.at(-1), '*971002', 'legacy: call.directedCallPickupString and the user');
    phone.calls.end();
    phone.config.set('LOCAL', { 'call.directedCallPickupMethod': 'native' });
    phone.screen.key('Line2');
    assert.equal(dialled.at(-1), pickup, 'native: the INVITE that replaces the ringing call');
  });

  it('with attendant.uri set, are the list the feed tells, in its order (labels from the list, else the user), not the resourceList keys', () => {
    const phone = ready({ 'attendant.uri': 'blf-list' });
    assert.equal(phone.blf.listUri, 'blf-list');
    assert.deepEqual(phone.blf.all(), [], 'nothing until the list is told');
    phone.blf.setList([
      { address: 'sip:2001@pbx.test', label: 'Front desk' },
      { address: 'sip:2002@pbx.test', label: '' },
    ]);
    phone.blf.set(2, 'sip:2002@pbx.test', { state: 'busy' });
    phone.blf.set(1, '1002', { state: 'busy' }); // another address than the list's first: not shown
    assert.deepEqual(phone.blf.all(), [
      { index: 1, address: 'sip:2001@pbx.test', label: 'Front desk', type: 'normal', state: 'unknown' },
      { index: 2, address: 'sip:2002@pbx.test', label: '2002', type: 'normal', state: 'busy' },
    ]);
    assert.deepEqual(blfLeds(phone), [
      { LineNumber: '2', State: 'off' },
      { LineNumber: '3', Color: 'red', State: 'on' },
    ]);
    phone.blf.reset();
    assert.deepEqual(phone.blf.all(), [], 'the watch stopped: no list');
  });
});
