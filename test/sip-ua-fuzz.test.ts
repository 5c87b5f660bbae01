/**
 * The user agent of a registered line under generated dialog traffic: INVITEs with bent SDP and headers, re-INVITEs,
 * BYE, CANCEL, ACK, REFER (with odd Refer-To), INFO and NOTIFY into calls that exist and calls that do not. Nothing
 * is answered 500 (a handler that threw), nothing crashes, and the phone still places and ends a call afterwards.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const SEED = 20261126;

describe('the SIP user agent under generated dialog traffic', () => {
  let p: TestPhone;
  /** RTP packets the phone's calls sent, over the whole run (calls that ended included). */
  let rtpSent = 0;
  const sentRtp = (): number => rtpSent + p.phone.calls.all().reduce((n, c) => n + (p.phone.network.media?.(c.callId)?.packetsSent ?? 0), 0);
  const registrar = createSocket('udp4');
  const answers: string[] = [];
  const client = createSocket('udp4');

  before(async () => {
    // a registrar that grants everything (and swallows what the phone sends it: INVITEs of its calls out)
    registrar.on('message', (m, from) => {
      const t = m.toString();
      if (!t.startsWith('REGISTER')) return;
      const h = (n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1] ?? '';
      registrar.send(`SIP/2.0 200 OK\r\nVia: ${h('Via')}\r\nFrom: ${h('From')}\r\nTo: ${h('To')};tag=r\r\nCall-ID: ${h('Call-ID')}\r\nCSeq: ${h('CSeq')}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
    });
    await new Promise<void>((r) => registrar.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    client.on('message', (m) => answers.push(m.toString()));
    p = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(registrar.address().port),
      'call.callsPerLineKey': '24' } });
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    registrar.close();
    client.close();
  });

  it('answers every generated message without a 500, and keeps working', async () => {
    const port = p.sip?.port as number;
    const local = client.address().port;
    // SDP whose media flows: loopback addresses (and some that are not addresses), ports across and past the range,
    // codecs we take and do not, several streams, a=rtcp; answered calls send RTP to whatever was accepted
    const mline = fc.tuple(fc.constantFrom('audio', 'audio', 'video', 'application'), fc.oneof(fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom(0, 1, 65534, 65535, 65536, 70000, 99999999999)), fc.constantFrom('RTP/AVP', 'RTP/AVP', 'RTP/SAVP', 'UDP/BFCP'),
    fc.constantFrom('0 101', '8 0 101', '0', '9', '18 0', 'x', '', '127 96'), fc.option(fc.integer({ min: 0, max: 70000 })))
      .map(([media, port, proto, fmts, rtcp]) => `m=${media} ${port} ${proto} ${fmts}\r\na=rtpmap:101 telephone-event/8000\r\n${
        rtcp === null ? '' : `a=rtcp:${rtcp}\r\n`}`);
    const address = fc.constantFrom('127.0.0.1', '127.0.0.1', '127.0.0.2', '0.0.0.0', '::1', '239.0.0.1', 'media.invalid', '300.1.1.1', '');
    const sdp = fc.oneof(
      fc.constant('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n'),
      fc.string({ maxLength: 120 }).map((s) => `v=0\r\n${s}`),
      fc.tuple(address, fc.array(mline, { minLength: 1, maxLength: 4 }), fc.constantFrom('sendrecv', 'sendonly', 'inactive', 'recvonly', 'bogus'))
        .map(([a, lines, dir]) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN ${a.includes(':') ? 'IP6' : 'IP4'} ${a}\r\nt=0 0\r\n${lines.join('')}a=${dir}\r\n`),
      fc.constant(''),
    );
    const message = fc.record({
      method: fc.constantFrom('INVITE', 'INVITE', 'ACK', 'BYE', 'CANCEL', 'REFER', 'INFO', 'NOTIFY', 'UPDATE', 'PRACK', 'OPTIONS'),
      call: fc.nat(6), toTag: fc.oneof(fc.constant(''), fc.constant('known'), fc.string({ maxLength: 8 })),
      user: fc.constantFrom('1001', '1001', '9999', ''), cseq: fc.integer({ min: 0, max: 5 }), body: sdp,
      referTo: fc.oneof(fc.constant('<sip:1002@127.0.0.1>'), fc.string({ maxLength: 40 }), fc.constant('<sip:x@y?Replaces=a%3Bto-tag%3Db%3Bfrom-tag%3Dc>')),
      info: fc.constantFrom('Signal=5\r\nDuration=100\r\n', 'Signal=\r\n', '', 'Signal=Z'),
    });
    // the to-tag the phone gave each call, learned from its answers
    const tags = new Map<number, string>();
    client.on('message', (m) => {
      const t = m.toString();
      const id = /^Call-ID: fuzz-(\d+)/mi.exec(t)?.[1];
      const tag = /^To: .*;tag=([^;\r\n]+)/mi.exec(t)?.[1];
      if (id && tag) tags.set(Number(id), tag);
    });
    let n = 0;
    await fc.assert(fc.asyncProperty(message, async (m) => {
      n++;
      const toTag = m.toTag === 'known' ? tags.get(m.call) ?? 'none' : m.toTag;
      const body = m.method === 'INFO' ? m.info : m.body;
      const headers = [
        `${m.method} sip:${m.user}@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKuf${n}`,
        `From: "Fuzz" <sip:fuzz@127.0.0.1:${local}>;tag=ft${m.call}`, `To: <sip:${m.user}@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
        `Call-ID: fuzz-${m.call}`, `CSeq: ${m.cseq} ${m.method}`, 'Max-Forwards: 70', `Contact: <sip:fuzz@127.0.0.1:${local}>`,
        ...(m.method === 'REFER' ? [`Refer-To: ${m.referTo}`] : []), ...(m.method === 'NOTIFY' ? ['Event: refer', 'Subscription-State: terminated'] : []),
        `Content-Type: ${m.method === 'INFO' ? 'application/dtmf-relay' : m.method === 'NOTIFY' ? 'message/sipfrag' : 'application/sdp'}`,
        `Content-Length: ${Buffer.byteLength(body)}`, '', body,
      ].join('\r\n');
      client.send(headers, port, '127.0.0.1');
      if (n % 10 === 0) {
        // answer or end what rings now and then, so calls get established and re-INVITEd, referred, ended
        for (const c of p.phone.calls.all()) {
          try {
            if (c.state === 'Offering') p.phone.calls.answer(c.handle);
            else if (n % 30 === 0) {
              rtpSent += p.phone.network.media?.(c.callId)?.packetsSent ?? 0;
              p.phone.calls.end(c.handle);
            }
          } catch { /* the state moved meanwhile */ }
        }
      }
      // now and then a tick's worth of real time, so that the answered calls' media runs while the traffic goes on
      await new Promise((r) => (n % 50 === 0 ? setTimeout(r, 25) : setImmediate(r)));
    }), { numRuns: Number(process.env.UA_FUZZ_RUNS ?? 1500), seed: Number(process.env.UA_FUZZ_SEED ?? SEED) });
    // media flowed: RTP went out to what was accepted (and every 20 ms tick ran with it without throwing)
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(sentRtp() > 0, 'calls were answered with media flowing');
    assert.ok(answers.some((a) => /^SIP\/2\.0 488 /.test(a) && /^Warning: 3\d\d /m.test(a)), 'offers that cannot be carried get 488 and a Warning');
    // 500 with Retry-After is RFC 3261's answer to a CSeq lower than the dialog's (12.2.2); a 500 with the listener's
    // Warning is a handler that threw
    assert.deepEqual(answers.filter((a) => / 500 /.test(a.split('\r\n')[0] ?? '') && !/^Retry-After:/mi.test(a)), []);
    assert.ok(answers.some((a) => / 200 OK/.test(a)), 'some requests were taken');
    assert.ok(answers.some((a) => / 481 /.test(a)), 'requests for dialogs that do not exist get 481');
    // still a working phone: its HTTP API answers and a call goes out and ends
    for (const c of [...p.phone.calls.all()]) {
      try { if (c.state === 'Offering') p.phone.calls.reject(c.handle); else p.phone.calls.end(c.handle); } catch { /* ended already */ }
    }
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
    assert.equal((await p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } })).body['Status'], '2000');
  });
});
