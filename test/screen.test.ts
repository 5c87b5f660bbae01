import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { assertOk, assertStatus, callStates, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';

type Row = Record<string, string>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

async function screen(p: TestPhone): Promise<{ name: string; text: string; softkeys: Row[]; calls: Row[] }> {
  const xml = assertOk(await p.get('/api/v1/mgmt/uixml'), '/api/v1/mgmt/uixml')['data'] as string;
  const doc = parser.parse(xml) as { UIXML: { Screen: Record<string, unknown> } };
  const s = doc.UIXML.Screen;
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const field = s['TextField'] as Row | string | undefined;
  return {
    name: String(s['name']),
    text: typeof field === 'object' ? String(field['#text'] ?? '') : '',
    softkeys: list((s['SoftKeys'] as { SoftKey?: Row | Row[] } | undefined)?.SoftKey),
    calls: list((s['Calls'] as { Call?: Row | Row[] } | undefined)?.Call),
  };
}

const key = (p: TestPhone, KeyName: string) => p.post('/api/v1/mgmt/simulateKeyEvent', { data: { Type: 'Tap', KeyName } });
async function keys(p: TestPhone, ...names: string[]): Promise<void> {
  for (const n of names) assertOk(await key(p, n), '/api/v1/mgmt/simulateKeyEvent');
}
const states = callStates;

/** Taps the softkey with this label, from its UIXML coordinates less its view-offset. */
async function tapSoftkey(p: TestPhone, label: string): Promise<void> {
  const sk = (await screen(p)).softkeys.find((k) => k['label'] === label && k['visible'] === 'true');
  assert.ok(sk, `no visible softkey ${label}`);
  const [ox] = (sk['view-offset'] ?? '0:0').split(':').map(Number);
  const x = Number(sk['x']) - (ox ?? 0) + 5;
  const y = Number(sk['y']) + 5;
  assertOk(
    await p.post('/api/v1/mgmt/simulateTouch', { data: { Type: 'Tap', Positions: [{ X: x, Y: String(y) }] } }),
    '/api/v1/mgmt/simulateTouch',
  );
}

describe('the screen: hook, keys, text, touch and UIXML', () => {
  const clock = new ManualClock();
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;
  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001', model: 'VVX 501' });
    b = await testPhone({ switchboard: sb, clock, number: '1002' });
    c = await testPhone({ switchboard: sb, clock, number: '1003' });
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await c.stop();
  });

  it('off hook gives dial tone; dial pad keys and # dial; on hook ends the call', async () => {
    assert.equal((await screen(a)).name, 'Idle');
    assertOk(await a.post('/api/v1/mgmt/simulateHook', { data: { Type: 'Up' } }), '/api/v1/mgmt/simulateHook');
    assert.deepEqual(await states(a), [':Dialtone']);
    assert.equal((await screen(a)).name, 'Dialer');
    await keys(a, 'Dialpad1', 'Dialpad0', 'Dialpad0', 'Dialpad3', 'Delete', 'Dialpad2');
    assert.equal((await screen(a)).text, '1002');
    await keys(a, 'DialpadPound');
    assert.deepEqual(await states(a), ['1002:RingBack']);
    assert.deepEqual(await states(b), ['1001:Offering']);
    assertOk(await a.post('/api/v1/mgmt/simulateHook', { data: { Type: 'down' } }), '/api/v1/mgmt/simulateHook');
    assert.deepEqual(await states(a), []);
    assert.deepEqual(await states(b), []);
    assertStatus(await a.post('/api/v1/mgmt/simulateHook', { data: { Type: 'Sideways' } }), '4000', 400);
    assertStatus(await a.post('/api/v1/mgmt/simulateHook', {}), '4000', 400);
  });

  it('an incoming call: the softkeys answer; in the call keys send DTMF, mute and hold', async () => {
    await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001' } });
    const s = await screen(a);
    assert.equal(s.name, 'IncomingCall');
    assert.deepEqual(
      s.softkeys.map((k) => k['label']),
      ['Answer', 'Ignore', 'Reject'],
    );
    await keys(a, 'SoftKey1');
    assert.deepEqual(await states(a), ['1002:Connected']);
    assert.equal((await screen(a)).name, 'ActiveCall');
    await keys(a, 'Dialpad5', 'DialpadStar');
    assert.equal(b.phone.calls.all()[0]?.dtmfReceived, '5*');
    await keys(a, 'MicMute');
    assert.deepEqual(((await a.get('/api/v1/mgmt/ledStatus')).body['data'] as { Mute: Row }).Mute, { Color: 'red', State: 'on' });
    await keys(a, 'MicMute', 'SoftKey1');
    assert.deepEqual(await states(a), ['1002:Hold']);
    assert.equal((await screen(a)).name, 'HeldCall');
    await tapSoftkey(a, 'Resume');
    assert.deepEqual(await states(a), ['1002:Connected']);
    await tapSoftkey(a, 'End Call');
    assert.deepEqual(await states(b), []);
  });

  it("keys outside the model's key set, and other tap types, answer 4000", async () => {
    assertStatus(await key(a, 'Line13'), '4000', 400);
    assertStatus(await key(a, 'Banana'), '4000', 400);
    assertStatus(await a.post('/api/v1/mgmt/simulateKeyEvent', { data: { Type: 'Press', KeyName: 'Menu' } }), '4000', 400);
    const ccx = await testPhone({ model: 'CCX 600', set: { 'httpd.rest.auth.basic.enabled': '1' } });
    try {
      assertStatus(await key(ccx, 'Dialpad1'), '4000', 400);
      assertOk(await key(ccx, 'VolUp'), '/api/v1/mgmt/simulateKeyEvent');
      assert.match((await ccx.get('/api/v1/mgmt/uixml')).body['data'] as string, /volume="9"/);
    } finally {
      await ccx.stop();
    }
  });

  it('text input fills the dialer (replacing or appending); touch follows the screen and its limits', async () => {
    assertOk(await a.post('/api/v1/mgmt/simulateTextInput', { data: { Value: '99' } }), '/api/v1/mgmt/simulateTextInput');
    assertOk(
      await a.post('/api/v1/mgmt/simulateTextInput', { data: { Value: '1003', ReplaceText: 'true' } }),
      '/api/v1/mgmt/simulateTextInput',
    );
    assertOk(await a.post('/api/v1/mgmt/simulateTextInput', { data: { Value: '', ReplaceText: false } }), '/api/v1/mgmt/simulateTextInput');
    assert.equal((await screen(a)).text, '1003');
    assertStatus(await a.post('/api/v1/mgmt/simulateTextInput', { data: { ReplaceText: true } }), '4000', 400);
    await tapSoftkey(a, 'Cancel');
    assert.equal((await screen(a)).name, 'Idle');

    const touch = (data: unknown) => a.post('/api/v1/mgmt/simulateTouch', { data });
    assertStatus(await touch({ Type: 'Tap', Positions: [{ X: 480, Y: 10 }] }), '4000', 400);
    assertStatus(await touch({ Type: 'Tap', Positions: [{ X: -1, Y: 10 }] }), '4000', 400);
    assertStatus(
      await touch({
        Type: 'Tap',
        Positions: [
          { X: 1, Y: 1 },
          { X: 2, Y: 2 },
        ],
      }),
      '4000',
      400,
    );
    assertStatus(await touch({ Type: 'Swipe', Positions: [{ X: 1, Y: 1 }] }), '4000', 400);
    assertStatus(await touch({ Type: 'Swipe', Positions: Array.from({ length: 6 }, () => ({ X: 1, Y: 1 })) }), '4000', 400);
    assertStatus(await touch({ Type: 'Tap', Positions: [{ X: 1, Y: 1 }], Easing: 41 }), '4000', 400);
    assertStatus(await touch({ Type: 'Poke', Positions: [{ X: 1, Y: 1 }] }), '4000', 400);
    assertStatus(await touch({ Type: 'Press', Positions: [{ X: 1, Y: 1 }], Duration: '300', Easing: 3 }), '2000', 200);

    // The idle screen has more softkeys than fit: pages of three and More, side by side at x offsets of 480.
    const idle = await screen(a);
    assert.deepEqual(
      idle.softkeys.map((k) => [k['label'], k['view-offset']]),
      [
        ['New Call', '0:0'],
        ['Redial', '0:0'],
        ['Forward', '0:0'],
        ['More', '0:0'],
        ['DND', '480:0'],
        ['Call Lists', '480:0'],
        ['Directories', '480:0'],
        ['More', '480:0'],
      ],
    );
    await tapSoftkey(a, 'More');
    assert.equal((await screen(a)).softkeys.find((k) => k['label'] === 'DND')?.['visible'], 'true');
    await tapSoftkey(a, 'More');
    await tapSoftkey(a, 'New Call');
    assert.deepEqual(await states(a), [':Dialtone']);
    await keys(a, 'Handsfree');
    assert.deepEqual(await states(a), [], 'the speaker key hangs up a hands-free call');
    // On a touch screen, touching a line goes off hook on it.
    assertOk(await touch({ Type: 'Tap', Positions: [{ X: 10, Y: 30 }] }), '/api/v1/mgmt/simulateTouch');
    assert.deepEqual(await states(a), [':Dialtone']);
    await keys(a, 'Handsfree');
  });

  for (const [type, expectC] of [
    ['Blind', '1002:Offering'],
    ['Consultative', '1002:Connected'],
  ] as const) {
    it(`the Transfer key with transferType ${type}`, async () => {
      await a.post('/api/v1/mgmt/transferType/set', { data: { Type: type } });
      await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001' } });
      await a.post('/api/v1/callctrl/answerCall');
      await keys(a, 'Transfer');
      assert.deepEqual(await states(a), ['1002:Hold', ':Dialtone']);
      assert.deepEqual(await states(b), ['1001:Held']);
      await a.post('/api/v1/mgmt/simulateTextInput', { data: { Value: '1003' } });
      await keys(a, 'Select');
      if (type === 'Consultative') {
        assert.deepEqual(await states(c), ['1001:Offering'], 'the target is consulted first');
        await c.post('/api/v1/callctrl/answerCall');
        assert.deepEqual(await states(a), ['1002:Hold', '1003:Connected']);
        await keys(a, 'Transfer');
      }
      assert.deepEqual(await states(a), []);
      // Consultative: the target's call goes on, now with the held party (attended transfer)
      assert.deepEqual(await states(c), [expectC]);
      if (type === 'Blind') await c.post('/api/v1/callctrl/answerCall');
      assert.deepEqual(await states(b), ['1003:Connected']);
      await c.post('/api/v1/callctrl/endCall', { data: { Ref: c.phone.calls.all()[0]?.handle } });
    });
  }

  it('a Safe transfer whose target refuses resumes the held call', async () => {
    await a.post('/api/v1/mgmt/transferType/set', { data: { Type: 'Safe' } });
    await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001' } });
    await a.post('/api/v1/callctrl/answerCall');
    await keys(a, 'Transfer');
    await a.post('/api/v1/mgmt/simulateTextInput', { data: { Value: '1003' } });
    await keys(a, 'DialpadPound');
    await c.post('/api/v1/callctrl/rejectCall');
    assert.deepEqual(await states(a), ['1002:Connected']);
    assert.deepEqual(await states(b), ['1001:Connected']);
    await b.post('/api/v1/callctrl/endCall', { data: { Ref: b.phone.calls.all()[0]?.handle } });
  });
});
