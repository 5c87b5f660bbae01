/** RTP between two sessions on loopback: G.711 both ways, counters, DTMF events, RTCP reports, hold; G.722 frames. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { voiceQuality } from '../phone/calls/quality.js';
import { linearToAlaw, linearToUlaw } from './g711.js';
import { G722Decoder } from './g722.js';
import { MediaEngine } from './media-engine.js';
import { RtpSession } from './rtp.js';
import type { SessionHost } from './rtp.js';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`not in time: ${what}`);
    await wait(20);
  }
}

describe('G.711', () => {
  it('encodes the reference values of µ-law and A-law', () => {
    assert.deepEqual([linearToUlaw(0), linearToUlaw(32767), linearToUlaw(-32768), linearToUlaw(-1)], [0xff, 0x80, 0x00, 0x7f]);
    assert.deepEqual([linearToAlaw(0), linearToAlaw(32767), linearToAlaw(-32768)], [0xd5, 0xaa, 0x2a]);
  });
});

describe('RTP sessions', () => {
  it('carry G.711 both ways, count packets, deliver DTMF events, send RTCP, and stop sending on hold', async () => {
    const engine = new MediaEngine('tone', [40000, 40100], 5);
    const heardA: string[] = [];
    const heardB: string[] = [];
    const a = await engine.open('127.0.0.1', (d) => heardA.push(d));
    const b = await engine.open('127.0.0.1', (d) => heardB.push(d));
    try {
      assert.equal(a.port % 2, 0, 'RTP on an even port, RTCP on the next');
      a.configure({ address: '127.0.0.1', port: b.port }, 8, 101, true, true);
      b.configure({ address: '127.0.0.1', port: a.port }, 8, 101, true, true);
      await until(
        'packets both ways and RTCP',
        () => a.stats().packetsReceived >= 5 && b.stats().packetsReceived >= 5 && b.stats().rtcpReceived > 0,
      );
      const sa = a.stats();
      assert.ok(sa.packetsReceived >= 5 && sa.packetsSent >= 5, JSON.stringify(sa));
      assert.equal(sa.octetsReceived, sa.packetsReceived * 160);
      assert.equal(sa.packetsLost, 0);
      assert.equal(sa.codec, 'PCMA');
      assert.ok(b.stats().rtcpReceived > 0 && a.stats().rtcpSent > 0, 'sender reports every 5 ticks here');
      assert.ok(a.sendDtmf('1#', 60, 40));
      await until('both digits', () => heardB.length >= 2);
      assert.deepEqual(heardB, ['1', '#']);
      assert.deepEqual(heardA, []);
      assert.equal(b.stats().packetsLost, 0, "events share the stream's sequence numbers");
      // hold: A only receives
      a.configure({ address: '127.0.0.1', port: b.port }, 8, 101, false, true);
      await wait(60);
      const before = b.stats().packetsReceived;
      const heard = a.stats().packetsReceived;
      await until('A still hears B', () => a.stats().packetsReceived >= heard + 5);
      assert.equal(b.stats().packetsReceived, before, 'B hears nothing from A on hold');
    } finally {
      a.close();
      b.close();
    }
    assert.equal(engine.active, 0, 'closed sessions leave the tick');
  });

  it('never sends to a port no socket takes, and a session whose send throws stops alone', async () => {
    const engine = new MediaEngine('tone', [40200, 40300], 2);
    const a = await engine.open('127.0.0.1', () => undefined);
    const b = await engine.open('127.0.0.1', () => undefined);
    try {
      // RTP to 65535 is possible; its RTCP (65536) is not: RTP goes, RTCP stays home, nothing throws in the tick
      a.configure({ address: '127.0.0.1', port: 65535 }, 0, 101, true, true);
      await until('packets to 65535', () => a.stats().packetsSent >= 6);
      assert.equal(a.stats().rtcpSent, 0);
      // a port past 65535, or a name instead of an address, is no destination at all
      for (const remote of [
        { address: '127.0.0.1', port: 70000 },
        { address: 'media.example.com', port: 4000 },
        { address: '::1', port: 4000 },
      ]) {
        a.configure(remote, 0, 101, true, true);
        const sent = a.stats().packetsSent;
        await wait(80);
        assert.equal(a.stats().packetsSent, sent, JSON.stringify(remote));
      }
      // a send that throws (here: the socket closed under the session) halts that session; the others go on
      b.configure({ address: '127.0.0.1', port: a.port }, 0, 101, true, true);
      a.configure({ address: '127.0.0.1', port: b.port }, 0, 101, true, true);
      (a as unknown as { rtp: { close(): void } }).rtp.close();
      const heard = a.stats().packetsSent;
      const bSent = b.stats().packetsSent;
      await until('B goes on sending', () => b.stats().packetsSent >= bSent + 5);
      assert.ok(a.stats().packetsSent <= heard + 1, 'A stopped');
    } finally {
      a.close();
      b.close();
    }
  });

  it('latch on the far end: packets and DTMF from any other source are dropped, and MOS follows what was received', async () => {
    const engine = new MediaEngine('tone', [40400, 40500], 5);
    const heard: string[] = [];
    const a = await engine.open('127.0.0.1', (d) => heard.push(d));
    const b = await engine.open('127.0.0.1', () => undefined);
    const intruder = createSocket('udp4');
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', () => r()));
    try {
      a.configure({ address: '127.0.0.1', port: b.port }, 0, 101, true, true);
      b.configure({ address: '127.0.0.1', port: a.port }, 0, 101, true, true);
      await until('B latched', () => a.stats().packetsReceived >= 3);
      // an intruder on the same host, another port: voice and an RFC 4733 end event for "5"
      const event = Buffer.from([0x80, 101, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 0x80 | 10, 0, 160]);
      const voice = Buffer.concat([Buffer.from([0x80, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]), Buffer.alloc(160)]);
      for (let i = 0; i < 20; i++) intruder.send(i % 2 ? event : voice, a.port, '127.0.0.1');
      await until("the intruder's packets arrived and were dropped", () => a.stats().rejected >= 20);
      assert.deepEqual(heard, []);
      assert.equal(a.stats().packetsLost, 0, 'its sequence numbers did not count');
    } finally {
      intruder.close();
      a.close();
      b.close();
    }
  });
});

describe('G.722 RTP', () => {
  it('sends 160-byte G.722 frames (payload type 9, 160 ticks of the 8 kHz clock each) that decode to the 400 Hz tone', async () => {
    const bound = (): Promise<ReturnType<typeof createSocket>> =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    const [rtp, rtcp, far] = await Promise.all([bound(), bound(), bound()]);
    const got: Buffer[] = [];
    far.on('message', (m) => got.push(m));
    const host: SessionHost = { content: 'tone', rtcpEveryTicks: 1000, add: () => undefined, remove: () => undefined };
    const session = new RtpSession(rtp, rtcp, rtp.address().port, host, () => undefined);
    const TICKS = 400; // 8 s: past the seam of the loop the frames come from
    try {
      session.configure({ address: '127.0.0.1', port: far.address().port }, 9, 101, true, false);
      // ticked by hand, 20 at a time (a burst of 400 datagrams could overrun the socket's receive buffer)
      for (let i = 0; i < TICKS; i++) {
        session.tick();
        if (i % 20 === 19) await until(`packet ${i + 1}`, () => got.length === i + 1);
      }
      assert.equal(session.stats().codec, 'G722');
      assert.equal(session.stats().packetsSent, TICKS);
      assert.equal(session.stats().octetsSent, TICKS * 160);
      got.sort(
        (a, b) => ((a.readUInt16BE(2) - got[0]!.readUInt16BE(2)) & 0xffff) - ((b.readUInt16BE(2) - got[0]!.readUInt16BE(2)) & 0xffff),
      );
      assert.ok(got.every((m) => m.length === 12 + 160 && ((m[1] as number) & 0x7f) === 9));
      assert.ok(got.every((m, i) => i === 0 || (m.readUInt32BE(4) - got[i - 1]!.readUInt32BE(4)) >>> 0 === 160));
      // what the far end hears: the tone, frame after frame (22 samples late, the codec's delay)
      const heard = new G722Decoder().decode(Buffer.concat(got.map((m) => m.subarray(12))));
      for (let f = 5; f < TICKS; f++) {
        let signal = 0;
        let noise = 0;
        for (let i = f * 320; i < (f + 1) * 320; i++) {
          const want = 3000 * Math.sin((2 * Math.PI * 400 * (i - 22)) / 16000);
          signal += want * want;
          noise += (want - (heard[i] as number)) ** 2;
        }
        assert.ok(10 * Math.log10(signal / noise) > 20, `frame ${f}`);
      }
    } finally {
      session.close();
      far.close();
    }
  });
});

describe('RFC 4733 events', () => {
  it('send the end packet three times, one a tick (paced at the packet interval, not in a burst)', async () => {
    const bound = (): Promise<ReturnType<typeof createSocket>> =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    const [rtp, rtcp, far] = await Promise.all([bound(), bound(), bound()]);
    const got: Buffer[] = [];
    far.on('message', (m) => got.push(m));
    // the test is the engine: it ticks the session by hand
    const host: SessionHost = { content: 'silence', rtcpEveryTicks: 1000, add: () => undefined, remove: () => undefined };
    const session = new RtpSession(rtp, rtcp, rtp.address().port, host, () => undefined);
    try {
      session.configure({ address: '127.0.0.1', port: far.address().port }, 0, 101, true, false);
      assert.ok(session.sendDtmf('5', 60, 20)); // 3 ticks on, 1 off
      const perTick: number[] = [];
      for (let i = 0; i < 8; i++) {
        const before = session.stats().packetsSent;
        session.tick();
        perTick.push(session.stats().packetsSent - before);
      }
      assert.deepEqual(perTick, [1, 1, 1, 1, 1, 1, 1, 1], 'one packet a tick, the end packets included');
      await until('every packet', () => got.length === 8);
      const events = got.map((m) => ({
        pt: (m[1] as number) & 0x7f,
        seq: m.readUInt16BE(2),
        ts: m.readUInt32BE(4),
        end: m.length === 16 && ((m[13] as number) & 0x80) !== 0,
      }));
      events.sort((a, b) => a.seq - b.seq);
      // ticks 1-2 the event, 3 its end, 4-5 the end again, then voice (µ-law)
      assert.deepEqual(
        events.map((e) => (e.pt === 101 ? (e.end ? 'E' : 'e') : 'v')),
        ['e', 'e', 'E', 'E', 'E', 'v', 'v', 'v'],
      );
      assert.equal(new Set(events.slice(0, 5).map((e) => e.ts)).size, 1, "the event's packets keep its start timestamp");
      assert.deepEqual(
        got.filter((m) => m.length === 16 && ((m[13] as number) & 0x80) !== 0).map((m) => m.readUInt16BE(14)),
        [480, 480, 480],
        'the end packets carry the full duration',
      );
    } finally {
      session.close();
      far.close();
    }
  });
});

describe('voice quality (E-model)', () => {
  it('MOS falls with the loss actually measured, and is no measure when nothing came', () => {
    assert.deepEqual(voiceQuality(true, 0, 0, 20), { lq: '4.4', cq: '4.4' });
    const lossy = voiceQuality(true, 0.58, 5, 20);
    assert.ok(Number(lossy.lq) < 2 && Number(lossy.cq) < 2, JSON.stringify(lossy));
    assert.ok(Number(voiceQuality(true, 0.05, 5, 20).lq) < Number(voiceQuality(true, 0.01, 5, 20).lq));
    assert.ok(Number(voiceQuality(true, 0, 0, 400).cq) < Number(voiceQuality(true, 0, 0, 400).lq), 'delay costs conversation only');
    assert.deepEqual(voiceQuality(false, 0, 0, 20), { lq: '0.0', cq: '0.0' });
  });
});
