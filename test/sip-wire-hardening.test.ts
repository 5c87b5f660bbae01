/**
 * What a SIP peer can do to a registered line, and what it cannot.
 *
 * What an SDP from the wire can do to a registered line's media: nothing. A port past 65535, a name instead of an
 * address, 65535 itself (whose RTCP would go to 65536) are refused where they are read (488 with a Warning, or the
 * answer to our own INVITE ACKed and ended with BYE), and the process and its calls go on. Before, the RTP tick
 * threw ERR_SOCKET_BAD_PORT inside a timer and the process exited.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const header = (t: string, n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1] ?? '';
const sdp = (port: number | string, address = '127.0.0.1'): string =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;

/** A registrar, proxy and far end in one UDP socket: grants every REGISTER, keeps what else comes. */
class Server {
  readonly socket: Socket = createSocket('udp4');
  readonly got: string[] = [];
  onInvite: ((text: string) => void) | undefined;

  async start(): Promise<number> {
    this.socket.on('message', (m, from) => {
      const t = m.toString();
      if (t.startsWith('REGISTER')) {
        this.reply(t, 200, 'OK', from.port, ';tag=r');
        return;
      }
      this.got.push(t);
      if (t.startsWith('INVITE')) this.onInvite?.(t);
      else if (t.startsWith('BYE')) this.reply(t, 200, 'OK', from.port);
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    return this.socket.address().port;
  }

  reply(req: string, status: number, reason: string, port: number, toTag = '', body = ''): void {
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      ...header(req, 'Via')
        .split(/\r?\n/)
        .map((v) => `Via: ${v}`),
      `From: ${header(req, 'From')}`,
      `To: ${header(req, 'To')}${toTag}`,
      `Call-ID: ${header(req, 'Call-ID')}`,
      `CSeq: ${header(req, 'CSeq')}`,
      `Contact: <sip:far@127.0.0.1:${this.socket.address().port}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    this.socket.send(lines.join('\r\n'), port, '127.0.0.1');
  }
}

describe('SDP from the wire cannot take media, calls or the process down', () => {
  let p: TestPhone;
  const server = new Server();
  const peer = createSocket('udp4');
  const answers: string[] = [];
  const rtp = createSocket('udp4');
  let rtpPackets = 0;
  let n = 0;

  before(async () => {
    const port = await server.start();
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', () => r()));
    peer.on('message', (m) => answers.push(m.toString()));
    rtp.on('message', () => rtpPackets++);
    p = await testPhone({ sipPort: 0, set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(port) } });
    await waitFor(() => p.phone.lines.get(1).registered);
  });
  after(async () => {
    await p.stop();
    for (const s of [server.socket, peer, rtp]) s.close();
  });

  /**
   * Sends a request as the far end would (from `peer`, or from the registrar's socket); resolves with the phone's
   * final answer to it.
   */
  async function request(
    method: string,
    callId: string,
    body: string,
    toTag = '',
    o: { extra?: string[]; type?: string; from?: Socket; branch?: string } = {},
  ): Promise<string> {
    n++;
    const from = o.from ?? peer;
    const local = from.address().port;
    const text = [
      `${method} sip:1001@127.0.0.1:${p.sip?.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${o.branch ?? `mh${n}`}`,
      `From: <sip:far@127.0.0.1:${local}>;tag=far`,
      `To: <sip:1001@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${n} ${method}`,
      'Max-Forwards: 70',
      `Contact: <sip:far@127.0.0.1:${local}>`,
      ...(o.extra ?? []),
      ...(body ? [`Content-Type: ${o.type ?? 'application/sdp'}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    const seen = answers.length;
    if (from !== peer) {
      const got = server.got.length;
      from.send(text, p.sip?.port, '127.0.0.1');
      let final = '';
      await waitFor(
        () => (final = server.got.slice(got).find((a) => a.startsWith('SIP/2.0') && header(a, 'CSeq') === `${n} ${method}`) ?? '') !== '',
      );
      return final;
    }
    peer.send(text, p.sip?.port, '127.0.0.1');
    let final = '';
    await waitFor(() => {
      final = answers.slice(seen).find((a) => header(a, 'CSeq') === `${n} ${method}` && !/^SIP\/2\.0 1\d\d /.test(a)) ?? '';
      return final !== '';
    });
    return final;
  }

  /** Answers whatever rings on the phone (as a user would), so that media starts. */
  function answerAll(): void {
    for (const c of p.phone.calls.all()) if (c.state === 'Offering') p.phone.calls.answer(c.handle);
  }

  it('an INVITE offering a port past 65535 is answered 488 with a Warning, and nothing rings', async () => {
    for (const port of ['65536', '70000', '99999999999999999999']) {
      const seen = answers.length;
      const callId = `bad-port-${port}`;
      const text = await request('INVITE', callId, sdp(port));
      assert.match(text, /^SIP\/2\.0 488 Not Acceptable Here/);
      assert.match(header(text, 'Warning'), /^399 \S+ "media port out of range"$/);
      assert.ok(!answers.slice(seen).some((a) => /^SIP\/2\.0 180 /.test(a)), 'it never rang');
      answerAll();
      assert.equal(p.phone.calls.all().length, 0);
    }
    const named = await request('INVITE', 'named', sdp(4000, 'media.example.com'));
    assert.match(named, /^SIP\/2\.0 488 /);
    assert.match(header(named, 'Warning'), /^301 /);
  });

  it('a re-INVITE with a port past 65535 gets 488 and the call goes on with its media as it was', async () => {
    const callId = 'reinvite';
    const seen = answers.length;
    const invite = request('INVITE', callId, sdp(rtp.address().port));
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    answerAll();
    const ok = await invite;
    assert.match(ok, /^SIP\/2\.0 200 OK/);
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To'))?.[1] ?? '';
    assert.ok(answers.length > seen);
    await waitFor(() => rtpPackets > 3);
    const bad = await request('INVITE', callId, sdp(65536), toTag);
    assert.match(bad, /^SIP\/2\.0 488 /);
    const before = rtpPackets;
    await waitFor(() => rtpPackets > before + 3);
    assert.deepEqual(
      p.phone.calls.all().map((c) => c.state),
      ['Connected'],
    );
    assert.match(await request('BYE', callId, '', toTag), /^SIP\/2\.0 200 /);
    await waitFor(() => p.phone.calls.all().length === 0);
  });

  it('65535 is taken for RTP (its RTCP, at 65536, is not sent) and nothing throws', async () => {
    const callId = 'top-port';
    const invite = request('INVITE', callId, sdp(65535));
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    answerAll();
    const ok = await invite;
    assert.match(ok, /^SIP\/2\.0 200 OK/);
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To'))?.[1] ?? '';
    await waitFor(() => (p.phone.network.media?.(p.phone.calls.all()[0]?.callId ?? '')?.packetsSent ?? 0) > 5);
    assert.match(await request('BYE', callId, '', toTag), /^SIP\/2\.0 200 /);
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
  });

  it('our INVITE answered with a port past 65535: ACKed, then ended with BYE', async () => {
    server.onInvite = (t) => {
      const from = Number(/^Via: SIP\/2\.0\/UDP [^:]+:(\d+)/m.exec(t)?.[1]);
      server.reply(t, 200, 'OK', from, ';tag=callee', sdp(99999));
    };
    const dial = await p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } });
    assert.equal(dial.body['Status'], '2000');
    await waitFor(() => server.got.some((t) => t.startsWith('ACK')) && server.got.some((t) => t.startsWith('BYE')));
    await waitFor(() => p.phone.calls.all().length === 0);
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
  });

  it('a CANCEL of an INVITE already answered finally gets 481 (RFC 3261 9.2)', async () => {
    const invite = request('INVITE', 'cancel-late', sdp(rtp.address().port), '', { branch: 'cancel-late' });
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    for (const c of p.phone.calls.all()) p.phone.calls.reject(c.handle);
    assert.match(await invite, /^SIP\/2\.0 (486|603) /);
    assert.match(await request('CANCEL', 'cancel-late', '', '', { branch: 'cancel-late' }), /^SIP\/2\.0 481 /);
  });

  it('message-summary lights the MWI only when it comes from the server the line is registered with', async () => {
    const summary = 'Messages-Waiting: yes\r\nVoice-Message: 2/0\r\n';
    const extra = ['Event: message-summary', 'Subscription-State: active'];
    const mwi = async (): Promise<unknown> => (await p.get('/api/v1/mgmt/lineInfo')).body;
    const before = JSON.stringify(await mwi());
    assert.match(
      await request('NOTIFY', 'mwi-stranger', summary, '', { extra, type: 'application/simple-message-summary' }),
      /^SIP\/2\.0 403 /,
    );
    assert.deepEqual(p.phone.lines.messages(1)?.newMessages ?? 0, 0);
    assert.equal(JSON.stringify(await mwi()), before);
    assert.match(
      await request('NOTIFY', 'mwi-server', summary, '', { extra, type: 'application/simple-message-summary', from: server.socket }),
      /^SIP\/2\.0 200 /,
    );
    assert.equal(p.phone.lines.messages(1)?.newMessages, 2);
  });

  it("call.transfer.allowedTargets limits where a peer's REFER sends the call (403 elsewhere)", async () => {
    const set = await p.post('/api/v1/mgmt/config/set', { data: { 'call.transfer.allowedTargets': '*@allowed.test, 12*@127.0.0.1' } });
    assert.equal(set.body['Status'], '2000');
    const invite = request('INVITE', 'refer', sdp(rtp.address().port));
    await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
    answerAll();
    const toTag = /;tag=([^;\s]+)/.exec(header(await invite, 'To'))?.[1] ?? '';
    assert.match(await request('REFER', 'refer', '', toTag, { extra: ['Refer-To: <sip:1003@elsewhere.test>'] }), /^SIP\/2\.0 403 /);
    assert.match(await request('REFER', 'refer', '', toTag, { extra: ['Refer-To: <sip:1003@127.0.0.1>'] }), /^SIP\/2\.0 403 /);
    assert.match(await request('REFER', 'refer', '', toTag, { extra: ['Refer-To: <sip:1203@127.0.0.1>'] }), /^SIP\/2\.0 202 /);
    await p.post('/api/v1/mgmt/config/set', { data: { 'call.transfer.allowedTargets': '' } });
    for (const c of p.phone.calls.all()) p.phone.calls.end(c.handle);
  });

  it('a BYE, INFO or CANCEL of a dialog from anyone but its peer is refused 403, and the call goes on', async () => {
    const intruder = createSocket('udp4');
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', () => r()));
    const got: string[] = [];
    intruder.on('message', (m) => got.push(m.toString()));
    try {
      const invite = request('INVITE', 'intrude', sdp(rtp.address().port), '', { branch: 'intrude' });
      await waitFor(() => p.phone.calls.all().some((c) => c.state === 'Offering'));
      const inject = (method: string, toTag: string, extra: string[] = [], body = ''): void => {
        const local = intruder.address().port;
        intruder.send(
          [
            `${method} sip:1001@127.0.0.1:${p.sip?.port} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${method === 'CANCEL' ? 'intrude' : `x${method}`}`,
            `From: <sip:far@127.0.0.1:${peer.address().port}>;tag=far`,
            `To: <sip:1001@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
            'Call-ID: intrude',
            `CSeq: ${method === 'CANCEL' ? n : 900} ${method}`,
            'Max-Forwards: 70',
            ...extra,
            `Content-Length: ${Buffer.byteLength(body)}`,
            '',
            body,
          ].join('\r\n'),
          p.sip?.port,
          '127.0.0.1',
        );
      };
      inject('CANCEL', '');
      await waitFor(() => got.some((a) => /^SIP\/2\.0 403 /.test(a) && /CANCEL/.test(header(a, 'CSeq'))));
      assert.deepEqual(
        p.phone.calls.all().map((c) => c.state),
        ['Offering'],
        'still ringing',
      );
      answerAll();
      const toTag = /;tag=([^;\s]+)/.exec(header(await invite, 'To'))?.[1] ?? '';
      inject('INFO', toTag, ['Content-Type: application/dtmf-relay'], 'Signal=5\r\nDuration=100\r\n');
      inject('BYE', toTag);
      await waitFor(() => got.filter((a) => /^SIP\/2\.0 403 /.test(a)).length >= 3);
      assert.deepEqual(
        p.phone.calls.all().map((c) => c.state),
        ['Connected'],
      );
      assert.match(await request('BYE', 'intrude', '', toTag), /^SIP\/2\.0 200 /);
      await waitFor(() => p.phone.calls.all().length === 0);
    } finally {
      intruder.close();
    }
  });
});
