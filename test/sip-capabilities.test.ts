/**
 * What a phone with a line on a SIP server says it supports, and does: the REGISTER Contact's methods are the
 * OPTIONS answer's Allow (one list, src/sip/capabilities.ts); OPTIONS answered as a Poly phone answers it (sipsak);
 * 405/501 for what it does not serve and 481 for a request of a dialog that is over, whatever its method; a random
 * To-tag on every answer out of a dialog; instant messages (SIP MESSAGE) in, kept in the inbox and shown, and out
 * through the control API and the line's registrar.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Fleet } from '../src/runtime/fleet.js';
import type { ControlApp } from '../src/control/app.js';
import { parseSip } from '../src/sip/codec/message.js';
import type { SipRequest, SipResponse } from '../src/sip/codec/message.js';
import { renderUixml } from '../src/phone/screen/uixml.js';
import { listenControl, testFleet, waitFor } from './helpers.js';
import { lacks } from './peers.js';

const exec = promisify(execFile);

/** The line's registrar: grants REGISTER, answers MESSAGE with `messageStatus`, and records what it got. */
class Registrar {
  readonly socket: Socket = createSocket('udp4');
  port = 0;
  readonly seen: SipRequest[] = [];
  readonly answers: SipResponse[] = [];
  messageStatus = '202 Accepted';

  async start(): Promise<void> {
    this.socket.on('message', (m, from) => {
      const msg = parseSip(m, true);
      if (msg.kind === 'response') {
        this.answers.push(msg);
        return;
      }
      this.seen.push(msg);
      const h = (n: string): string => msg.headers.get(n) ?? '';
      const status = msg.method === 'REGISTER' ? '200 OK' : msg.method === 'MESSAGE' ? this.messageStatus : undefined;
      if (!status) return;
      const lines = [`SIP/2.0 ${status}`, `Via: ${h('via')}`, `From: ${h('from')}`, `To: ${h('to')};tag=reg`, `Call-ID: ${h('call-id')}`];
      lines.push(`CSeq: ${h('cseq')}`, ...(msg.method === 'REGISTER' ? [`Contact: ${h('contact')}`] : []), 'Content-Length: 0', '', '');
      this.socket.send(lines.join('\r\n'), from.port, from.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.port = this.socket.address().port;
  }

  /** Sends a request to the phone from the registrar's socket; resolves with the answer to it (by Call-ID). */
  async ask(
    port: number,
    method: string,
    opts: { toTag?: string; callId?: string; headers?: string[]; body?: string; user?: string } = {},
  ): Promise<SipResponse> {
    const callId = opts.callId ?? `c${Math.random().toString(16).slice(2)}`;
    const body = opts.body ?? '';
    const text = [
      `${method} sip:${opts.user ?? '1001'}@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${callId}`,
      'From: "Ann" <sip:2002@pbx.test>;tag=f1',
      `To: <sip:${opts.user ?? '1001'}@pbx.test>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...(opts.headers ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    const before = this.answers.length;
    this.socket.send(text, port, '127.0.0.1');
    let found: SipResponse | undefined;
    await waitFor(() => {
      found = this.answers.slice(before).find((r) => r.headers.get('call-id') === callId && r.status >= 200);
      return found !== undefined;
    });
    return found as SipResponse;
  }
}

const allowOf = (r: SipResponse): string[] => (r.headers.get('allow') ?? '').split(',').map((m) => m.trim());
const toTag = (r: SipResponse): string => /;\s*tag=([^;\s]+)/.exec(r.headers.get('to') ?? '')?.[1] ?? '';

describe('what the phone says it supports, and instant messages', () => {
  const reg = new Registrar();
  let fleet: Fleet;
  let control: ControlApp;
  let ctl = '';
  let sipPort = 0;

  before(async () => {
    await reg.start();
    fleet = await testFleet({
      count: 1,
      firstNumber: 1001,
      sipPort: 0,
      timing: { initMs: 0 },
      set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(reg.port), 'reg.1.auth.password': 'pw' },
    });
    ({ control, url: ctl } = await listenControl(fleet));
    const p = fleet.phones[0];
    sipPort = p?.sip?.port ?? 0;
    await waitFor(() => p?.phone.lines.get(1).registered === true);
  });
  after(async () => {
    await control.close();
    await fleet.stop();
    reg.socket.close();
  });

  const phone = () => fleet.phones[0]!.phone;

  it('the REGISTER Contact methods are the OPTIONS Allow; OPTIONS is answered as a Poly phone answers it', async (t) => {
    if (lacks(t, 'sipsak')) return;
    const register = reg.seen.find((r) => r.method === 'REGISTER');
    const methods = /methods="([^"]*)"/.exec(register?.headers.get('contact') ?? '')?.[1]?.split(',');
    const options = await reg.ask(sipPort, 'OPTIONS');
    assert.equal(options.status, 200);
    assert.deepEqual(allowOf(options), methods);
    // only what is done: MESSAGE, UPDATE, PRACK (100rel) and SUBSCRIBE (the dialog package) are; PUBLISH is not
    assert.ok(methods?.includes('MESSAGE') && methods.includes('UPDATE') && methods.includes('PRACK') && methods.includes('SUBSCRIBE'));
    assert.ok(!methods?.includes('PUBLISH'));
    assert.equal(options.headers.get('supported'), 'replaces,100rel');
    assert.match(options.headers.get('accept') ?? '', /(^|,)text\/plain(,|$)/);
    assert.equal(options.headers.get('accept-language'), 'en');
    assert.match(options.headers.get('contact') ?? '', new RegExp(`^<sip:1001@127\\.0\\.0\\.1:${sipPort}>$`));
    assert.match(options.headers.get('user-agent') ?? '', /^PolycomVVX-VVX_450-UA\//);
    // sipsak's own OPTIONS gets the same
    const out = await exec('sipsak', ['-s', `sip:1001@127.0.0.1:${sipPort}`, '-vv', '-D', '1']).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    assert.match(out, /SIP\/2\.0 200 OK/);
    assert.match(out, new RegExp(`Allow: ${(methods ?? []).join(', ')}`));
  });

  it('refuses what it does not serve from the same list: 405 with Allow, 501 for unknown methods, 420 for extensions', async () => {
    const publish = await reg.ask(sipPort, 'PUBLISH', { headers: ['Event: dialog'] });
    assert.equal(publish.status, 405);
    const options = await reg.ask(sipPort, 'OPTIONS');
    assert.deepEqual(allowOf(publish), allowOf(options));
    // a package the phone does not serve: 489 with the Allow-Events of the same list
    const presence = await reg.ask(sipPort, 'SUBSCRIBE', { headers: ['Event: presence'] });
    assert.equal(presence.status, 489);
    assert.equal(presence.headers.get('allow-events'), 'refer,message-summary,dialog');
    assert.equal((await reg.ask(sipPort, 'FOO')).status, 501);
    const rel = await reg.ask(sipPort, 'INVITE', { headers: ['Require: 100rel, timer', 'Content-Type: application/sdp'] });
    assert.equal(rel.status, 420);
    assert.equal(rel.headers.get('unsupported'), 'timer', '100rel is done (RFC 3262), timer is not');
  });

  it('a request of a dialog that is over gets 481, whatever its method', async () => {
    for (const method of ['BYE', 'SUBSCRIBE', 'MESSAGE', 'INFO', 'UPDATE', 'OPTIONS', 'FOO']) {
      const r = await reg.ask(sipPort, method, { toTag: 'gone' });
      assert.equal(r.status, 481, method);
    }
  });

  it('every answer out of a dialog carries its own random To-tag', async () => {
    const tags = [];
    for (const method of ['OPTIONS', 'OPTIONS', 'SUBSCRIBE', 'SUBSCRIBE', 'FOO']) tags.push(toTag(await reg.ask(sipPort, method)));
    assert.equal(new Set(tags).size, tags.length, tags.join(' '));
    for (const t of tags) assert.match(t, /^[0-9A-F]{8}-[0-9A-F]{8}$/);
  });

  it('a MESSAGE to the line is kept in the inbox, shown on the screen and read through the control API', async (t) => {
    if (lacks(t, 'sipsak')) return;
    const ok = await reg.ask(sipPort, 'MESSAGE', { headers: ['Content-Type: text/plain;charset=UTF-8'], body: 'lunch at noon? ☕' });
    assert.equal(ok.status, 200);
    // a retransmission (same Call-ID and CSeq) is answered again, not kept twice
    const callId = 'retransmitted';
    await reg.ask(sipPort, 'MESSAGE', { callId, headers: ['Content-Type: text/plain'], body: 'once' });
    assert.equal((await reg.ask(sipPort, 'MESSAGE', { callId, headers: ['Content-Type: text/plain'], body: 'once' })).status, 200);
    assert.deepEqual(
      phone()
        .messages.all()
        .map((m) => [m.direction, m.peer, m.name, m.text, m.read]),
      [
        ['in', 'sip:2002@pbx.test', 'Ann', 'lunch at noon? ☕', false],
        ['in', 'sip:2002@pbx.test', 'Ann', 'once', false],
      ],
    );
    assert.match(
      renderUixml(phone(), phone().screen),
      /<InstantMessage unread="2" line="1" from="sip:2002@pbx.test" name="Ann">once<\/InstantMessage>/,
    );
    const inbox = (await (await fetch(`${ctl}/phones/1/messages`)).json()) as { unread: number; messages: { text: string }[] };
    assert.equal(inbox.unread, 2);
    assert.deepEqual(
      inbox.messages.map((m) => m.text),
      ['lunch at noon? ☕', 'once'],
    );
    // a MESSAGE sipsak sends (-f: the message as written here; sipsak fills in its Via and address)
    const dir = mkdtempSync(join(tmpdir(), 'polysim-message-'));
    const file = join(dir, 'message.txt');
    const body = 'from sipsak';
    writeFileSync(
      file,
      [
        `MESSAGE sip:1001@127.0.0.1:${sipPort} SIP/2.0`,
        'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKsipsakmsg',
        'From: <sip:sipsak@127.0.0.1>;tag=s1',
        'To: <sip:1001@127.0.0.1>',
        'Call-ID: sipsak-message@127.0.0.1',
        'CSeq: 1 MESSAGE',
        'Max-Forwards: 70',
        'Content-Type: text/plain',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n'),
    );
    const out = await exec('sipsak', ['-f', file, '-s', `sip:1001@127.0.0.1:${sipPort}`, '-vv', '-D', '1']).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    rmSync(dir, { recursive: true });
    assert.match(out, /SIP\/2\.0 200 OK/);
    assert.equal(phone().messages.all().at(-1)?.text, 'from sipsak');
    const read = (await (await fetch(`${ctl}/phones/1/messages/read`, { method: 'POST', headers: { 'x-polysim': '1' } })).json()) as {
      unread: number;
    };
    assert.equal(read.unread, 0);
    assert.doesNotMatch(renderUixml(phone(), phone().screen), /InstantMessage/);
  });

  it('a MESSAGE that is not text/plain gets 415, one over 1300 bytes 413, one for another user 404; none is kept', async () => {
    const before = phone().messages.all().length;
    const html = await reg.ask(sipPort, 'MESSAGE', { headers: ['Content-Type: text/html'], body: '<b>hi</b>' });
    assert.equal(html.status, 415);
    assert.equal(html.headers.get('accept'), 'text/plain');
    assert.equal((await reg.ask(sipPort, 'MESSAGE', { headers: ['Content-Type: text/plain'], body: 'x'.repeat(1301) })).status, 413);
    assert.equal((await reg.ask(sipPort, 'MESSAGE', { headers: ['Content-Type: text/plain'], body: 'x'.repeat(1300) })).status, 200);
    const other = await reg.ask(sipPort, 'MESSAGE', { user: '1999', headers: ['Content-Type: text/plain'], body: 'hi' });
    assert.equal(other.status, 404);
    assert.equal(phone().messages.all().length, before + 1, 'only the 1300-byte one');
  });

  it('sends a MESSAGE from the line through its registrar and answers the status it got', async () => {
    const send = async (body: unknown): Promise<{ code: number; answer: Record<string, unknown> }> => {
      const r = await fetch(`${ctl}/phones/1/lines/1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { code: r.status, answer: (await r.json()) as Record<string, unknown> };
    };
    const sent = await send({ to: '2002', text: 'on my way' });
    assert.deepEqual(sent, { code: 200, answer: { status: 202, reason: 'Accepted' } });
    const m = reg.seen.findLast((r) => r.method === 'MESSAGE');
    assert.equal(m?.uri, `sip:2002@127.0.0.1:${reg.port}`, "a number goes to the line's domain");
    assert.equal(m?.headers.get('content-type'), 'text/plain;charset=UTF-8');
    assert.equal(m?.body.toString(), 'on my way');
    assert.deepEqual(phone().messages.all().at(-1), {
      ...phone().messages.all().at(-1),
      direction: 'out',
      peer: `sip:2002@127.0.0.1:${reg.port}`,
      read: true,
    });
    reg.messageStatus = '404 Not Found';
    assert.deepEqual(await send({ to: 'sip:nobody@pbx.test', text: 'hello?' }), {
      code: 200,
      answer: { status: 404, reason: 'Not Found' },
    });
    assert.equal((await send({ to: 'sip:2002@pbx.test', text: 'é'.repeat(700) })).code, 413);
    assert.equal((await send({ to: '<bad uri>', text: 'x' })).code, 400);
    const r = await fetch(`${ctl}/phones/1/lines/2/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '2002', text: 'x' }),
    });
    assert.equal(r.status, 409, 'line 2 has no SIP server');
  });

  it('RTP goes on the ports tcpIpApp.port.rtp.mediaPortRangeStart sets: the first call there, the next two above', async () => {
    phone().config.set('LOCAL', { 'tcpIpApp.port.rtp.mediaPortRangeStart': '41100' });
    // one per call (a retransmission of an INVITE nobody answers has the same Call-ID)
    const invites = (): SipRequest[] => [
      ...new Map(reg.seen.filter((r) => r.method === 'INVITE').map((r) => [r.headers.get('call-id'), r] as const)).values(),
    ];
    const mPort = (r: SipRequest | undefined): string => /^m=audio (\d+) /m.exec(r?.body.toString() ?? '')?.[1] ?? '';
    try {
      phone().calls.dial(1, '2002');
      await waitFor(() => invites().length === 1);
      phone().calls.dial(1, '2003');
      await waitFor(() => invites().length === 2);
      assert.deepEqual(invites().map(mPort), ['41100', '41102']);
    } finally {
      phone().calls.endAll();
      phone().config.set('LOCAL', { 'tcpIpApp.port.rtp.mediaPortRangeStart': '' });
    }
  });
});
