/** The phone's RTP port pool (tcpIpApp.port.rtp.mediaPortRangeStart): its start, its round, and the engine using it. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { MediaEngine } from './media-engine.js';
import { MediaPorts, POOL_PORTS, poolStart } from './media-ports.js';

describe('RTP port pool', () => {
  it('starts where the parameter says: an even port from 1024 whose pool fits below 65536; anything else is none', () => {
    assert.deepEqual(['', '2222', ' 40000 ', '1024', '65488', '65490', '2223', '1022', 'x', '-2', '99999'].map(poolStart), [
      undefined,
      2222,
      40000,
      1024,
      65488,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('goes start, start + 2, ... start + 46, then back to the start', () => {
    const pool = new MediaPorts(2222);
    const ports = Array.from({ length: POOL_PORTS + 2 }, () => pool.next());
    assert.deepEqual(ports.slice(0, 3), [2222, 2224, 2226]);
    assert.equal(ports[POOL_PORTS - 1], 2222 + 46);
    assert.deepEqual(ports.slice(POOL_PORTS), [2222, 2224]);
  });

  it("the engine opens calls on the pool's ports in turn, RTCP one above, skipping a port in use", async () => {
    const engine = new MediaEngine('silence', [40600, 40700]);
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(41002, '127.0.0.1', () => resolve()));
    const pool = new MediaPorts(41000);
    const a = await engine.open('127.0.0.1', () => undefined, pool);
    const b = await engine.open('127.0.0.1', () => undefined, pool);
    try {
      assert.deepEqual([a.port, b.port], [41000, 41004], '41002 is taken');
    } finally {
      a.close();
      b.close();
      taken.close();
    }
  });
});
