/**
 * REST commands in SIP NOTIFY, driven by real SIP peers (sipp, sipsak) and checked through the HTTP API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { Switchboard } from '../src/network/switchboard.js';
import { randomIds } from '../src/runtime/random-ids.js';
import { callStates, testPhone } from './helpers.js';
import { freePort } from './kamailio.js';
import { lacks } from './peers.js';
import type { TestPhone } from './helpers.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'polysim-sip-'));
const SCENARIOS = new URL('../docs/sipp/', import.meta.url).pathname;
const ON = { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '0' };
let runs = 0;

/** Runs docs/sipp/<scenario> once against a phone; answers the report status when the scenario receives one. */
async function sipp(
  p: TestPhone,
  scenario: 'notify.xml' | 'notify-report.xml',
  command: string,
  data: unknown,
  transport: 'u1' | 't1' = 'u1',
): Promise<string | undefined> {
  const n = ++runs;
  const csv = join(dir, `c${n}.csv`);
  const log = join(dir, `log${n}.txt`);
  writeFileSync(csv, `SEQUENTIAL\n${command};${JSON.stringify(data)}\n`);
  await exec('sipp', [
    '-sf',
    join(SCENARIOS, scenario),
    '-inf',
    csv,
    '-s',
    '1001',
    '-m',
    '1',
    '-t',
    transport,
    '-timeout',
    '5',
    '-timeout_error',
    '-nostdin',
    '-trace_logs',
    '-log_file',
    log,
    // sipp's own port: without -p it takes 5060 (5061 when taken), a phone's default port that another test's
    // phone started with default ports may be about to bind
    '-p',
    String(await freePort()),
    `127.0.0.1:${p.sip?.port}`,
  ]);
  if (scenario === 'notify.xml') return undefined;
  return /report application\/poly-report\+json "Status":"(\d+)"/.exec(readFileSync(log, 'utf8'))?.[1];
}

/** Sends a raw message with sipsak (UDP, TCP or TLS) and answers the status line it got back. */
async function sipsak(p: TestPhone, message: string, transport: 'udp' | 'tcp' | 'tls' = 'udp'): Promise<string> {
  const file = join(dir, `m${++runs}.txt`);
  writeFileSync(file, message.replace(/\n/g, '\r\n'));
  const port = transport === 'tls' ? p.sip?.tlsPort : p.sip?.port;
  const args = ['-f', file, '-s', `sip:1001@127.0.0.1:${port}`, '-vv', '-D', '1'];
  if (transport === 'tcp') args.push('-E', 'tcp');
  if (transport === 'tls') {
    const ca = join(dir, `ca${runs}.pem`);
    writeFileSync(ca, p.certificate());
    // sipsak compares the certificate with "host:port", which no certificate names; the phone's CN and SAN are
    // checked by the HTTPS tests. Here the TLS transport is what is under test.
    args.push('-E', 'tls', '--tls-ca-cert', ca, '--tls-ignore-cert-failure');
  }
  const out = await exec('sipsak', args).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  return /SIP\/2\.0 (\d{3} [^\r\n]*)/.exec(out)?.[1] ?? 'no answer';
}

function notifyText(p: TestPhone, opts: { event?: string; type?: string; body?: string; method?: string } = {}): string {
  const body = opts.body ?? JSON.stringify({ 'command-URI': '/api/v1/mgmt/device/info' });
  const lines = [
    `${opts.method ?? 'NOTIFY'} sip:1001@127.0.0.1:${p.sip?.port} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKpoly' + String(++runs),
    'From: <sip:as@127.0.0.1:5999>;tag=a1',
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: raw${runs}@127.0.0.1`,
    `CSeq: 1 ${opts.method ?? 'NOTIFY'}`,
    'Max-Forwards: 70',
  ];
  if (opts.event !== '') lines.push(`Event: ${opts.event ?? 'ACTION-URI'}`);
  lines.push(`Content-Type: ${opts.type ?? 'application/json'}`, `Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return lines.join('\n');
}

describe('REST commands over SIP NOTIFY', () => {
  const clock = new ManualClock();
  const sb = new Switchboard(clock, randomIds);
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;
  const states = callStates;

  before(async () => {
    a = await testPhone({ switchboard: sb, clock, number: '1001', sipPort: 0, sipTlsPort: 0, set: ON });
    b = await testPhone({ switchboard: sb, clock, number: '1002', sipPort: 0, set: ON });
    c = await testPhone({
      switchboard: sb,
      clock,
      number: '1003',
      sipPort: 0,
      set: { ...ON, 'httpd.rest.auth.basic.enabled': '1' },
      model: 'CCX 600',
      firmware: '9.5.0',
    });
  });
  after(async () => {
    for (const p of [a, b, c]) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dial, answer, hold, resume and end driven by NOTIFY over UDP and TCP (sipp), seen through HTTP', async (t) => {
    if (lacks(t, 'sipp')) return;
    await sipp(a, 'notify.xml', '/api/v1/callctrl/dial', { Dest: '1002', Line: '1' });
    assert.deepEqual(await states(a), ['1002:RingBack']);
    await sipp(b, 'notify.xml', '/api/v1/callctrl/answerCall', {}, 't1');
    assert.deepEqual(await states(a), ['1002:Connected']);
    await sipp(a, 'notify.xml', '/api/v1/callctrl/holdCall', {});
    assert.deepEqual(await states(b), ['1001:Held']);
    const callId = a.phone.calls.all()[0]?.callId;
    await sipp(a, 'notify.xml', '/api/v1/callctrl/resumeCall', { Ref: callId });
    assert.deepEqual(await states(b), ['1001:Connected']);
    await sipp(a, 'notify.xml', '/api/v1/callctrl/endCall', { Ref: callId }, 't1');
    assert.deepEqual(await states(b), []);
  });

  it('transfer by NOTIFY is blind even when transferType is Consultative, with the SIP Call-ID as Ref', async (t) => {
    if (lacks(t, 'sipp')) return;
    await a.post('/api/v1/mgmt/transferType/set', { data: { Type: 'Consultative' } });
    await a.post('/api/v1/callctrl/dial', { data: { Dest: '1002' } });
    await b.post('/api/v1/callctrl/answerCall');
    await sipp(a, 'notify.xml', '/api/v1/callctrl/transferCall', { Ref: a.phone.calls.all()[0]?.callId, TransferDest: '1003' });
    assert.deepEqual(await states(a), []);
    assert.deepEqual(await states(c), ['1002:Offering']);
    await sipp(c, 'notify.xml', '/api/v1/callctrl/answerCall', {});
    assert.deepEqual(await states(b), ['1003:Connected']);
    c.phone.calls.endAll();
  });

  it('warm transfer joins the two far ends and leaves the phone; over HTTP it is not served', async (t) => {
    if (lacks(t, 'sipp')) return;
    await b.post('/api/v1/callctrl/dial', { data: { Dest: '1001' } });
    await a.post('/api/v1/callctrl/answerCall');
    await a.post('/api/v1/callctrl/dial', { data: { Dest: '1003' } });
    c.phone.calls.answer();
    assert.deepEqual(await states(a), ['1002:Hold', '1003:Connected']);
    const [toB, toC] = a.phone.calls.all();
    await sipp(a, 'notify.xml', '/api/v1/callctrl/warmTransfer', { 'Ref-A': toB?.callId, 'Ref-B': toC?.handle });
    assert.deepEqual(await states(a), []);
    assert.deepEqual(await states(b), ['1003:Connected']);
    assert.equal(c.phone.calls.all()[0]?.remote.number, '1002');
    assert.equal(c.phone.calls.all()[0]?.state, 'Connected');
    b.phone.calls.sendDtmf('7');
    assert.equal(c.phone.calls.all()[0]?.dtmfReceived, '7', 'the far ends now talk to each other');
    b.phone.calls.endAll();
    assert.deepEqual(await states(c), []);
    assert.equal((await a.post('/api/v1/callctrl/warmTransfer', { data: { 'Ref-A': 'x', 'Ref-B': 'y' } })).http, 404);
  });

  it('a failing command answers 200, then reports its Status in an INFO (application/poly-report+json)', async (t) => {
    if (lacks(t, 'sipp')) return;
    assert.equal(await sipp(a, 'notify-report.xml', '/api/v1/callctrl/answerCall', {}), '4007');
    assert.equal(await sipp(a, 'notify-report.xml', '/api/v1/callctrl/dial', { Line: 1 }), '4000');
    assert.equal(await sipp(a, 'notify-report.xml', '/api/v1/callctrl/warmTransfer', { 'Ref-A': 'x', 'Ref-B': 'y' }, 't1'), '4007');
  });

  it('refuses what is not a command with the right SIP answer, and keeps working (sipsak, UDP and TCP)', async (t) => {
    if (lacks(t, 'sipsak')) return;
    assert.equal(await sipsak(a, notifyText(a, { event: '' })), '489 Bad Event');
    assert.equal(await sipsak(a, notifyText(a, { event: 'check-sync' })), '489 Bad Event');
    assert.equal(await sipsak(a, notifyText(a, { type: 'text/plain' })), '415 Unsupported Media Type');
    assert.equal(await sipsak(a, notifyText(a, { type: 'Application/JSON; charset=utf-8' })), '200 OK');
    assert.equal(await sipsak(a, notifyText(a, { body: '{"command-URI": "/api/v1/callctrl/dial", ' })), '400 Bad Request');
    assert.equal(await sipsak(a, notifyText(a, { body: '[{"command-URI":"/a"},{"command-URI":"/b"}]' })), '400 Bad Request');
    assert.equal(await sipsak(a, notifyText(a, { body: '{"command-URI":"/a"}{"command-URI":"/b"}' })), '400 Bad Request');
    assert.equal(await sipsak(a, notifyText(a, { body: '{"data":{}}' })), '400 Bad Request');
    assert.equal(await sipsak(a, notifyText(a, { body: '{"command-URI":"/api/v1/nothing"}' }), 'tcp'), '404 Not Found');
    assert.equal(await sipsak(a, notifyText(a, { method: 'OPTIONS', body: '' })), '200 OK');
    assert.equal(await sipsak(a, notifyText(a, { method: 'INVITE', body: '' })), '405 Method Not Allowed');
    await a.post('/api/v1/mgmt/config/set', { data: { 'apps.restapi.sipNotify.bindRequired': '1' } });
    assert.equal(await sipsak(a, notifyText(a)), '403 Forbidden');
    await a.post('/api/v1/mgmt/config/set', {
      data: { 'apps.restapi.sipNotify.bindRequired': '0', 'apps.restapi.sipNotify.enabled': '0' },
    });
    assert.equal(await sipsak(a, notifyText(a)), '403 Forbidden');
    await a.post('/api/v1/mgmt/config/set', { data: ON });
    assert.equal(await sipsak(a, notifyText(a), 'tcp'), '200 OK');
    assert.equal(
      await sipsak(
        a,
        notifyText(a, { body: JSON.stringify({ 'command-URI': '/api/v1/callctrl/dial', data: { Dest: '5550102' } }) }),
        'tls',
      ),
      '200 OK',
    );
    assert.deepEqual(await states(a), ['5550102:RingBack'], 'a command over TLS runs');
    a.phone.calls.endAll();
  });

  it('garbage gets no answer, a request missing headers gets 400, retransmissions run once', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const got: string[] = [];
    udp.on('message', (m) => got.push(m.toString().split('\r\n')[0] ?? ''));
    const send = (text: string): Promise<void> => new Promise((r) => udp.send(Buffer.from(text), a.sip?.port, '127.0.0.1', () => r()));
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));
    try {
      await send('\u0000\u0001garbage that is not SIP at all');
      await send('NOTIFY sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\nbroken header line\r\n\r\n');
      await send(
        `NOTIFY sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKy\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nContent-Length: 0\r\n\r\n`,
      );
      await settle();
      assert.deepEqual(got, ['SIP/2.0 400 Bad Request', 'SIP/2.0 400 Bad Request']);
      got.length = 0;
      const body = JSON.stringify({ 'command-URI': '/api/v1/callctrl/dial', data: { Dest: '5550101' } });
      const dial = [
        `NOTIFY sip:1001@127.0.0.1 SIP/2.0`,
        'Via: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKretrans1',
        'From: <sip:as@127.0.0.1>;tag=9',
        'To: <sip:1001@127.0.0.1>',
        'Call-ID: retrans@127.0.0.1',
        'CSeq: 7 NOTIFY',
        'Event: ACTION-URI',
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n');
      await send(dial);
      await send(dial);
      await send(dial);
      await settle();
      assert.deepEqual(got, ['SIP/2.0 200 OK', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
      assert.deepEqual(await states(a), ['5550101:RingBack'], 'the command ran once');
      a.phone.calls.endAll();
      assert.equal((await a.get('/api/v2/mgmt/device/info')).http, 200, 'the phone keeps working');
    } finally {
      udp.close();
    }
  });

  it('UCS before 6.4.2 answers 200 and drops the command', async (t) => {
    if (lacks(t, 'sipsak')) return;
    const old = await testPhone({ firmware: '6.4.1', sipPort: 0, set: { 'apps.restapi.enabled': '1' } });
    try {
      assert.equal(
        await sipsak(old, notifyText(old, { body: JSON.stringify({ 'command-URI': '/api/v1/callctrl/dial', data: { Dest: '5' } }) })),
        '200 OK',
      );
      assert.deepEqual(old.phone.calls.all(), []);
    } finally {
      await old.stop();
    }
  });
});
