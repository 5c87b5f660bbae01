/**
 * Dialog traffic for a registered line's user agent, shared by the bounded test (test/sip-ua-fuzz.test.ts) and the
 * long run (npm run fuzz): INVITEs with generated SDP whose media flows (loopback addresses and others, ports across
 * and past the range, several streams, a=rtcp, SRTP keys), re-INVITEs, BYE, CANCEL, ACK, REFER with odd Refer-To, INFO and
 * NOTIFY, into calls that exist and calls that do not. The phone's calls are answered and ended now and then, so
 * that media runs while the traffic goes on.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import fc from 'fast-check';
import type { RunningPhone } from '../../src/runtime/phone-host.js';

const mline = fc
  .tuple(
    fc.constantFrom('audio', 'audio', 'video', 'application'),
    fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 1, 65534, 65535, 65536, 70000, 99999999999)),
    fc.constantFrom('RTP/AVP', 'RTP/AVP', 'RTP/SAVP', 'UDP/BFCP'),
    fc.constantFrom('0 101', '8 0 101', '0', '9', '18 0', 'x', '', '127 96'),
    fc.option(fc.integer({ min: 0, max: 70000 })),
    // SDES keys (RFC 4568): usable ones of both suites (one with an MKI), and lines that are not
    fc.constantFrom(
      '',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ\r\n',
      'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:t0r0/apkukU7JjjfR0mY8GEimBq4OiPEm9eKSFOx|2^31|1:4\r\n',
      'a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ\r\n',
      'a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=|0:999\r\n',
      'a=crypto:x\r\n',
    ),
  )
  .map(
    ([media, port, proto, fmts, rtcp, crypto]) =>
      `m=${media} ${port} ${proto} ${fmts}\r\na=rtpmap:101 telephone-event/8000\r\n${rtcp === null ? '' : `a=rtcp:${rtcp}\r\n`}${crypto}`,
  );

const address = fc.constantFrom('127.0.0.1', '127.0.0.1', '127.0.0.2', '0.0.0.0', '::1', '239.0.0.1', 'media.invalid', '300.1.1.1', '');

export const sdpBody = fc.oneof(
  fc.constant(
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n',
  ),
  fc.string({ maxLength: 120 }).map((s) => `v=0\r\n${s}`),
  fc
    .tuple(
      address,
      fc.array(mline, { minLength: 1, maxLength: 4 }),
      fc.constantFrom('sendrecv', 'sendonly', 'inactive', 'recvonly', 'bogus'),
    )
    .map(
      ([a, lines, dir]) =>
        `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN ${a.includes(':') ? 'IP6' : 'IP4'} ${a}\r\nt=0 0\r\n${lines.join('')}a=${dir}\r\n`,
    ),
  fc.constant(''),
);

export interface DialogMessage {
  readonly method: string;
  readonly call: number;
  readonly toTag: string;
  readonly user: string;
  readonly cseq: number;
  readonly body: string;
  readonly referTo: string;
  readonly info: string;
}

export const dialogMessage: fc.Arbitrary<DialogMessage> = fc.record({
  method: fc.constantFrom('INVITE', 'INVITE', 'ACK', 'BYE', 'CANCEL', 'REFER', 'INFO', 'NOTIFY', 'UPDATE', 'PRACK', 'OPTIONS'),
  call: fc.nat(6),
  toTag: fc.oneof(fc.constant(''), fc.constant('known'), fc.string({ maxLength: 8 })),
  user: fc.constantFrom('1001', '1001', '9999', ''),
  cseq: fc.integer({ min: 0, max: 5 }),
  body: sdpBody,
  referTo: fc.oneof(
    fc.constant('<sip:1002@127.0.0.1>'),
    fc.string({ maxLength: 40 }),
    fc.constant('<sip:x@y?Replaces=a%3Bto-tag%3Db%3Bfrom-tag%3Dc>'),
  ),
  info: fc.constantFrom('Signal=5\r\nDuration=100\r\n', 'Signal=\r\n', '', 'Signal=Z'),
});

/** A registrar that grants every REGISTER (and swallows what else the phone sends it: its calls' INVITEs). */
export async function grantingRegistrar(): Promise<Socket> {
  const registrar = createSocket('udp4');
  registrar.on('message', (m, from) => {
    const t = m.toString();
    if (!t.startsWith('REGISTER')) return;
    const h = (n: string): string => new RegExp(`^${n}: (.*)$`, 'mi').exec(t)?.[1] ?? '';
    registrar.send(
      `SIP/2.0 200 OK\r\nVia: ${h('Via')}\r\nFrom: ${h('From')}\r\nTo: ${h('To')};tag=r\r\nCall-ID: ${h('Call-ID')}\r\nCSeq: ${h(
        'CSeq',
      )}\r\nContent-Length: 0\r\n\r\n`,
      from.port,
      from.address,
    );
  });
  await new Promise<void>((r) => registrar.bind(0, '127.0.0.1', () => r()));
  return registrar;
}

/** Sends generated dialog messages to one phone from one socket, and keeps its answers. */
export class DialogFuzzer {
  readonly answers: string[] = [];
  private readonly client = createSocket('udp4');
  /** The to-tag the phone gave each call, learned from its answers. */
  private readonly tags = new Map<number, string>();
  private n = 0;
  private rtpOfEnded = 0;

  constructor(
    private readonly p: RunningPhone,
    private readonly prefix = 'fuzz',
  ) {}

  async start(): Promise<void> {
    await new Promise<void>((r) => this.client.bind(0, '127.0.0.1', () => r()));
    this.client.on('message', (m) => {
      const t = m.toString();
      this.answers.push(t);
      const id = new RegExp(`^Call-ID: ${this.prefix}-(\\d+)`, 'mi').exec(t)?.[1];
      const tag = /^To: .*;tag=([^;\r\n]+)/im.exec(t)?.[1];
      if (id && tag) this.tags.set(Number(id), tag);
    });
  }

  /** Sends one message; every tenth, answers what rings and (every thirtieth) ends what is up. */
  async send(m: DialogMessage): Promise<void> {
    const n = ++this.n;
    const port = this.p.sip?.port as number;
    const local = this.client.address().port;
    const toTag = m.toTag === 'known' ? (this.tags.get(m.call) ?? 'none') : m.toTag;
    const body = m.method === 'INFO' ? m.info : m.body;
    const text = [
      `${m.method} sip:${m.user}@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKuf${this.prefix}${n}`,
      `From: "Fuzz" <sip:fuzz@127.0.0.1:${local}>;tag=ft${m.call}`,
      `To: <sip:${m.user}@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${this.prefix}-${m.call}`,
      `CSeq: ${m.cseq} ${m.method}`,
      'Max-Forwards: 70',
      `Contact: <sip:fuzz@127.0.0.1:${local}>`,
      ...(m.method === 'REFER' ? [`Refer-To: ${m.referTo}`] : []),
      ...(m.method === 'NOTIFY' ? ['Event: refer', 'Subscription-State: terminated'] : []),
      `Content-Type: ${m.method === 'INFO' ? 'application/dtmf-relay' : m.method === 'NOTIFY' ? 'message/sipfrag' : 'application/sdp'}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    this.client.send(text, port, '127.0.0.1');
    if (n % 10 === 0) this.driveCalls(n % 30 === 0);
    // now and then a tick's worth of real time, so that the answered calls' media runs while the traffic goes on
    await new Promise((r) => (n % 50 === 0 ? setTimeout(r, 25) : setImmediate(r)));
  }

  private driveCalls(end: boolean): void {
    const { calls } = this.p.phone;
    for (const c of calls.all()) {
      try {
        if (c.state === 'Offering') calls.answer(c.handle);
        else if (end) {
          this.rtpOfEnded += this.p.phone.network.media?.(c.callId)?.packetsSent ?? 0;
          calls.end(c.handle);
        }
      } catch {
        /* the state moved meanwhile */
      }
    }
  }

  /** RTP packets the phone's calls sent over the run (those it ended included). */
  rtpSent(): number {
    return this.rtpOfEnded + this.p.phone.calls.all().reduce((n, c) => n + (this.p.phone.network.media?.(c.callId)?.packetsSent ?? 0), 0);
  }

  /** 500s that a handler threw: 500 with Retry-After is RFC 3261's answer to a CSeq lower than the dialog's (12.2.2). */
  thrown(): string[] {
    return this.answers
      .filter((a) => / 500 /.test(a.split('\r\n')[0] ?? '') && !/^Retry-After:/im.test(a))
      .map((a) => a.split('\r\n')[0] ?? '');
  }

  /** Ends every call left (rejecting what rings). */
  endCalls(): void {
    const { calls } = this.p.phone;
    for (const c of [...calls.all()]) {
      try {
        if (c.state === 'Offering') calls.reject(c.handle);
        else calls.end(c.handle);
      } catch {
        /* ended already */
      }
    }
  }

  close(): void {
    this.client.close();
  }
}
