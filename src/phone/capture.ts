/** What the phone's background capture holds: its recent SIP registration refreshes, as pcap frames. */
import { sipUserAgent } from './device-facts.js';
import { derivedMac } from './identity.js';
import { pcapFile, udpFrame } from './pcap.js';
import type { Phone } from './phone.js';

const REFRESH_MS = 30_000;
const MAX_EXCHANGES = 50;

export function backgroundCapture(phone: Phone): Buffer {
  const now = phone.clock.now();
  const since = now - phone.uptimeMs();
  const registrar = derivedMac(phone.identity.mac, 0x100000);
  const frames: { at: number; frame: Buffer }[] = [];
  const lines = phone.lines.all().filter((l) => l.registered);
  let cseq = 1;
  for (let at = Math.max(since, now - MAX_EXCHANGES * REFRESH_MS); at <= now; at += REFRESH_MS) {
    for (const line of lines) {
      const server = line.servers[0];
      const dst = server && /^\d+\.\d+\.\d+\.\d+$/.test(server.address) ? server.address : phone.ipv4;
      const user = line.address.split('@')[0] ?? '';
      const callId = `${phone.identity.mac.toLowerCase()}-${line.number}@${phone.ipv4}`;
      const request = [
        `REGISTER sip:${dst} SIP/2.0`,
        `Via: SIP/2.0/UDP ${phone.ipv4}:5060;branch=z9hG4bK${cseq}${line.number}`,
        `From: <sip:${user}@${dst}>;tag=${line.number}`,
        `To: <sip:${user}@${dst}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${user}@${phone.ipv4}:5060>`,
        `Expires: ${server?.expires ?? 3600}`,
        `User-Agent: ${sipUserAgent(phone.profile)}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      const answer = ['SIP/2.0 200 OK', `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`, 'Content-Length: 0', '', ''].join('\r\n');
      const base = { srcPort: 5060, dstPort: server?.port ?? 5060 };
      frames.push({
        at,
        frame: udpFrame({ at, srcMac: phone.identity.mac, dstMac: registrar, src: phone.ipv4, dst, ...base, payload: request }),
      });
      frames.push({
        at: at + 12,
        frame: udpFrame({
          at: at + 12,
          srcMac: registrar,
          dstMac: phone.identity.mac,
          src: dst,
          dst: phone.ipv4,
          srcPort: base.dstPort,
          dstPort: 5060,
          payload: answer,
        }),
      });
      cseq++;
    }
  }
  return pcapFile(frames);
}
