/** What the phone says it supports: one list behind every header and refusal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowHeader,
  capabilitiesOf,
  contactMethods,
  dialogHeaders,
  LINE_CAPABILITIES,
  NOTIFY_CAPABILITIES,
  optionsHeaders,
  refusalOf,
  unsupportedRequired,
} from './capabilities.js';
import { parseSip } from './message.js';
import type { SipRequest } from './message.js';

const request = (extra: string): SipRequest =>
  parseSip(
    Buffer.from(`INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n${extra}Content-Length: 0\r\n\r\n`),
    true,
  ) as SipRequest;

describe('capabilities', () => {
  it('Allow, the Contact methods and the dialog headers are the same list', () => {
    const c = capabilitiesOf(true);
    assert.equal(c, LINE_CAPABILITIES);
    assert.deepEqual(allowHeader(c)[1].split(', '), /methods="([^"]+)"/.exec(contactMethods(c))?.[1]?.split(','));
    assert.deepEqual(Object.fromEntries(dialogHeaders(c)), {
      'Allow-Events': 'refer,message-summary,dialog',
      Allow: 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER',
      Supported: 'replaces,100rel',
    });
  });

  it('lists only what is done: PRACK and 100rel, SUBSCRIBE and the dialog package with SIP lines, no timer', () => {
    assert.ok(LINE_CAPABILITIES.methods.includes('PRACK') && LINE_CAPABILITIES.supported.includes('100rel'));
    assert.ok(!NOTIFY_CAPABILITIES.methods.includes('PRACK') && !NOTIFY_CAPABILITIES.supported.includes('100rel'));
    // RFC 4235: the lines' dialog state is served, and the busy lamp field's watched lines' taken
    assert.ok(LINE_CAPABILITIES.methods.includes('SUBSCRIBE') && LINE_CAPABILITIES.served.includes('dialog'));
    assert.ok(LINE_CAPABILITIES.events.includes('dialog') && LINE_CAPABILITIES.accept.includes('application/dialog-info+xml'));
    for (const c of LINE_CAPABILITIES.served) assert.ok(LINE_CAPABILITIES.events.includes(c), 'what is served is in Allow-Events');
    assert.ok(!NOTIFY_CAPABILITIES.methods.includes('SUBSCRIBE') && NOTIFY_CAPABILITIES.served.length === 0);
    for (const c of [LINE_CAPABILITIES, NOTIFY_CAPABILITIES]) assert.ok(!c.supported.includes('timer'));
    assert.equal(capabilitiesOf(false), NOTIFY_CAPABILITIES);
    assert.deepEqual(NOTIFY_CAPABILITIES.methods, ['ACK', 'OPTIONS', 'INFO', 'NOTIFY']);
  });

  it('timer only with session timers on (RFC 4028): Supported and Require follow, methods do not change', () => {
    const on = capabilitiesOf(true, { sessionTimers: true });
    assert.equal(on, capabilitiesOf(true, { sessionTimers: true }), 'the same object each time');
    assert.equal(capabilitiesOf(true, { sessionTimers: false }), LINE_CAPABILITIES);
    assert.equal(capabilitiesOf(false, { sessionTimers: true }), NOTIFY_CAPABILITIES);
    assert.deepEqual(on.supported, ['replaces', '100rel', 'timer']);
    assert.deepEqual(on.methods, LINE_CAPABILITIES.methods);
    assert.equal(Object.fromEntries(dialogHeaders(on))['Supported'], 'replaces,100rel,timer');
    assert.deepEqual(unsupportedRequired(request('Require: timer\r\n'), on), []);
    assert.deepEqual(unsupportedRequired(request('Require: timer\r\n'), LINE_CAPABILITIES), ['timer']);
  });

  it('refuses what is not served: 405 for methods SIP knows, 501 for others, with the Allow of the set', () => {
    assert.equal(refusalOf('MESSAGE', LINE_CAPABILITIES), undefined);
    assert.equal(refusalOf('SUBSCRIBE', LINE_CAPABILITIES), undefined);
    assert.deepEqual(refusalOf('PUBLISH', LINE_CAPABILITIES), {
      status: 405,
      reason: 'Method Not Allowed',
      headers: [allowHeader(LINE_CAPABILITIES)],
    });
    assert.deepEqual(refusalOf('SUBSCRIBE', NOTIFY_CAPABILITIES)?.status, 405);
    assert.equal(refusalOf('MESSAGE', NOTIFY_CAPABILITIES)?.status, 405);
    assert.equal(refusalOf('FOO1', LINE_CAPABILITIES)?.status, 501);
    assert.equal(refusalOf('invite', LINE_CAPABILITIES)?.status, 501, 'methods are case-sensitive (RFC 3261 7.1)');
  });

  it('names the required extensions it does not understand, once each, as first written; none for ACK and CANCEL', () => {
    assert.deepEqual(unsupportedRequired(request(''), LINE_CAPABILITIES), []);
    assert.deepEqual(unsupportedRequired(request('Require: replaces\r\n'), LINE_CAPABILITIES), []);
    assert.deepEqual(unsupportedRequired(request('Require: 100rel, Timer\r\nRequire: foo, timer\r\n'), LINE_CAPABILITIES), [
      'Timer',
      'foo',
    ]);
    assert.deepEqual(unsupportedRequired(request('Require: 100rel\r\n'), NOTIFY_CAPABILITIES), ['100rel']);
    // RFC 3261 8.2.2.3 leaves ACK and CANCEL out
    for (const method of ['ACK', 'CANCEL']) {
      const req = { ...request('Require: foo\r\n'), method };
      assert.deepEqual(unsupportedRequired(req, LINE_CAPABILITIES), [], method);
    }
  });

  it('answers OPTIONS as a Poly phone does: Allow, Supported, Accept-Language, Accept, Accept-Encoding', () => {
    assert.deepEqual(
      optionsHeaders(LINE_CAPABILITIES).map(([k]) => k),
      ['Allow', 'Supported', 'Accept-Language', 'Accept', 'Accept-Encoding'],
    );
    assert.deepEqual(Object.fromEntries(optionsHeaders(NOTIFY_CAPABILITIES)), {
      Allow: 'ACK, OPTIONS, INFO, NOTIFY',
      'Accept-Language': 'en',
      Accept: 'application/json',
      'Accept-Encoding': 'identity',
    });
  });
});
