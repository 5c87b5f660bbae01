/** A fleet's port ranges in port mode: phone i on base + i, ranges that would overlap moved past each other. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFleetSpec, fleetPortBases } from './fleet.js';

const defaults = { httpPort: 8080, httpsPort: 8443, sipPort: 5060, sipTlsPort: 5061 };

describe("a fleet's ports", () => {
  it('one phone, or ranges that do not meet, stay where they were asked', () => {
    assert.deepEqual(fleetPortBases({ count: 1, ...defaults }), defaults);
    assert.deepEqual(fleetPortBases({ count: 3, ...defaults, sipTlsPort: 5070 }), { ...defaults, sipTlsPort: 5070 });
  });

  it('SIP over TLS moves past SIP when the two would overlap (the defaults with --count 3: 5060-5062, then 5063-5065)', () => {
    assert.deepEqual(fleetPortBases({ count: 3, ...defaults }), { ...defaults, sipTlsPort: 5063 });
  });

  it('a thousand phones: HTTPS moves past HTTP, TLS past SIP; every range is disjoint from the others', () => {
    const b = fleetPortBases({ count: 1000, ...defaults });
    assert.deepEqual(b, { httpPort: 8080, httpsPort: 9080, sipPort: 5060, sipTlsPort: 6060 });
    // a range moved into a third one moves on: SIP from 8500 meets HTTP (8080-9079), then HTTPS (9080-10079)
    assert.equal(fleetPortBases({ count: 1000, ...defaults, sipPort: 8500 }).sipPort, 10080);
  });

  it("only the phones that take the fleet's port count: members naming their own leave their room free", () => {
    const members = [{ sipTlsPort: 0 }, { sipTlsPort: 0 }];
    assert.deepEqual(fleetPortBases({ count: 2, members, ...defaults, sipTlsPort: 5060 }), { ...defaults, sipTlsPort: 5060 });
    assert.equal(fleetPortBases({ count: 2, members: [{}, { sipTlsPort: 0 }], ...defaults }).sipTlsPort, 5062, 'phone 1 takes 5061');
  });

  it('free ports (0), absent kinds and address mode are left alone; the last moved port must still be a port', () => {
    assert.deepEqual(fleetPortBases({ count: 5, httpPort: 0, httpsPort: 0, sipPort: 0, sipTlsPort: undefined }), {
      httpPort: 0,
      httpsPort: 0,
      sipPort: 0,
      sipTlsPort: undefined,
    });
    assert.deepEqual(fleetPortBases({ count: 5, addressRange: '127.3.0.1', ...defaults }), defaults);
    assert.throws(
      () => checkFleetSpec({ count: 300, firstNumber: 1, httpPort: 65000, httpsPort: 65100, sipPort: 5060, sipTlsPort: 5061 }),
      /--https-port 65300 leaves no room for 300 phones/,
    );
  });
});
