/**
 * What a SIP peer cannot do to a phone (or a fleet): kill the process with one packet, hold connections or buffers
 * forever, take another phone's share; and one pipeline for SIP NOTIFY and HTTP (the slot, faults, the journal).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionBudget } from '../src/transport/connection-budget.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const ON = { 'apps.restapi.sipNotify.enabled': '1', 'apps.restapi.sipNotify.bindRequired': '0' };
let seq = 0;

function notify(p: TestPhone, body: string, method = 'NOTIFY'): string {
  const n = ++seq;
  return [
    `${method} sip:1001@127.0.0.1:${p.sip?.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKh${n}`,
    'From: <sip:as@127.0.0.1:5999>;tag=a1',
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: h${n}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    'Event: ACTION-URI',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const command = (uri: string, data?: unknown): string => JSON.stringify({ 'command-URI': uri, ...(data === undefined ? {} : { data }) });

/** A UDP peer that collects what the phone sends back: start lines, and the Status of INFO reports. */
class Peer {
  readonly lines: string[] = [];
  readonly reports: string[] = [];
  private constructor(readonly udp: UdpSocket) {
    udp.on('message', (m) => {
      const text = m.toString();
      this.lines.push(text.split('\r\n')[0] ?? '');
      const status = /"Status":"(\d+)"/.exec(text)?.[1];
      if (text.startsWith('INFO ') && status) this.reports.push(status);
    });
  }

  static async open(): Promise<Peer> {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    return new Peer(udp);
  }

  send(p: TestPhone, text: string): Promise<void> {
    return new Promise((r) => this.udp.send(Buffer.from(text), p.sip?.port, '127.0.0.1', () => r()));
  }

  close(): void {
    this.udp.close();
  }
}

const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

async function tcp(p: TestPhone): Promise<Socket> {
  const s = connect(p.sip?.port ?? 0, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

describe('SIP hardening', () => {
  let p: TestPhone;
  let peer: Peer;

  before(async () => {
    p = await testPhone({ sipPort: 0, set: ON, sipLimits: { idleMs: 300, messageMs: 300, perPhone: 3 } });
    peer = await Peer.open();
  });
  after(async () => {
    peer.close();
    await p.stop();
  });

  it('a command-URI that is not a URL is answered 400, and the process and phone go on', async () => {
    peer.lines.length = 0;
    for (const uri of ['//[', 'http://[', 'http://a b/', 'http://a:99999/', 'http://%zz/']) await peer.send(p, notify(p, command(uri)));
    await waitFor(() => peer.lines.length >= 5);
    assert.deepEqual(peer.lines, Array(5).fill('SIP/2.0 400 Bad Request'));
    assert.equal((await p.get('/api/v2/mgmt/device/info')).http, 200);
  });

  it('a handler that throws is answered 500 and the listener goes on', async () => {
    peer.lines.length = 0;
    const noteRequest = p.phone.traffic.noteRequest.bind(p.phone.traffic);
    p.phone.traffic.noteRequest = () => {
      throw new Error('boom');
    };
    try {
      await peer.send(p, notify(p, '', 'OPTIONS'));
      await waitFor(() => peer.lines.length >= 1);
    } finally {
      p.phone.traffic.noteRequest = noteRequest;
    }
    await peer.send(p, notify(p, '', 'OPTIONS'));
    await waitFor(() => peer.lines.length >= 2);
    assert.deepEqual(peer.lines, ['SIP/2.0 500 Server Internal Error', 'SIP/2.0 200 OK']);
  });

  it('methods SIP does not know, digits included, get 501; known ones the phone does not serve 405', async () => {
    peer.lines.length = 0;
    await peer.send(p, notify(p, '', 'FOO1'));
    await peer.send(p, notify(p, '', 'SUBSCRIBE'));
    await waitFor(() => peer.lines.length >= 2);
    assert.deepEqual(peer.lines.sort(), ['SIP/2.0 405 Method Not Allowed', 'SIP/2.0 501 Not Implemented']);
  });

  it('idle connections and unfinished messages are closed; a phone keeps at most its share', async () => {
    const idle = await tcp(p);
    const slow = await tcp(p);
    slow.write('NOTIFY sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKslow\r\n');
    await Promise.all([closed(idle), closed(slow)]);
    await waitFor(() => p.sip?.connectionCount === 0);
    const four = await Promise.all([tcp(p), tcp(p), tcp(p), tcp(p)]);
    await waitFor(() => four.filter((s) => s.destroyed || s.readableEnded).length >= 1);
    assert.equal(p.sip?.connectionCount, 3, 'the fourth connection was closed');
    // A message over the size bound closes its connection too.
    const big = four.find((s) => !s.destroyed && !s.readableEnded) as Socket;
    big.write(`NOTIFY sip:x SIP/2.0\r\nContent-Length: 999999\r\n\r\n`);
    await closed(big);
    for (const s of four) s.destroy();
  });

  it('the process budget of stream connections is shared: past it, connections are refused', async () => {
    const budget = new ConnectionBudget(2);
    const a = await testPhone({ sipPort: 0, set: ON, connectionBudget: budget });
    const b = await testPhone({ sipPort: 0, set: ON, connectionBudget: budget });
    try {
      const held = [await tcp(a), await tcp(a)];
      await waitFor(() => budget.inUse === 2);
      const refused = await tcp(b);
      await closed(refused);
      assert.equal(b.sip?.connectionCount, 0);
      for (const s of held) s.destroy();
      await waitFor(() => budget.inUse === 0);
      const ok = await tcp(b);
      await waitFor(() => b.sip?.connectionCount === 1);
      ok.destroy();
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('NOTIFY commands take the same road as HTTP: journaled, refused while a REST request holds the slot, hit by faults', async () => {
    const before = p.journal.total;
    peer.reports.length = 0;
    await peer.send(p, notify(p, command('/api/v1/mgmt/device/info')));
    await waitFor(() => p.journal.total > before);
    const entry = p.journal.last(1)[0];
    assert.equal(entry?.transport, 'sip');
    assert.equal(entry?.method, 'NOTIFY');
    assert.equal(entry?.url, '/api/v1/mgmt/device/info');
    assert.equal(entry?.status, '2000');

    p.pipeline.latencyMs = 400;
    try {
      const rest = p.get('/api/v2/mgmt/device/info');
      await new Promise((r) => setTimeout(r, 50));
      await peer.send(p, notify(p, command('/api/v1/callctrl/dial', { Dest: '5550100' })));
      await waitFor(() => peer.reports.length >= 1);
      assert.deepEqual(peer.reports, ['4403'], 'refused while the REST request runs');
      assert.equal((await rest).http, 200);
    } finally {
      p.pipeline.latencyMs = 0;
    }
    assert.deepEqual(p.phone.calls.all(), []);

    p.faults.add({ status: '5000', path: '/api/v1/callctrl/dial', remaining: 1 });
    await peer.send(p, notify(p, command('/api/v1/callctrl/dial', { Dest: '5550100' })));
    await waitFor(() => peer.reports.length >= 2);
    assert.deepEqual(peer.reports, ['4403', '5000'], 'the injected fault answers the NOTIFY');
    assert.deepEqual(p.phone.calls.all(), []);
    assert.ok(p.journal.last(3).some((j) => j.transport === 'sip' && j.status === '5000'));
  });

  it('a NOTIFY body over 20 KB reports 4009', async () => {
    peer.reports.length = 0;
    const tcpPeer = await tcp(p);
    const body = command('/api/v1/mgmt/config/set', { 'locInfo.room': 'x'.repeat(21_000) });
    tcpPeer.write(notify(p, body).replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    const got: string[] = [];
    tcpPeer.on('data', (d: Buffer) => got.push(d.toString()));
    await waitFor(() => got.join('').includes('poly-report'));
    assert.match(got.join(''), /"Status":"4009"/);
    tcpPeer.destroy();
  });
});
