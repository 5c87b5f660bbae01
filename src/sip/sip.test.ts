/** The SIP user agent's parts on their own: SDP, addresses, digest, client transaction timers, registration. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../phone/clock.js';
import { parseSip } from './codec/message.js';
import type { SipRequest } from './codec/message.js';
import { ClientTransactions } from './client-transactions.js';
import { authorization, pickChallenge } from './digest.js';
import { parseNameAddr, parseUri, splitList } from './name-addr.js';
import { LineRegistration } from './registration.js';
import { testRegistrationPlan } from './test-registration.js';
import { answerDirection, isProblem, parseSdp, readSdp, writeSdp } from './sdp.js';
import type { Destination, SipWire } from './wire.js';

const SEED = 20261126;

/** A wire that records what the user agent sends. */
function recorder(): SipWire & { sent: { dest: Destination; req: SipRequest }[] } {
  const sent: { dest: Destination; req: SipRequest }[] = [];
  return {
    sent,
    send: (dest, message) => {
      sent.push({ dest, req: parseSip(message, true) as SipRequest });
    },
    local: () => ({ host: '127.0.0.1', port: 5080 }),
    listensOn: (host, port) => host === '127.0.0.1' && port === 5080,
  };
}

function answer(req: SipRequest, status: number, reason: string, headers: [string, string][] = []): Buffer {
  const h = (n: string): string => req.headers.get(n) ?? '';
  return Buffer.from(
    [
      `SIP/2.0 ${status} ${reason}`,
      `Via: ${h('via')}`,
      `From: ${h('from')}`,
      `To: ${h('to')};tag=srv`,
      `Call-ID: ${h('call-id')}`,
      `CSeq: ${h('cseq')}`,
      ...headers.map(([k, v]) => `${k}: ${v}`),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('SDP', () => {
  it('writes an offer that parses back, and answers directions as RFC 3264 says', () => {
    const sdp = writeSdp({
      sessionId: '1',
      version: 2,
      address: '127.0.0.1',
      port: 20000,
      payloads: [0, 8],
      dtmfPayload: 127,
      direction: 'sendonly',
    });
    const { lines: _lines, index: _index, ...read } = parseSdp(sdp) ?? {};
    assert.deepEqual(read, {
      address: '127.0.0.1',
      port: 20000,
      rtcpPort: 20001,
      payloads: [0, 8],
      dtmfPayload: 127,
      direction: 'sendonly',
      proto: 'RTP/AVP',
      crypto: [],
    });
    assert.equal(answerDirection('sendonly', 'sendrecv'), 'recvonly');
    assert.equal(answerDirection('inactive', 'sendrecv'), 'inactive');
    assert.equal(answerDirection('sendrecv', 'sendonly'), 'sendonly');
  });

  it("checks what it reads: 400 for what is not SDP's syntax, 488 with a Warning for what cannot be carried", () => {
    const offer = (c: string, m: string, extra = ''): string => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n${c}t=0 0\r\n${m}${extra}`;
    const c = 'c=IN IP4 127.0.0.1\r\n';
    const cases: [string, number, number][] = [
      [offer(c, 'm=audio 65536 RTP/AVP 0\r\n'), 488, 399],
      [offer(c, 'm=audio 99999999999999999999 RTP/AVP 0\r\n'), 488, 399],
      [offer(c, 'm=audio -1 RTP/AVP 0\r\n'), 400, 399],
      [offer(c, 'm=audio x RTP/AVP 0\r\n'), 400, 399],
      [offer(c, 'm=audio 4000 RTP/AVP 0\r\n', 'a=rtcp:70000\r\n'), 488, 399],
      [offer('c=IN IP4 media.example.com\r\n', 'm=audio 4000 RTP/AVP 0\r\n'), 488, 301],
      [offer('c=IN IP4 ::1\r\n', 'm=audio 4000 RTP/AVP 0\r\n'), 488, 301],
      [offer('c=IN IP4 999.1.1.1\r\n', 'm=audio 4000 RTP/AVP 0\r\n'), 488, 301],
      [offer('c=IN IP4 239.1.1.1\r\n', 'm=audio 4000 RTP/AVP 0\r\n'), 488, 302],
      [offer('c=IN IP4\r\n', 'm=audio 4000 RTP/AVP 0\r\n'), 400, 399],
      [offer('', 'm=audio 4000 RTP/AVP 0\r\n'), 400, 399],
      [offer(c, 'm=audio 4000 RTP/SAVP 0\r\n'), 488, 302],
      [offer(c, 'm=video 4000 RTP/AVP 96\r\n'), 488, 304],
      [offer(c, 'm=audio 0 RTP/AVP 0\r\n'), 488, 304],
      [offer(c, 'm=audio 4000 RTP/AVP 0\r\n'.repeat(17)), 488, 399],
    ];
    for (const [text, status, code] of cases) {
      const d = readSdp(text);
      assert.ok(isProblem(d), text);
      assert.deepEqual([d.status, d.warning], [status, code], text);
      assert.equal(parseSdp(text), undefined);
    }
    // 65535 is a port RTP can use; its RTCP has no room (unless a=rtcp says where)
    assert.equal(parseSdp(offer(c, 'm=audio 65535 RTP/AVP 0\r\n'))?.rtcpPort, undefined);
    assert.equal(parseSdp(offer(c, 'm=audio 65535 RTP/AVP 0\r\n', 'a=rtcp:9000\r\n'))?.rtcpPort, 9000);
    // the first usable audio stream is taken, whatever comes before it; a bad address on a stream not taken is no matter
    const many = readSdp(
      offer(c, 'm=video 5000 RTP/AVP 96\r\nc=IN IP4 video.example.com\r\nm=audio 0 RTP/AVP 0\r\nm=audio 6000 RTP/AVP 8 0\r\n'),
    );
    assert.ok(many && !isProblem(many));
    assert.deepEqual([many.port, many.index, many.payloads], [6000, 2, [8, 0]]);
  });

  it('answers an offer of several streams with as many m= lines, the others refused with port 0 (RFC 3264 6)', () => {
    const offer = parseSdp(
      'v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 5000 RTP/AVP 96\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n' +
        'm=application 7000 UDP/BFCP *\r\n',
    );
    assert.ok(offer);
    const answer = writeSdp({
      sessionId: '1',
      version: 1,
      address: '127.0.0.1',
      port: 20000,
      payloads: [0],
      dtmfPayload: 101,
      direction: 'sendrecv',
      offer,
    }).toString();
    assert.deepEqual(
      answer.split('\r\n').filter((l) => l.startsWith('m=')),
      ['m=video 0 RTP/AVP 96', 'm=audio 20000 RTP/AVP 0 101', 'm=application 0 UDP/BFCP *'],
    );
    const back = readSdp(answer);
    assert.ok(back && !isProblem(back));
    assert.equal(back.index, 1);
  });

  it('the SDP and address parsers throw nothing, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const d = parseSdp(`v=0\r\n${text}`);
        assert.ok(d === undefined || (Number.isInteger(d.port) && d.port > 0 && d.port <= 65535));
        parseNameAddr(text);
        parseUri(text);
        splitList(text);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('reads names, URIs and their parameters', () => {
    const a = parseNameAddr('"Front \\"Desk\\"" <sip:1001@pbx.test:5070;transport=tcp>;tag=abc;expires=60');
    assert.deepEqual(
      [a.name, a.uri, a.params['tag'], a.params['expires']],
      ['Front "Desk"', 'sip:1001@pbx.test:5070;transport=tcp', 'abc', '60'],
    );
    assert.deepEqual(parseUri(a.uri), { scheme: 'sip', user: '1001', host: 'pbx.test', port: 5070, params: { transport: 'tcp' } });
    assert.deepEqual(splitList('<sip:a@x;lr>, "b, c" <sip:b@y>'), ['<sip:a@x;lr>', '"b, c" <sip:b@y>']);
  });
});

describe('digest answers (RFC 8760)', () => {
  it('prefers SHA-256 and computes the response the server checks', () => {
    const c = pickChallenge([
      'Digest realm="r", nonce="n", qop="auth", algorithm=MD5',
      'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256',
    ]);
    assert.equal(c?.params['algorithm'], 'SHA-256');
    const header = authorization(c as NonNullable<typeof c>, 'u', 'p', 'REGISTER', 'sip:r', 1);
    const get = (k: string): string => new RegExp(`${k}="?([^",]+)`).exec(header)?.[1] ?? '';
    const h = (s: string): string => createHash('sha256').update(s).digest('hex');
    assert.equal(get('response'), h(`${h('u:r:p')}:n:${get('nc')}:${get('cnonce')}:auth:${h('REGISTER:sip:r')}`));
    const legacy = authorization({ scheme: 'Digest', params: { realm: 'r', nonce: 'n' } }, 'u', 'p', 'INVITE', 'sip:x');
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    assert.match(legacy, new RegExp(`response="${md5(`${md5('u:r:p')}:n:${md5('INVITE:sip:x')}`)}"`));
    assert.doesNotMatch(legacy, /qop=/);
  });
});

describe('client transactions (RFC 3261 17.1)', () => {
  const dest: Destination = { transport: 'UDP', host: '127.0.0.1', port: 5060 };
  const req = { method: 'OPTIONS', uri: 'sip:x', headers: [['CSeq', '1 OPTIONS']] as [string, string][] };

  it('Timer E: sends again at 0.5, 1, 2, 4, 4... s over UDP, gives up at 32 s (Timer F)', () => {
    const clock = new ManualClock();
    const wire = recorder();
    let timedOut = false;
    new ClientTransactions(wire, clock).send(req, dest, {
      final: () => assert.fail('no answer came'),
      timeout: () => {
        timedOut = true;
      },
    });
    const at: number[] = [];
    for (let t = 0; t <= 32_000; t += 100) {
      const before = wire.sent.length;
      clock.advance(100);
      if (wire.sent.length > before) at.push(t + 100);
    }
    assert.deepEqual(at.slice(0, 6), [500, 1500, 3500, 7500, 11500, 15500]);
    assert.ok(timedOut);
  });

  it('over TCP nothing is sent again; a final answer ends the transaction', () => {
    const clock = new ManualClock();
    const wire = recorder();
    const t = new ClientTransactions(wire, clock);
    let status = 0;
    t.send(
      req,
      { ...dest, transport: 'TCP' },
      {
        final: (r) => {
          status = r.status;
        },
        timeout: () => assert.fail('answered'),
      },
    );
    clock.advance(5000);
    assert.equal(wire.sent.length, 1);
    assert.ok(t.onResponse(parseSip(answer(wire.sent[0]?.req as SipRequest, 200, 'OK'), true) as never));
    assert.equal(status, 200);
    assert.equal(t.size, 0);
  });

  it('retryTimeOut and retryMaxCount: fixed intervals, then no answer', () => {
    const clock = new ManualClock();
    const wire = recorder();
    let timedOut = false;
    new ClientTransactions(wire, clock).send(
      req,
      dest,
      {
        final: () => undefined,
        timeout: () => {
          timedOut = true;
        },
      },
      { t1: 500, t2: 4000, fixed: { intervalMs: 200, count: 2 } },
    );
    clock.advance(599);
    assert.equal(wire.sent.length, 3);
    assert.ok(!timedOut);
    clock.advance(1);
    assert.ok(timedOut);
  });
});

describe('a line registration', () => {
  const plan = testRegistrationPlan;

  it('answers the challenge, refreshes before expiry, fails over when a server does not answer, and retries with back-off', () => {
    const clock = new ManualClock();
    const wire = recorder();
    const t = new ClientTransactions(wire, clock);
    const reg = new LineRegistration(plan(2), wire, t, clock, () => undefined);
    const last = (): SipRequest => wire.sent[wire.sent.length - 1]?.req as SipRequest;
    const reply = (status: number, reason: string, headers: [string, string][] = []): void => {
      assert.ok(t.onResponse(parseSip(answer(last(), status, reason, headers), true) as never));
    };
    reg.start();
    assert.equal(reg.view().status, 'registering');
    reply(401, 'Unauthorized', [['WWW-Authenticate', 'Digest realm="pbx.test", nonce="abc", qop="auth", algorithm=SHA-256']]);
    assert.match(last().headers.get('authorization') ?? '', /algorithm=SHA-256/);
    reply(200, 'OK', [['Contact', '<sip:1001@127.0.0.1:5080>;expires=120']]);
    assert.equal(reg.view().status, 'registered');
    const sent = wire.sent.length;
    clock.advance(89_000);
    assert.equal(wire.sent.length, sent, 'no refresh before expires - overlap');
    clock.advance(1_000);
    assert.equal(last().headers.get('expires'), '120');
    assert.match(last().headers.get('authorization') ?? '', /nc=00000002/, 'the refresh answers the last challenge again');
    clock.advance(200); // no answer from server 1: server 2 is tried
    assert.equal(wire.sent[wire.sent.length - 1]?.dest.host, '192.0.2.2');
    clock.advance(200); // nor from server 2
    assert.deepEqual([reg.view().status, reg.view().reason], ['failed', 'no answer']);
    const before = wire.sent.length;
    clock.advance(9_999);
    assert.equal(wire.sent.length, before);
    clock.advance(1);
    assert.equal(wire.sent[wire.sent.length - 1]?.dest.host, '192.0.2.1', 'after the back-off, the first server again');
    reply(403, 'Forbidden');
    assert.deepEqual([reg.view().status, reg.view().reason], ['failed', '403 Forbidden']);
    reg.stop(true);
    assert.equal(reg.view().status, 'unregistered');
  });

  it('423 Interval Too Brief: asks again for Min-Expires; a refresh goes halfway through a short grant', () => {
    const clock = new ManualClock();
    const wire = recorder();
    const t = new ClientTransactions(wire, clock);
    const reg = new LineRegistration(
      { ...plan(1), servers: plan(1).servers.map((x) => ({ ...x, expires: 30 })) },
      wire,
      t,
      clock,
      () => undefined,
    );
    const last = (): SipRequest => wire.sent[wire.sent.length - 1]?.req as SipRequest;
    reg.start();
    t.onResponse(parseSip(answer(last(), 423, 'Interval Too Brief', [['Min-Expires', '60']]), true) as never);
    assert.equal(last().headers.get('expires'), '60');
    t.onResponse(parseSip(answer(last(), 200, 'OK', [['Expires', '60']]), true) as never);
    assert.equal(reg.view().status, 'registered');
    const sent = wire.sent.length;
    clock.advance(29_999);
    assert.equal(wire.sent.length, sent);
    clock.advance(1);
    assert.equal(wire.sent.length, sent + 1, 'refreshed at 30 s of 60 (overlap 30 is not less than half)');
    assert.equal(last().headers.get('expires'), '60', 'the refresh asks for the floor the registrar set');
    reg.stop(false);
  });

  it('a second challenge after credentials is a wrong password', () => {
    const clock = new ManualClock();
    const wire = recorder();
    const t = new ClientTransactions(wire, clock);
    const reg = new LineRegistration(plan(1), wire, t, clock, () => undefined);
    reg.start();
    for (let i = 0; i < 2; i++) {
      const r = wire.sent[wire.sent.length - 1]?.req as SipRequest;
      t.onResponse(
        parseSip(answer(r, 401, 'Unauthorized', [['WWW-Authenticate', `Digest realm="x", nonce="n${i}", algorithm=MD5`]]), true) as never,
      );
    }
    assert.deepEqual([reg.view().status, reg.view().reason], ['failed', '401 Unauthorized (wrong credentials)']);
    reg.stop(false);
  });
});
