/**
 * RFC 3263 server location on the wire: a line's registrar given by name is found through dnsmasq on loopback
 * (NAPTR for the transport, SRV by priority, A records), with failover to the next SRV target when the first stays
 * silent, answers kept for their TTL on the phone's clock, and a name that does not resolve shown on the line.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../src/phone/clock.js';
import { parseSip } from '../src/sip/codec/message.js';
import type { SipRequest } from '../src/sip/codec/message.js';
import { startDnsmasq } from './dnsmasq.js';
import type { Dnsmasq } from './dnsmasq.js';
import { needs } from './peers.js';
import { testPhone, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

interface Registrar {
  readonly port: number;
  readonly seen: SipRequest[];
  /** Silent: records and answers nothing; else 200 to REGISTER, or `status` when set. */
  silent: boolean;
  status: number;
  close(): void;
}

function answer(req: SipRequest, status: number): string {
  const h = (n: string): string => req.headers.get(n) ?? '';
  return [
    `SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Forbidden'}`,
    `Via: ${h('via')}`,
    `From: ${h('from')}`,
    `To: ${h('to')};tag=reg`,
    `Call-ID: ${h('call-id')}`,
    `CSeq: ${h('cseq')}`,
    ...(status === 200 ? [`Contact: ${h('contact')};expires=${h('expires')}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function udpRegistrar(silent = false): Promise<Registrar> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const r: Registrar = { port: socket.address().port, seen: [], silent, status: 200, close: () => socket.close() };
  socket.on('message', (m, from) => {
    const req = parseSip(m, true);
    if (req.kind !== 'request') return;
    r.seen.push(req);
    if (!r.silent && req.method === 'REGISTER') socket.send(answer(req, r.status), from.port, from.address);
  });
  return r;
}

async function tcpRegistrar(): Promise<Registrar> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const req = parseSip(Buffer.from(buf.slice(0, end + 4)), true);
      buf = buf.slice(end + 4);
      if (req.kind !== 'request') return;
      r.seen.push(req);
      if (req.method === 'REGISTER') s.write(answer(req, 200));
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const r: Registrar = {
    port: (server.address() as { port: number }).port,
    seen: [],
    silent: false,
    status: 200,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
  return r;
}

const line = (p: TestPhone) => p.phone.lines.get(1);
const FAST = { 'reg.1.server.1.retryTimeOut': '100', 'reg.1.server.1.retryMaxCount': '1', 'reg.1.auth.password': 'pw' };

describe('a registrar found through DNS (RFC 3263, dnsmasq on loopback)', { timeout: 60_000, skip: needs('dnsmasq') }, () => {
  let dns: Dnsmasq;
  let silent: Registrar;
  let good: Registrar;
  let third: Registrar;
  let tcp: Registrar;
  const phones: TestPhone[] = [];

  before(async () => {
    [silent, good, third, tcp] = await Promise.all([udpRegistrar(true), udpRegistrar(), udpRegistrar(), tcpRegistrar()]);
    dns = await startDnsmasq({
      naptr: [
        ['naptr.test', 10, 50, 's', 'SIP+D2T', '', '_sip._tcp.naptr.test'],
        ['naptr.test', 20, 50, 's', 'SIP+D2U', '', '_sip._udp.naptr.test'],
      ],
      srv: [
        // priorities 30, 10, 20 given out of order: the phone tries 10 (silent), then 20
        ['_sip._udp.pbx.test', 'third.pbx.test', third.port, 30, 0],
        ['_sip._udp.pbx.test', 'silent.pbx.test', silent.port, 10, 0],
        ['_sip._udp.pbx.test', 'good.pbx.test', good.port, 20, 0],
        ['_sip._tcp.naptr.test', 'tcp.pbx.test', tcp.port, 10, 0],
        ['_sip._udp.naptr.test', 'good.pbx.test', good.port, 10, 0],
      ],
      a: [
        ['silent.pbx.test', '127.0.0.1'],
        ['good.pbx.test', '127.0.0.1'],
        ['third.pbx.test', '127.0.0.1'],
        ['tcp.pbx.test', '127.0.0.1'],
      ],
    });
  });

  after(async () => {
    for (const p of phones) await p.stop();
    await dns.stop();
    for (const r of [silent, good, third, tcp]) r.close();
  });

  it('tries the SRV targets by priority, and fails over to the next when the first stays silent', async () => {
    const p = await testPhone({
      sipPort: 0,
      dnsServer: dns.server,
      set: { ...FAST, 'reg.1.server.1.address': 'pbx.test', 'reg.1.server.1.transport': 'UDPOnly' },
    });
    phones.push(p);
    await waitFor(() => line(p).registered);
    assert.equal(silent.seen.filter((q) => q.method === 'REGISTER').length, 2); // sent and retransmitted once
    assert.equal(good.seen.filter((q) => q.method === 'REGISTER').length, 1);
    assert.equal(third.seen.length, 0);
    assert.equal(good.seen[0]?.uri, 'sip:pbx.test;transport=udp');
    assert.deepEqual({ server: line(p).sip?.server, reason: line(p).sip?.reason }, { server: 1, reason: '' });
  });

  it('NAPTR chooses the transport (TCP by order), unless the line names one; a port asks A records only', async () => {
    const before = good.seen.length;
    const p = await testPhone({ sipPort: 0, dnsServer: dns.server, set: { ...FAST, 'reg.1.server.1.address': 'naptr.test' } });
    phones.push(p);
    await waitFor(() => line(p).registered);
    assert.match(tcp.seen[0]?.headers.get('via') ?? '', /^SIP\/2\.0\/TCP /);
    assert.equal(tcp.seen[0]?.uri, 'sip:naptr.test;transport=tcp');
    assert.equal(good.seen.length, before);
    // the line names UDP: NAPTR is not asked, _sip._udp.naptr.test is
    const udp = await testPhone({
      sipPort: 0,
      dnsServer: dns.server,
      set: { ...FAST, 'reg.1.server.1.address': 'naptr.test', 'reg.1.server.1.transport': 'UDPOnly' },
    });
    phones.push(udp);
    await waitFor(() => line(udp).registered);
    assert.equal(good.seen.length, before + 1);
    // a configured port: the name's A record, that port (SRV would say the silent one first)
    const a = await testPhone({
      sipPort: 0,
      dnsServer: dns.server,
      set: { ...FAST, 'reg.1.server.1.address': 'third.pbx.test', 'reg.1.server.1.port': String(third.port) },
    });
    phones.push(a);
    await waitFor(() => line(a).registered);
    assert.equal(third.seen.length, 1);
  });

  it('a name that does not resolve shows why on the line', async () => {
    const p = await testPhone({ sipPort: 0, dnsServer: dns.server, set: { ...FAST, 'reg.1.server.1.address': 'nowhere.test' } });
    phones.push(p);
    await waitFor(() => line(p).sip?.reason !== '' && line(p).sip?.reason !== undefined);
    assert.equal(line(p).registered, false);
    assert.equal(line(p).sip?.reason, 'DNS: nowhere.test does not resolve (no NAPTR, SRV or A/AAAA records)');
  });

  it('keeps the answer for its TTL on the phone clock: a changed record is seen only once it runs out', async () => {
    const first = await udpRegistrar();
    const second = await udpRegistrar();
    const ttlDns = await startDnsmasq({
      ttl: 120,
      srv: [['_sip._udp.ttl.test', 'one.ttl.test', first.port, 10, 0]],
      a: [['one.ttl.test', '127.0.0.1']],
    });
    const clock = new ManualClock(Date.now());
    const p = await testPhone({
      sipPort: 0,
      clock,
      dnsServer: ttlDns.server,
      set: {
        ...FAST,
        'reg.1.server.1.address': 'ttl.test',
        'reg.1.server.1.transport': 'UDPOnly',
        'reg.1.server.1.expires': '30',
        'reg.1.server.1.expires.overlap': '5',
        'reg.1.server.1.registerRetry.baseTimeOut': '60',
        'reg.1.server.1.registerRetry.maxTimeOut': '60',
      },
    });
    try {
      await waitFor(() => line(p).registered); // looked up now: kept 120 s
      // the registrar turns the line away, and DNS now names another
      first.status = 403;
      await ttlDns.restart({
        ttl: 120,
        srv: [['_sip._udp.ttl.test', 'two.ttl.test', second.port, 10, 0]],
        a: [['two.ttl.test', '127.0.0.1']],
      });
      clock.advance(25_000); // the refresh, at the same hop: turned away
      await waitFor(() => line(p).sip?.reason === '403 Forbidden');
      clock.advance(60_000); // the retry after the back-off, 85 s on: the kept answer, the first registrar again
      await waitFor(() => first.seen.length === 3);
      assert.equal(line(p).registered, false);
      clock.advance(60_000); // the next retry, 145 s on, past the 120 s: looked up again, the other registrar
      await waitFor(() => line(p).registered);
      assert.equal(second.seen.length, 1);
      assert.equal(first.seen.length, 3);
    } finally {
      await p.stop();
      await ttlDns.stop();
      first.close();
      second.close();
    }
  });
});
