/**
 * 420 Bad Extension (RFC 3261 8.2.2.3): a request that requires an option tag the phone does not understand is
 * refused 420 with Unsupported naming those tags as written (not the ones it does, 100rel), and nothing happens: with
 * sipp (docs/sipp/require-unknown.xml) to a phone with a SIP line, OPTIONS and INVITE (the phone does not ring); and
 * to a phone without SIP lines (REST over NOTIFY), OPTIONS and a REST command's NOTIFY (the command does not run).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { parseSip } from '../src/sip/codec/message.js';
import type { SipResponse } from '../src/sip/codec/message.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { needs } from './peers.js';
import { answers, header, messages, relayedPhone } from './sipp.js';

describe('420 Bad Extension, with sipp', { timeout: 60_000, skip: needs('sipp') }, () => {
  const suite = relayedPhone();
  const { relay, logs } = suite;
  let p: TestPhone;
  before(() => {
    p = suite.phone();
  });

  it('OPTIONS and INVITE requiring an unknown extension get 420 with Unsupported naming it; the phone does not ring', async () => {
    let rang = false;
    const watch = (): void => {
      if (p.phone.calls.all().length > 0) rang = true;
    };
    p.phone.on('calls', watch);
    try {
      const log = await logs.run(
        'require-unknown.xml',
        ['-s', '1001', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${relay.phonePort}`],
        'require',
      );
      const got = messages(log, 'received');
      assert.deepEqual(
        answers(got).filter((a) => !a.startsWith('1')),
        ['420 1 OPTIONS', '420 2 INVITE'],
      );
      const [options, invite] = got.filter((m) => m.first.startsWith('SIP/2.0 420'));
      assert.equal(header(options?.text ?? '', 'Unsupported'), 'x-polysim-unknown');
      assert.equal(header(invite?.text ?? '', 'Unsupported'), 'x-polysim-unknown,X-Other', '100rel is supported (RFC 3262)');
      assert.doesNotMatch(options?.text ?? '', /^Allow:/m, 'a refusal, not the OPTIONS answer');
    } finally {
      p.phone.off('calls', watch);
    }
    assert.equal(rang, false, 'the refused INVITE made no call');
    assert.equal(p.phone.calls.recentlyEnded().length, 0);
  });
});

describe('420 Bad Extension from a phone without SIP lines (REST over NOTIFY)', { timeout: 30_000 }, () => {
  let p: TestPhone;
  const socket = createSocket('udp4');
  const got: SipResponse[] = [];

  before(async () => {
    p = await testPhone({ sipPort: 0, set: { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '0' } });
    socket.on('message', (m) => {
      const msg = parseSip(m, true);
      if (msg.kind === 'response') got.push(msg);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    await p.stop();
    socket.close();
  });

  async function ask(method: string, callId: string, extra: string[], body = ''): Promise<SipResponse> {
    const port = socket.address().port;
    const text = [
      `${method} sip:1001@127.0.0.1:${p.sip?.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${callId}`,
      `From: <sip:platform@127.0.0.1:${port}>;tag=f${callId}`,
      `To: <sip:1001@127.0.0.1:${p.sip?.port}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    socket.send(text, p.sip?.port as number, '127.0.0.1');
    let answer: SipResponse | undefined;
    await waitFor(() => (answer = got.find((r) => r.headers.get('call-id') === callId)) !== undefined);
    return answer as SipResponse;
  }

  it('OPTIONS and a REST command NOTIFY that require an extension get 420; the command does not run', async () => {
    const options = await ask('OPTIONS', 'req-options', ['Require: x-polysim-unknown']);
    assert.equal(options.status, 420);
    assert.equal(options.headers.get('unsupported'), 'x-polysim-unknown');
    const command = JSON.stringify({ 'command-URI': '/api/v1/callctrl/dial', data: { Dest: '1002' } });
    const notify = await ask('NOTIFY', 'req-notify', ['Event: ACTION-URI', 'Content-Type: application/json', 'Require: 100rel'], command);
    assert.equal(notify.status, 420);
    assert.equal(notify.headers.get('unsupported'), '100rel', 'a phone without SIP lines supports no option tag');
    // the same command without Require runs: the refused one did not
    assert.equal(p.phone.calls.all().length, 0);
    assert.equal((await ask('NOTIFY', 'req-notify-2', ['Event: ACTION-URI', 'Content-Type: application/json'], command)).status, 200);
    await waitFor(() => p.phone.calls.all().length === 1);
    assert.equal((await ask('OPTIONS', 'req-options-2', [])).status, 200);
  });
});
