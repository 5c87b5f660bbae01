// The SDK's parser of phones' documents (parsePhoneDocument): every document polysim's phones post and answer, made by
// the server's own code through a real receiver and the polling handlers; the documents real phones sent and the
// guides print; and input that is not a document, which gets PhoneDocumentError and nothing else.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { parsePhoneDocument, PHONE_DOCUMENT_LIMIT, PHONE_DOCUMENT_TYPES, PhoneDocumentError } from '@polysim/client';
import type { CallStateChangeEvent, PhoneDocument, PhoneDocumentType } from '@polysim/client';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import * as real from './phone-document-fixtures.js';
import { ALL_TELEPHONY_EVENTS, assertOk, recordingServer, testPhone } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);

/** The document of that type (narrowed), or a failed assertion. */
function parsed<T extends PhoneDocumentType>(xml: string, type: T): Extract<PhoneDocument, { type: T }> {
  const doc = parsePhoneDocument(xml);
  assert.equal(doc.type, type, xml);
  return doc as Extract<PhoneDocument, { type: T }>;
}

async function handle(p: TestPhone): Promise<string> {
  const path = '/api/v2/webCallControl/callStatus';
  const rows = assertOk(await p.get(path), path)['data'] as { CallHandle: string }[];
  return rows[0]?.CallHandle ?? '';
}

async function ok(p: TestPhone, path: string, data: unknown): Promise<void> {
  assertOk(await p.post(path, { data }), path);
}

describe("polysim's own documents", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sb = new Switchboard(clock, randomIds);
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  let a: TestPhone;
  let b: TestPhone;
  const docs: PhoneDocument[] = [];
  before(async () => {
    receiver = await recordingServer(() => ({ status: 200 }));
    a = await testPhone({ switchboard: sb, clock, number: '1001', set: { 'reg.1.displayName': 'Alice' } });
    b = await testPhone({
      switchboard: sb,
      clock,
      number: '1002',
      set: {
        'reg.1.displayName': 'Bob',
        'apps.telNotification.URL': `${receiver.url}/events`,
        ...ALL_TELEPHONY_EVENTS,
        'apps.statePolling.username': 'poller',
        'apps.statePolling.password': 'Poll-pass1',
        'apps.statePolling.responseMode': '0',
      },
    });
    // A call in, answered, held, muted, then ended by the far end; a call out; the line lost and back; lock, login.
    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    const call = await handle(b);
    await ok(b, '/api/v1/callctrl/answerCall', { Ref: call });
    clock.advance(4000);
    await ok(b, '/api/v1/callctrl/mute', { state: '1' });
    await ok(b, '/api/v1/callctrl/holdCall', { Ref: call });
    await ok(a, '/api/v1/callctrl/endCall', { Ref: await handle(a) });
    await ok(b, '/api/v1/callctrl/dial', { Dest: '1001', Line: 1 });
    await ok(b, '/api/v1/callctrl/endCall', { Ref: await handle(b) });
    b.phone.lines.loseRegistration(1);
    b.phone.lines.restoreRegistration(1);
    b.phone.setLocked(true);
    b.phone.setLocked(false);
    b.phone.logIn('alice');
    b.phone.logOut();
    await b.posts.settled();
    for (const r of receiver.received) docs.push(parsePhoneDocument(r.body));
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await receiver.close();
  });

  it('every event the phone posts parses, each type of the union among them', () => {
    assert.equal(docs.length, receiver.received.length);
    const types = new Set(docs.map((d) => d.type));
    for (const type of PHONE_DOCUMENT_TYPES.filter((t) => t.endsWith('Event'))) assert.ok(types.has(type), `no ${type} seen`);
  });

  it('events carry the phone, its time, and typed fields: numbers as numbers, CallInfo as a list', () => {
    const incoming = docs.find((d) => d.type === 'IncomingCallEvent');
    assert.ok(incoming?.type === 'IncomingCallEvent');
    assert.equal(incoming.PhoneIP, '127.0.0.1');
    assert.equal(incoming.MACAddress, b.phone.identity.mac.toLowerCase());
    assert.match(incoming.TimeStamp, /^2026-11-25T09:00:00[+-]\d\d:\d\d$/);
    assert.deepEqual(
      [incoming.CallingPartyName, incoming.CallingPartyNumber, incoming.CalledPartyName, incoming.CalledPartyNumber],
      ['Alice', 'sip:1001@127.0.0.1', 'Bob', 'sip:1002@127.0.0.1'],
    );
    const changes = docs.filter((d): d is CallStateChangeEvent => d.type === 'CallStateChangeEvent');
    const offering = changes.find((c) => c.CallState === 'Offering');
    assert.equal(offering?.LineNumber, 1);
    assert.equal(offering?.CallLineInfo?.LineKeyNum, 1);
    assert.equal(offering?.CallLineInfo?.LineDirNum, '1002');
    const [info] = offering?.CallLineInfo?.CallInfo ?? [];
    assert.equal(info?.CallReference, offering?.CallReference);
    assert.deepEqual([info?.CallType, info?.UIAppearanceIndex, info?.Ringing, info?.Protocol], ['Incoming', '1*', true, 'SIP']);
    const held = changes.find((c) => c.CallState === 'CallHold');
    assert.ok(held, changes.map((c) => c.CallState).join());
    const heldCall = held.CallLineInfo?.CallInfo[0];
    assert.equal(heldCall?.CallDuration, 4);
    assert.equal(typeof heldCall?.Muted, 'boolean');
    const ended = changes.find((c) => c.CallState === 'Disconnected');
    assert.equal(ended?.CallLineInfo?.LineState, 'Inactive');
    assert.equal(ended?.CallLineInfo?.CallInfo.length, 1);

    const reg = docs.filter((d) => d.type === 'LineUnregistrationEvent' || d.type === 'LineRegistrationEvent');
    assert.ok(reg.length >= 2 && reg.every((d) => 'LineNumber' in d && d.LineNumber === 1));
    const [login, logout] = docs.filter((d) => d.type === 'UserLoginOutEvent');
    assert.deepEqual(login?.type === 'UserLoginOutEvent' && [login.LoggedIn, login.UserLoggedIn, login.CallLineInfo], [
      true,
      'alice',
      [{ LineKeyNum: 1, LineDirNum: '1002' }],
    ]);
    assert.deepEqual(logout?.type === 'UserLoginOutEvent' && [logout.LoggedIn, logout.UserLoggedIn], [false, '']);
  });

  it('the polling answers parse: CallLineInfo always a list, DeviceInformation, NetworkConfiguration', async (t) => {
    if (lacks(t, 'curl')) return;
    const poll = async (path: string): Promise<string> =>
      (await exec('curl', ['-s', '--digest', '-u', 'poller:Poll-pass1', `${b.httpUrl}${path}`])).stdout;
    const idle = parsed(await poll('/polling/callStateHandler'), 'CallLineInfo');
    assert.deepEqual(idle.CallLineInfo, [{ LineKeyNum: 1, LineDirNum: '1002', LineState: 'Inactive', CallInfo: [] }]);

    await ok(a, '/api/v1/callctrl/dial', { Dest: '1002', Line: 1 });
    await ok(b, '/api/v1/callctrl/answerCall', { Ref: await handle(b) });
    clock.advance(2000);
    const busy = parsed(await poll('/polling/callStateHandler'), 'CallLineInfo');
    const [line] = busy.CallLineInfo;
    assert.equal(line?.LineState, 'Active');
    assert.equal(line?.CallInfo.length, 1);
    assert.deepEqual(
      [line?.CallInfo[0]?.CallState, line?.CallInfo[0]?.CallDuration, line?.CallInfo[0]?.CallingPartyDirNum],
      ['Connected', 2, 'sip:1001@127.0.0.1'],
    );
    await ok(a, '/api/v1/callctrl/endCall', { Ref: await handle(a) });

    const device = parsed(await poll('/polling/deviceHandler'), 'DeviceInformation');
    assert.equal(device.ModelNumber, 'VVX 450');
    assert.equal(device.PhoneDN, 'Line1:1002');
    assert.equal(device.MACAddress, b.phone.identity.mac.toLowerCase());
    assert.notEqual(device.UpdaterID, '');
    const network = parsed(await poll('/polling/networkHandler'), 'NetworkConfiguration');
    assert.equal(network.IPAddress, '127.0.0.1');
    assert.equal(typeof network.DHCPEnabled, 'boolean');
  });
});

describe("real phones' documents, and the guides'", () => {
  it('call events: user@host and sip: numbers, an empty name written <X></X>', () => {
    assert.equal(parsed(real.INCOMING_GUIDE, 'IncomingCallEvent').CallingPartyNumber, '20701@172.18.186.94');
    assert.deepEqual(parsed(real.INCOMING_CAPTURE, 'IncomingCallEvent'), {
      type: 'IncomingCallEvent',
      PhoneIP: '192.168.0.107',
      MACAddress: '0004f2313531',
      TimeStamp: '2012-04-13T22:45:34-08:00',
      CallingPartyName: 'Client',
      CallingPartyNumber: 'sip:14153435295@74.115.98.49',
      CalledPartyName: '7006',
      CalledPartyNumber: 'sip:0004F2313531-14264@s14264.pbxtra.fonality.com',
    });
    const out = parsed(real.OUTGOING_CAPTURE, 'OutgoingCallEvent');
    assert.equal(out.CalledPartyName, '');
    assert.equal(out.CalledPartyNumber, 'sip:914153435295@s14264.pbxtra.fonality.com');
    assert.equal(parsed(real.OFF_HOOK_CAPTURE, 'OffHookEvent').MACAddress, 'ffffffffffff');
    assert.equal(parsed(real.ON_HOOK_CAPTURE, 'OnHookEvent').TimeStamp, '2012-02-18T17:32:32-08:00');
  });

  it('a VVX 410 CallStateChangeEvent: no LineNumber, no Protocol/Muted/Ringing, empty parties as <X/>', () => {
    const doc = parsed(real.CALL_STATE_CAPTURE, 'CallStateChangeEvent');
    assert.deepEqual([doc.CallReference, doc.CallState, doc.LineNumber, 'LineNumber' in doc], ['41aa9c00', 'Dialtone', undefined, false]);
    assert.deepEqual(doc.CallLineInfo, {
      LineKeyNum: 1,
      LineDirNum: '1006',
      LineState: 'Active',
      CallInfo: [
        {
          CallReference: '41aa9c00',
          CallState: 'Dialtone',
          CallType: 'Outgoing',
          UIAppearanceIndex: '1*',
          CalledPartyName: '',
          CalledPartyDirNum: '',
          CallingPartyName: '1006',
          CallingPartyDirNum: 'sip:1006@example.com',
          CallDuration: 0,
          Protocol: '',
        },
      ],
    });
  });

  it('the guide templates without the wrapper: blanks read as empty, login and logout told apart', () => {
    assert.deepEqual(parsed(real.PHONE_LOCKED_GUIDE, 'PhoneLockedEvent'), {
      type: 'PhoneLockedEvent',
      PhoneIP: '',
      MACAddress: '',
      TimeStamp: '',
    });
    const login = parsed(real.LOGIN_GUIDE, 'UserLoginOutEvent');
    assert.deepEqual([login.LoggedIn, login.UserLoggedIn, login.CallLineInfo], [true, '', [{ LineKeyNum: 1, LineDirNum: '' }]]);
    assert.equal(parsed(real.LOGOUT_GUIDE, 'UserLoginOutEvent').LoggedIn, false);
    assert.equal(parsed(real.LINE_REGISTRATION_SISTER, 'LineRegistrationEvent').LineNumber, 1);
    assert.throws(() => parsePhoneDocument(real.LINE_REGISTRATION_GUIDE_TYPO), PhoneDocumentError);
  });

  it('callstateHandler answers: Protocol/Muted/Ringing typed, two calls on a line, SIP 3.1 names and two lines', () => {
    const [line] = parsed(real.CALL_STATE_POLL_CAPTURE, 'CallLineInfo').CallLineInfo;
    assert.deepEqual(
      [line?.CallInfo[0]?.Protocol, line?.CallInfo[0]?.Muted, line?.CallInfo[0]?.Ringing, line?.CallInfo[0]?.CallDuration],
      ['SIP', false, false, 2],
    );
    const two = parsed(real.CALL_STATE_POLL_TWO_CALLS, 'CallLineInfo').CallLineInfo;
    assert.deepEqual(
      two[0]?.CallInfo.map((c) => `${c.CallReference} ${c.CallState} ${c.UIAppearanceIndex}`),
      ['41a8a520 Connected 1*', '41aa8388 CallHold 2'],
    );
    const sip31 = parsed(real.CALL_STATE_POLL_SIP31, 'CallLineInfo').CallLineInfo;
    assert.deepEqual(
      sip31.map((l) => [l.LineKeyNum, l.LineState, l.CallInfo.length]),
      [
        [1, 'Connected', 1],
        [2, 'Inactive', 0],
      ],
    );
    assert.deepEqual([sip31[0]?.CallInfo[0]?.CalledPartyDirNum, sip31[0]?.CallInfo[0]?.CallingPartyDirNum], ['10', '21@172.24.128.61']);
  });

  it('deviceHandler and networkHandler answers of a SoundPoint IP 321', () => {
    assert.deepEqual(parsed(real.DEVICE_CAPTURE, 'DeviceInformation'), {
      type: 'DeviceInformation',
      MACAddress: '0004f2a76cd5',
      PhoneDN: 'Line1:1001',
      AppLoadID: '4.0.4.2906 17-Apr-13 23:30',
      UpdaterID: '4.4.0.0080',
      ModelNumber: 'SoundPoint IP 321',
      TimeStamp: '2014-02-28T13:27:02-06:00',
    });
    assert.equal(parsed(real.DEVICE_CAPTURE.replace(/UpdaterID/g, 'BootROMID'), 'DeviceInformation').UpdaterID, '4.4.0.0080');
    const network = parsed(real.NETWORK_CAPTURE, 'NetworkConfiguration');
    assert.deepEqual([network.DNSSuffix, network.VLANID, 'VLANID' in network, network.DHCPEnabled], ['', undefined, false, true]);
    assert.equal(parsed(real.NETWORK_CAPTURE.replace('<VLANID/>', '<VLANID>20</VLANID>'), 'NetworkConfiguration').VLANID, 20);
  });

  it('an XML declaration, entities, CDATA, comments and unknown elements are read as XML reads them', () => {
    const xml = real.INCOMING_CAPTURE.replace(
      '<PolycomIPPhone>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- posted -->\n<PolycomIPPhone>',
    )
      .replace('<CallingPartyName>Client</CallingPartyName>', '<CallingPartyName>A &amp; B &#233;<![CDATA[ <x> ]]></CallingPartyName>')
      .replace('<TimeStamp>', '<CellularIP>10.1.1.1</CellularIP><TimeStamp>');
    const doc = parsed(xml, 'IncomingCallEvent');
    assert.equal(doc.CallingPartyName, 'A & B é <x> ');
    assert.ok(!('CellularIP' in doc));
    assert.deepEqual(parsePhoneDocument(Buffer.from(real.INCOMING_CAPTURE)), parsePhoneDocument(real.INCOMING_CAPTURE));
  });
});

describe('what is not a document', () => {
  const refused: [string, string, RegExp][] = [
    ['empty', '', /^not XML/],
    ['text', 'hello', /^not XML/],
    ['unclosed', '<PolycomIPPhone><OffHookEvent>', /^not XML/],
    ['JSON', '{"PhoneIP":"1.2.3.4"}', /^not XML/],
    ['two roots', '<OffHookEvent/><OnHookEvent/>', /2 root elements/],
    ['an empty wrapper', '<PolycomIPPhone/>', /empty <PolycomIPPhone>/],
    ['two documents', '<PolycomIPPhone><OffHookEvent/><OnHookEvent/></PolycomIPPhone>', /holds OffHookEvent, OnHookEvent/],
    ['the same event twice', '<PolycomIPPhone><OffHookEvent/><OffHookEvent/></PolycomIPPhone>', /more than once/],
    ['another root', '<html><body>hi</body></html>', /not a document of a phone: <html>/],
    ['a push message', '<PolycomIPPhone><Data priority="normal">hi</Data></PolycomIPPhone>', /not a document of a phone: <Data>/],
    ['a word for a number', '<LineRegistrationEvent><LineNumber>one</LineNumber></LineRegistrationEvent>', /<LineNumber> is not a number/],
    ['a negative number', '<LineRegistrationEvent><LineNumber>-1</LineNumber></LineRegistrationEvent>', /is not a number/],
    ['a huge number', '<LineRegistrationEvent><LineNumber>99999999999</LineNumber></LineRegistrationEvent>', /is not a number/],
    ['a flag that is not one', real.CALL_STATE_POLL_CAPTURE.replace('<Muted>0', '<Muted>maybe'), /<Muted> is not a flag/],
    [
      'a line without its key',
      '<PolycomIPPhone><CallLineInfo><LineState>Active</LineState></CallLineInfo></PolycomIPPhone>',
      /without <LineKeyNum>/,
    ],
    ['elements for text', '<OffHookEvent><PhoneIP><a/></PhoneIP></OffHookEvent>', /<PhoneIP> holds elements/],
    ['text for elements', '<PolycomIPPhone>hi</PolycomIPPhone>', /holds text/],
    ['a repeated field', '<OffHookEvent><PhoneIP>1</PhoneIP><PhoneIP>2</PhoneIP></OffHookEvent>', /<PhoneIP> appears more than once/],
    [
      'neither login nor logout',
      '<UserLoginOutEvent><PhoneIP>1</PhoneIP></UserLoginOutEvent>',
      /without <UserLoggedIn> or <UserLoggedOut>/,
    ],
    ['a reserved name', '<OffHookEvent><__proto__>1</__proto__></OffHookEvent>', /^not XML/],
    ['deep nesting', `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`, /^not XML/],
    ['too large', `<OffHookEvent><PhoneIP>${'1'.repeat(PHONE_DOCUMENT_LIMIT)}</PhoneIP></OffHookEvent>`, /over 65536 bytes/],
  ];
  for (const [name, xml, message] of refused) {
    it(`${name}: PhoneDocumentError`, () => {
      assert.throws(
        () => parsePhoneDocument(xml),
        (err: unknown) => err instanceof PhoneDocumentError && err.name === 'PhoneDocumentError' && message.test(err.message),
      );
    });
  }

  it('entity expansion is bounded: a "billion laughs" document is refused or read small, never blown up', () => {
    const entities = [
      '<!ENTITY a "aaaaaaaaaa">',
      ...Array.from({ length: 8 }, (_, i) => `<!ENTITY ${'b'.repeat(i + 1)} "${`&${i === 0 ? 'a' : 'b'.repeat(i)};`.repeat(10)}">`),
    ];
    const xml = `<!DOCTYPE OffHookEvent [${entities.join('')}]><OffHookEvent><PhoneIP>&bbbbbbbb;</PhoneIP></OffHookEvent>`;
    try {
      const doc = parsePhoneDocument(xml);
      assert.ok(doc.type === 'OffHookEvent' && doc.PhoneIP.length <= PHONE_DOCUMENT_LIMIT * 2);
    } catch (err) {
      assert.ok(err instanceof PhoneDocumentError, String(err));
    }
  });

  it('fuzz: mutated and generated documents give a document or PhoneDocumentError, nothing else', () => {
    const seeds = Object.values(real).filter((v): v is string => typeof v === 'string');
    const names = [
      ...PHONE_DOCUMENT_TYPES,
      'PolycomIPPhone',
      'CallInfo',
      'LineKeyNum',
      'LineNumber',
      'CallDuration',
      'Muted',
      'PhoneIP',
      'UserLoggedOut',
      'VLANID',
    ];
    const element: fc.Memo<string> = fc.memo((depth) =>
      fc
        .tuple(
          fc.constantFrom(...names),
          depth <= 1 ? fc.string({ maxLength: 6 }) : fc.array(element(depth - 1), { maxLength: 3 }).map((a) => a.join('')),
        )
        .map(([n, inner]) => `<${n}>${inner}</${n}>`),
    );
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 8 }))
      .map(([seed, at, cut, insert]) => {
        const i = at % (seed.length + 1);
        return seed.slice(0, i) + insert + seed.slice(i + cut);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, element(4), fc.string({ maxLength: 60 })), (xml) => {
        try {
          const doc = parsePhoneDocument(xml);
          return PHONE_DOCUMENT_TYPES.includes(doc.type);
        } catch (err) {
          return err instanceof PhoneDocumentError;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
