import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { hostAddress } from './host-address.js';

describe('hostAddress', () => {
  it('reports an interface address for a wildcard bind, never the wildcard', () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a?.address);
    const v4 = hostAddress('0.0.0.0');
    assert.equal(v4.ipv6, '');
    assert.ok(v4.ipv4 === '127.0.0.1' || own.includes(v4.ipv4), v4.ipv4);
    assert.notEqual(v4.ipv4, '0.0.0.0');
    const v6 = hostAddress('::');
    assert.equal(v6.ipv4, '');
    assert.ok(v6.ipv6 === '::1' || own.includes(v6.ipv6), v6.ipv6);
  });

  it('keeps an address given', () => {
    assert.deepEqual(hostAddress('127.0.0.2'), { ipv4: '127.0.0.2', ipv6: '' });
    assert.deepEqual(hostAddress('::1'), { ipv4: '', ipv6: '::1' });
  });
});
