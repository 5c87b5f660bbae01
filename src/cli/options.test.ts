import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseRegistrar } from '../runtime/registrar-address.js';
import { main } from './program.js';
import type { Runners } from './program.js';
import {
  address,
  collectSetting,
  concurrency,
  defaultPorts,
  firstNumber,
  fleetSize,
  ipv4,
  mac,
  milliseconds,
  port,
  positiveMilliseconds,
  seconds,
  sha256,
} from './options.js';

const refuses = (parse: (v: string) => unknown, value: string): void => {
  assert.throws(() => parse(value), InvalidArgumentError, `${parse.name}(${JSON.stringify(value)})`);
};

describe('option values', () => {
  it('whole numbers are digits within their range, at both ends; never rounded past 2^53', () => {
    const cases: [(v: string) => number, number, number][] = [
      [port, 0, 65535],
      [milliseconds, 0, 3_600_000],
      [positiveMilliseconds, 1, 3_600_000],
      [seconds, 1, 3600],
      [fleetSize, 1, 10_000],
      [firstNumber, 1, 999_999_999_999_999],
      [concurrency, 1, 1000],
    ];
    for (const [parse, min, max] of cases) {
      assert.equal(parse(String(min)), min);
      assert.equal(parse(String(max)), max);
      for (const bad of [String(max + 1), String(min - 1), '9007199254740993', '1'.repeat(400), '1e3', '0x10', '+5', ' 5', '5.0', '', '-0'])
        refuses(parse, bad);
    }
  });

  it('addresses are IP addresses; the range an IPv4 one', () => {
    assert.equal(address(' 127.0.0.1 '), '127.0.0.1');
    assert.equal(address('::1'), '::1');
    for (const bad of ['abc', 'dead:beef', '999.1.1.1', '1.2.3', '', ':::::', 'localhost']) refuses(address, bad);
    assert.equal(ipv4('127.0.1.1'), '127.0.1.1');
    for (const bad of ['::1', '256.0.0.1', '']) refuses(ipv4, bad);
  });

  it('a MAC is 48 bits, a fingerprint 256', () => {
    assert.equal(mac('0004F2AB12CD'), '0004F2AB12CD');
    assert.equal(mac('00:04:f2:ab:12:cd'), '00:04:f2:ab:12:cd');
    for (const bad of ['0004f2ab12c', '0004f2ab12cd0', '1e6', '', 'zz04f2ab12cd']) refuses(mac, bad);
    const fp = 'AB'.repeat(32);
    assert.equal(sha256(fp.match(/../g)?.join(':') ?? ''), fp.match(/../g)?.join(':'));
    for (const bad of ['abc', fp.slice(2), `${fp}00`]) refuses(sha256, bad);
  });

  it('--set wants a name before its =', () => {
    assert.deepEqual(collectSetting('a.b= x=y', {}), { 'a.b': ' x=y' });
    for (const bad of ['=1', ' =1', 'novalue']) refuses((v) => collectSetting(v, {}), bad);
  });

  it('a registrar is host[:port]: a host name or an IP address (IPv6 in brackets), a port 1-65535', () => {
    assert.deepEqual(parseRegistrar('pbx.example'), { ok: true, host: 'pbx.example' });
    assert.deepEqual(parseRegistrar(' 127.0.0.1:5070 '), { ok: true, host: '127.0.0.1', port: 5070 });
    assert.deepEqual(parseRegistrar('[2001:db8::1]:65535'), { ok: true, host: '2001:db8::1', port: 65535 });
    assert.deepEqual(parseRegistrar('[::1]'), { ok: true, host: '::1' });
    for (const bad of ['', ':5060', 'a b', '-x', '[zz]', '[::1', '::1', 'pbx:0', 'pbx:65536', 'pbx:1:2', 'pbx:+5', 'pbx:']) {
      assert.equal(parseRegistrar(bad).ok, false, bad);
    }
  });

  it('the default ports move with POLYSIM_HTTP_PORT, ...; options still win, and a variable naming no port is a usage error', async () => {
    assert.deepEqual(defaultPorts({}), { ports: { httpPort: 8080, httpsPort: 8443, sipPort: 5060, sipTlsPort: 5061, controlPort: 8790 } });
    const env = {
      POLYSIM_HTTP_PORT: '18080',
      POLYSIM_HTTPS_PORT: '18443',
      POLYSIM_SIP_PORT: '15060',
      POLYSIM_SIP_TLS_PORT: '',
      POLYSIM_CONTROL_PORT: '18790',
    };
    assert.deepEqual(defaultPorts(env).ports, { httpPort: 18080, httpsPort: 18443, sipPort: 15060, sipTlsPort: 5061, controlPort: 18790 });
    assert.equal(defaultPorts({ POLYSIM_SIP_PORT: '5060x' }).problem, 'POLYSIM_SIP_PORT=5060x: expected a port number 0-65535');
    // what start and clock are given, through the command line as users run it
    const seen: unknown[] = [];
    const runners = {
      start: async (o: unknown) => void seen.push(o),
      clock: async (o: unknown) => (seen.push(o), 0),
    } as unknown as Runners;
    let err = '';
    const io = (e: Record<string, string>) => ({ stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: e });
    assert.equal(await main(['start', '--https-port', '9443'], io(env), runners), 0);
    assert.equal(await main(['clock'], io(env), runners), 0);
    assert.deepEqual(
      seen.map((o) => {
        const { httpPort, httpsPort, sipPort, sipTlsPort, controlPort, control } = o as Record<string, unknown>;
        return { httpPort, httpsPort, sipPort, sipTlsPort, controlPort, control };
      }),
      [
        { httpPort: 18080, httpsPort: 9443, sipPort: 15060, sipTlsPort: 5061, controlPort: 18790, control: true },
        {
          httpPort: undefined,
          httpsPort: undefined,
          sipPort: undefined,
          sipTlsPort: undefined,
          controlPort: undefined,
          control: 'http://127.0.0.1:18790',
        },
      ],
    );
    assert.equal(await main(['start'], io({ POLYSIM_CONTROL_PORT: '70000' }), runners), 2);
    assert.match(err, /^polysim: POLYSIM_CONTROL_PORT=70000: expected a port number 0-65535\n$/);
    assert.equal(await main(['models'], io({ POLYSIM_CONTROL_PORT: '70000' }), runners), 0);
  });
});
