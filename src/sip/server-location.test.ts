/** RFC 3263 server location and its cache, against a DNS of records given here. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../phone/clock.js';
import { locateServer, orderSrv } from './server-location.js';
import type { AddressAnswer, DnsClient, NaptrAnswer, SrvAnswer } from './server-location.js';
import { MAX_CACHED, ServerLocator } from './server-locator.js';

interface Zone {
  naptr?: Record<string, NaptrAnswer[]>;
  srv?: Record<string, SrvAnswer[]>;
  a?: Record<string, AddressAnswer[]>;
  failing?: Set<string>;
}

function fakeDns(zone: Zone): DnsClient & { queries: string[] } {
  const queries: string[] = [];
  const answer = async <T>(type: string, name: string, records: Record<string, T[]> | undefined): Promise<T[]> => {
    queries.push(`${type} ${name}`);
    await Promise.resolve();
    if (zone.failing?.has(name)) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    return records?.[name] ?? [];
  };
  return {
    queries,
    naptr: (name) => answer('NAPTR', name, zone.naptr),
    srv: (name) => answer('SRV', name, zone.srv),
    addresses: (name) => answer('A', name, zone.a),
  };
}

const naptr = (order: number, service: string, replacement: string, flags = 's'): NaptrAnswer => ({
  flags,
  service,
  replacement,
  order,
  preference: 50,
});
const srv = (name: string, port: number, priority: number, weight = 0): SrvAnswer => ({ name, port, priority, weight });
const ALL = ['UDP', 'TCP', 'TLS'] as const;
const hopsOf = (l: Awaited<ReturnType<typeof locateServer>>): string[] => l.hops.map((h) => `${h.transport} ${h.host}:${h.port}`);

const ZONE: Zone = {
  naptr: {
    'pbx.test': [
      naptr(20, 'SIP+D2U', '_sip._udp.pbx.test'),
      naptr(10, 'SIP+D2T', '_sip._tcp.pbx.test'),
      naptr(5, 'SIP+D2X', '_sip._sctp.pbx.test'), // a service the phone does not speak
      naptr(1, 'SIP+D2U', '_sip._udp.other.test', 'a'), // not terminal: not followed
    ],
  },
  srv: {
    '_sip._udp.pbx.test': [srv('b.pbx.test', 5080, 20), srv('a.pbx.test', 5070, 10)],
    '_sip._tcp.pbx.test': [srv('t.pbx.test', 5090, 10)],
    '_sips._tcp.pbx.test': [srv('s.pbx.test', 5061, 10)],
    '_sip._udp.srvonly.test': [srv('a.pbx.test', 5070, 10)],
    '_sip._udp.none.test': [srv('.', 0, 0)],
  },
  a: {
    'a.pbx.test': [{ address: '192.0.2.1', ttl: 30 }],
    'b.pbx.test': [{ address: '192.0.2.2', ttl: 90 }],
    't.pbx.test': [{ address: '192.0.2.3', ttl: 90 }],
    's.pbx.test': [{ address: '192.0.2.4', ttl: 90 }],
    'plain.test': [{ address: '192.0.2.9', ttl: 20 }],
    'none.test': [{ address: '192.0.2.10', ttl: 20 }],
  },
};

describe('RFC 3263 server location', () => {
  it('NAPTR picks the transport by order among those the line allows, SRV the hosts by priority', async () => {
    const dns = fakeDns(ZONE);
    const all = await locateServer({ host: 'pbx.test', port: undefined, transports: ALL, naptr: true }, dns);
    assert.deepEqual(hopsOf(all), ['TCP 192.0.2.3:5090', 'UDP 192.0.2.1:5070', 'UDP 192.0.2.2:5080']);
    assert.equal(all.hops[0]?.serverName, 'pbx.test');
    assert.ok(!dns.queries.includes('SRV _sip._sctp.pbx.test') && !dns.queries.includes('SRV _sip._udp.other.test'));
    // a line on UDP only follows the UDP record alone
    const udp = await locateServer({ host: 'pbx.test', port: undefined, transports: ['UDP'], naptr: true }, fakeDns(ZONE));
    assert.deepEqual(hopsOf(udp), ['UDP 192.0.2.1:5070', 'UDP 192.0.2.2:5080']);
  });

  it('a configured transport skips NAPTR and asks its own SRV name (TLS: _sips._tcp)', async () => {
    const dns = fakeDns(ZONE);
    const tls = await locateServer({ host: 'pbx.test', port: undefined, transports: ['TLS'], naptr: false }, dns);
    assert.deepEqual(hopsOf(tls), ['TLS 192.0.2.4:5061']);
    assert.deepEqual(dns.queries, ['SRV _sips._tcp.pbx.test', 'A s.pbx.test']);
  });

  it('without NAPTR records, SRV for each transport; without SRV, the name itself at the default port', async () => {
    const srvOnly = await locateServer({ host: 'srvonly.test', port: undefined, transports: ALL, naptr: true }, fakeDns(ZONE));
    assert.deepEqual(hopsOf(srvOnly), ['UDP 192.0.2.1:5070']);
    const plain = await locateServer({ host: 'plain.test', port: undefined, transports: ['TLS'], naptr: false }, fakeDns(ZONE));
    assert.deepEqual(hopsOf(plain), ['TLS 192.0.2.9:5061']);
    // "." says no service there: the name's own address
    const none = await locateServer({ host: 'none.test', port: undefined, transports: ['UDP'], naptr: false }, fakeDns(ZONE));
    assert.deepEqual(hopsOf(none), ['UDP 192.0.2.10:5060']);
  });

  it('with a port configured, A/AAAA only', async () => {
    const dns = fakeDns(ZONE);
    const l = await locateServer({ host: 'a.pbx.test', port: 5999, transports: ['UDP'], naptr: false }, dns);
    assert.deepEqual(hopsOf(l), ['UDP 192.0.2.1:5999']);
    assert.deepEqual(dns.queries, ['A a.pbx.test']);
  });

  it('addresses and localhost need no DNS; a name that does not resolve says why', async () => {
    const dns = fakeDns({ failing: new Set(['_sip._udp.down.test']) });
    assert.deepEqual(hopsOf(await locateServer({ host: '192.0.2.7', port: undefined, transports: ['UDP'], naptr: true }, dns)), [
      'UDP 192.0.2.7:5060',
    ]);
    assert.deepEqual(hopsOf(await locateServer({ host: 'localhost', port: 5062, transports: ['TCP'], naptr: false }, dns)), [
      'TCP localhost:5062',
    ]);
    assert.deepEqual(dns.queries, []);
    const missing = await locateServer({ host: 'missing.test', port: undefined, transports: ['UDP'], naptr: true }, dns);
    assert.ok('error' in missing);
    assert.equal(missing.error, 'DNS: missing.test does not resolve (no NAPTR, SRV or A/AAAA records)');
    const down = await locateServer({ host: 'down.test', port: undefined, transports: ['UDP'], naptr: false }, dns);
    assert.ok('error' in down && down.error.includes('_sip._udp.down.test SRV: ETIMEOUT'), JSON.stringify(down));
  });

  it('orders SRV records by priority, then at random by weight (RFC 2782)', () => {
    const records = [srv('c', 1, 20, 0), srv('heavy', 1, 10, 90), srv('light', 1, 10, 10), srv('zero', 1, 10, 0)];
    // the draw falls in the heavy record's share, then the light one's
    const picks = [0.5, 0.5, 0.5, 0.5];
    const ordered = orderSrv(records, () => picks.shift() ?? 0);
    assert.deepEqual(
      ordered.map((r) => r.name),
      ['heavy', 'light', 'zero', 'c'],
    );
    // a draw of 0 takes the zero-weight record first
    assert.equal(orderSrv(records, () => 0)[0]?.name, 'zero');
    // over many draws, 90 to 10 comes out heavy first most of the time
    let heavyFirst = 0;
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 1000; i++) if (orderSrv(records.slice(1, 3), random)[0]?.name === 'heavy') heavyFirst++;
    assert.ok(heavyFirst > 800 && heavyFirst < 980, String(heavyFirst));
  });
});

describe('the server locator cache', () => {
  it('keeps an answer for its shortest TTL on the phone clock, and asks again after', async () => {
    const clock = new ManualClock();
    const dns = fakeDns(ZONE);
    const locator = new ServerLocator(dns, clock);
    const q = { host: 'pbx.test', port: undefined, transports: ['UDP'] as const, naptr: true };
    const [first, second] = await Promise.all([locator.locate(q), locator.locate(q)]);
    assert.equal(first, second); // one lookup in flight for both
    const asked = dns.queries.length;
    clock.advance(29_000);
    assert.equal(await locator.locate(q), first);
    assert.equal(dns.queries.length, asked);
    clock.advance(1_000); // a.pbx.test's A record lived 30 s
    await locator.locate(q);
    assert.equal(dns.queries.length, asked * 2);
  });

  it('keeps no failure, and at most MAX_CACHED answers', async () => {
    const clock = new ManualClock();
    const dns = fakeDns(ZONE);
    const locator = new ServerLocator(dns, clock);
    await locator.locate({ host: 'missing.test', port: undefined, transports: ['UDP'], naptr: false });
    await locator.locate({ host: 'missing.test', port: undefined, transports: ['UDP'], naptr: false });
    assert.equal(dns.queries.filter((q) => q === 'SRV _sip._udp.missing.test').length, 2);
    for (let port = 1; port <= MAX_CACHED + 5; port++)
      await locator.locate({ host: 'a.pbx.test', port, transports: ['UDP'], naptr: false });
    assert.equal(locator.size, MAX_CACHED);
  });
});
