import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseRegistrar } from '../runtime/registrar-address.js';
import {
  address,
  collectSetting,
  concurrency,
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
});
