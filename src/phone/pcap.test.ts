import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pcapFile, udpFrame } from './pcap.js';

/** The Internet checksum of a buffer; 0 when the buffer carries a correct checksum. */
function sum(buf: Buffer): number {
  let s = 0;
  for (let i = 0; i < buf.length; i += 2) s += (buf[i] ?? 0) * 256 + (buf[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

describe('pcap', () => {
  it('writes Ethernet/IPv4/UDP frames with valid IP and UDP checksums', () => {
    const frame = udpFrame({
      at: 1000,
      srcMac: '0004F2000001',
      dstMac: '0004F2000002',
      src: '127.0.0.1',
      dst: '10.0.0.2',
      srcPort: 5060,
      dstPort: 5070,
      payload: 'OPTIONS sip:x SIP/2.0\r\n\r\n',
    });
    const ip = frame.subarray(14, 34);
    assert.equal(sum(ip), 0);
    const udp = frame.subarray(34);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17, udp.length >> 8, udp.length & 0xff]), udp]);
    assert.equal(sum(pseudo), 0);
    assert.equal(udp.readUInt16BE(2), 5070);
    const file = pcapFile([{ at: 1_700_000_000_123, frame }]);
    assert.equal(file.readUInt32LE(0), 0xa1b2c3d4);
    assert.equal(file.readUInt32LE(24), 1_700_000_000);
    assert.equal(file.readUInt32LE(28), 123_000);
    assert.equal(file.length, 24 + 16 + frame.length);
  });
});
