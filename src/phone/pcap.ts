/**
 * The background packet capture as a libpcap file (magic a1b2c3d4, v2.4, Ethernet link type). A software phone
 * has no NIC to sniff, so the capture holds the phone's own recent signalling as it would have crossed the wire:
 * SIP REGISTER keep-alives from the phone to its registrar and the answers, as UDP over IPv4 with valid checksums.
 */
const LINKTYPE_ETHERNET = 1;

function ipv4Bytes(ip: string): number[] {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => p >= 0 && p <= 255) ? parts : [127, 0, 0, 1];
}

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i] ?? 0) * 256 + (buf[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface CapturedDatagram {
  readonly at: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: string;
}

export function udpFrame(d: CapturedDatagram): Buffer {
  const payload = Buffer.from(d.payload, 'utf8');
  const udpLen = 8 + payload.length;
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + udpLen, 2);
  ip.writeUInt16BE(d.at & 0xffff, 4);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  Buffer.from(ipv4Bytes(d.src)).copy(ip, 12);
  Buffer.from(ipv4Bytes(d.dst)).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(d.srcPort, 0);
  udp.writeUInt16BE(d.dstPort, 2);
  udp.writeUInt16BE(udpLen, 4);
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17, udpLen >> 8, udpLen & 0xff]), udp, payload]);
  udp.writeUInt16BE(checksum(pseudo) || 0xffff, 6);
  const eth = Buffer.concat([Buffer.from(d.dstMac, 'hex'), Buffer.from(d.srcMac, 'hex'), Buffer.from([0x08, 0x00])]);
  return Buffer.concat([eth, ip, udp, payload]);
}

export function pcapFile(frames: readonly { at: number; frame: Buffer }[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const records = frames.map(({ at, frame }) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(at / 1000), 0);
    rec.writeUInt32LE((at % 1000) * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  });
  return Buffer.concat([header, ...records]);
}
