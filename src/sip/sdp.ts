/**
 * SDP offers and answers for one audio stream (RFC 4566, RFC 3264): G.722 (9), G.711 µ-law (0) and A-law (8) with
 * telephone-event (RFC 4733) for DTMF, the direction attribute that holds and resumes calls, and SRTP through
 * RTP/SAVP streams whose a=crypto lines carry the keys (RFC 4568, sdes.ts). G.722 is written `G722/8000` although
 * it samples at 16 kHz: RFC 3551 4.5.2 keeps its RTP clock at 8000 for historical reasons.
 *
 * Everything that comes from the wire is checked here, where it is read: a description whose syntax is not SDP's
 * (RFC 4566 section 9) is a problem answered 400, one whose values cannot be used (a port past 65535, an address that
 * is not a unicast IP literal, no audio stream we can carry) a problem answered 488 with a Warning (RFC 3261 21.4.26
 * and 20.43). So a port or address that reaches the media engine is always one a socket can send to.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MAX_CRYPTO_LINES, readCrypto } from './sdes.js';
import type { CryptoAttribute, SrtpMode } from './sdes.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export type CodecName = 'PCMU' | 'PCMA' | 'G722';

export interface Codec {
  /** The static payload type (RFC 3551 table 4). */
  readonly pt: number;
  readonly name: CodecName;
}

/** The codecs a call can carry: every one 20 ms a packet, 160 bytes of payload, 160 ticks of the 8 kHz RTP clock. */
export const CODECS: readonly Codec[] = [
  { pt: 0, name: 'PCMU' },
  { pt: 8, name: 'PCMA' },
  { pt: 9, name: 'G722' },
];

/** The codec of a static payload type we carry (µ-law for any other, as G.711 is every phone's fallback). */
export function codecOf(pt: number): CodecName {
  return CODECS.find((c) => c.pt === pt)?.name ?? 'PCMU';
}

/** One m= line as offered, kept so that an answer can list the same streams (RFC 3264 6). */
export interface MediaLine {
  readonly media: string;
  readonly proto: string;
  readonly formats: string;
}

export interface MediaDescription {
  /** The unicast address media goes to; 0.0.0.0 (or ::) when the far end holds the old way (RFC 2543). */
  readonly address: string;
  readonly port: number;
  /** Where RTCP goes: a=rtcp (RFC 3605), else port + 1; undefined when there is no room above the RTP port. */
  readonly rtcpPort?: number | undefined;
  /** payload types offered or chosen, in preference order */
  readonly payloads: readonly number[];
  readonly dtmfPayload: number | undefined;
  readonly direction: Direction;
  /** The audio stream's transport: RTP/AVP(F), or RTP/SAVP(F) for SRTP (absent: RTP/AVP). */
  readonly proto?: string;
  /** Its a=crypto lines (RFC 4568), in order; only an RTP/SAVP stream's count. */
  readonly crypto?: readonly CryptoAttribute[];
  /** Every m= line of the description, and which one is the audio stream above (absent: a single stream). */
  readonly lines?: readonly MediaLine[];
  readonly index?: number;
}

/** Why a description cannot be taken: the SIP status to answer with and its Warning (RFC 3261 20.43). */
export interface SdpProblem {
  readonly status: 400 | 488;
  /** 399 miscellaneous, 301/302 network address, 302 transport protocol... (RFC 3261 20.43) */
  readonly warning: number;
  readonly text: string;
}

export interface SdpOptions {
  readonly sessionId: string;
  readonly version: number;
  readonly address: string;
  readonly port: number;
  readonly payloads: readonly number[];
  readonly dtmfPayload: number;
  readonly direction: Direction;
  /** When answering: the offer, whose other streams are listed back rejected (port 0). */
  readonly offer?: MediaDescription | undefined;
  /** SRTP: the stream is RTP/SAVP with these a=crypto lines (RFC 4568). */
  readonly crypto?: readonly string[] | undefined;
  /** An offer of SRTP that also takes plain RTP: the same stream again as RTP/AVP, without keys, after it. */
  readonly plainToo?: boolean;
}

/** More m= lines than this is no phone call. */
export const MAX_MEDIA_LINES = 16;
const AUDIO_PROTOCOLS = new Set(['RTP/AVP', 'RTP/AVPF']);
const SECURE_PROTOCOLS = new Set(['RTP/SAVP', 'RTP/SAVPF']);
export const isSecure = (d: MediaDescription): boolean => SECURE_PROTOCOLS.has(d.proto ?? 'RTP/AVP');

export function writeSdp(o: SdpOptions): Buffer {
  const ip = o.address.includes(':') ? 'IP6' : 'IP4';
  const stream = (secure: boolean): string[] => [
    `m=audio ${o.port} ${secure ? 'RTP/SAVP' : 'RTP/AVP'} ${[...o.payloads, o.dtmfPayload].join(' ')}`,
    ...o.payloads.map((pt) => `a=rtpmap:${pt} ${codecOf(pt)}/8000`),
    `a=rtpmap:${o.dtmfPayload} telephone-event/8000`,
    `a=fmtp:${o.dtmfPayload} 0-15`,
    'a=ptime:20',
    ...(secure ? (o.crypto ?? []) : []),
    `a=${o.direction}`,
  ];
  const secure = o.crypto !== undefined;
  const audio = secure && o.plainToo ? [...stream(true), ...stream(false)] : stream(secure);
  const offered = o.offer?.lines;
  const streams =
    offered && offered.length > 1
      ? offered.flatMap((line, i) => (i === o.offer?.index ? audio : [`m=${line.media} 0 ${line.proto} ${line.formats}`.trimEnd()]))
      : audio;
  const lines = [
    'v=0',
    `o=- ${o.sessionId} ${o.version} IN ${ip} ${o.address}`,
    's=Polycom IP Phone',
    `c=IN ${ip} ${o.address}`,
    't=0 0',
    ...streams,
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/**
 * Reads a description: its audio stream, a problem, or undefined when the body is not SDP at all. The audio stream is
 * the first m=audio line with a port other than 0 that `srtp` lets us take: over RTP/AVP(F) unless SRTP is required,
 * over RTP/SAVP(F) with a crypto line we can use unless SRTP is off.
 */
export function readSdp(body: Buffer | string, srtp: SrtpMode = 'off'): MediaDescription | SdpProblem | undefined {
  const text = body.toString();
  if (!/^v=0/.test(text.trimStart())) return undefined;
  let session: Connection | SdpProblem | undefined;
  let sessionDirection: Direction | undefined;
  const streams: Stream[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const stream = streams[streams.length - 1];
    if (line.startsWith('m=')) {
      const m = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(line);
      if (!m) return bad(400, 399, 'malformed m= line');
      if (streams.length >= MAX_MEDIA_LINES) return bad(488, 399, `more than ${MAX_MEDIA_LINES} media streams`);
      const port = Number(m[2]);
      if (!Number.isSafeInteger(port) || port > 65535) return bad(488, 399, 'media port out of range');
      streams.push({
        line: { media: m[1] as string, proto: m[3] as string, formats: (m[4] ?? '').trim() },
        port,
        direction: undefined,
        crypto: [],
      });
    } else if (line.startsWith('c=')) {
      // a stream we do not take may name an address we could not use: only the audio stream's must be good
      const c = readConnection(line);
      if (stream) stream.connection = c;
      else session = c;
    } else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
      if (stream) stream.direction = line.slice(2) as Direction;
      else sessionDirection = line.slice(2) as Direction;
    } else if (stream && line.startsWith('a=rtcp:')) {
      const port = Number(/^a=rtcp:(\d+)/.exec(line)?.[1] ?? NaN);
      if (!Number.isSafeInteger(port) || port < 1 || port > 65535) return bad(488, 399, 'RTCP port out of range');
      stream.rtcpPort = port;
    } else if (stream && /^a=rtpmap:\d+ telephone-event\//i.test(line)) {
      stream.dtmf = Number(/^a=rtpmap:(\d+)/.exec(line)?.[1]);
    } else if (stream && line.startsWith('a=crypto:') && stream.crypto.length < MAX_CRYPTO_LINES) {
      const crypto = readCrypto(line.slice('a=crypto:'.length));
      if (crypto) stream.crypto.push(crypto);
    }
  }
  const plain = (s: Stream): boolean => srtp !== 'required' && AUDIO_PROTOCOLS.has(s.line.proto);
  const secure = (s: Stream): boolean => srtp !== 'off' && SECURE_PROTOCOLS.has(s.line.proto) && s.crypto.some((c) => c.key);
  const live = streams.filter((s) => s.line.media === 'audio' && s.port !== 0);
  const index = streams.findIndex((s) => live.includes(s) && (plain(s) || secure(s)));
  const audio = streams[index];
  if (!audio) {
    if (live.some((s) => SECURE_PROTOCOLS.has(s.line.proto)))
      return srtp === 'off' ? bad(488, 302, 'incompatible transport protocol') : bad(488, 399, 'no SRTP crypto suite in common');
    if (srtp === 'required' && live.some((s) => AUDIO_PROTOCOLS.has(s.line.proto)))
      return bad(488, 302, 'secure media (RTP/SAVP) required');
    return live.length > 0 ? bad(488, 302, 'incompatible transport protocol') : bad(488, 304, 'no audio stream');
  }
  const connection = audio.connection ?? session;
  if (!connection) return bad(400, 399, 'no connection address');
  if (isProblem(connection)) return connection;
  const payloads = audio.line.formats
    .split(/\s+/)
    .filter((f) => /^\d{1,3}$/.test(f))
    .map(Number)
    .filter((pt) => pt <= 127);
  const held = connection.address === '0.0.0.0' || connection.address === '::';
  const rtcpPort = audio.rtcpPort ?? (audio.port < 65535 ? audio.port + 1 : undefined);
  return {
    address: connection.address,
    port: audio.port,
    rtcpPort: held ? undefined : rtcpPort,
    payloads: payloads.filter((pt) => pt !== audio.dtmf),
    dtmfPayload: audio.dtmf,
    direction: audio.direction ?? sessionDirection ?? 'sendrecv',
    proto: audio.line.proto,
    crypto: SECURE_PROTOCOLS.has(audio.line.proto) ? audio.crypto : [],
    lines: streams.map((s) => s.line),
    index,
  };
}

/** The audio stream of a description; undefined when there is none, it is not SDP, or it cannot be used. */
export function parseSdp(body: Buffer | string): MediaDescription | undefined {
  const d = readSdp(body);
  return d && !isProblem(d) ? d : undefined;
}

export function isProblem(d: object | undefined): d is SdpProblem {
  return d !== undefined && 'status' in d;
}

/** The Warning header value for a problem (RFC 3261 20.43). */
export function warning(problem: SdpProblem, host: string): string {
  return `${problem.warning} ${host} "${problem.text}"`;
}

interface Connection {
  readonly address: string;
}
interface Stream {
  readonly line: MediaLine;
  readonly port: number;
  direction: Direction | undefined;
  connection?: Connection | SdpProblem;
  rtcpPort?: number;
  dtmf?: number;
  readonly crypto: CryptoAttribute[];
}

function bad(status: 400 | 488, code: number, text: string): SdpProblem {
  return { status, warning: code, text };
}

/** c=IN IP4|IP6 <address>[/ttl[/count]]: a unicast IP literal of the type named (no name to look up, no multicast). */
function readConnection(line: string): Connection | SdpProblem {
  const c = /^c=IN (IP4|IP6) ([^\s/]+)(?:\/\d+){0,2}$/.exec(line);
  if (!c) return bad(400, 399, 'malformed c= line');
  const [type, address] = [c[1] as string, c[2] as string];
  if (type === 'IP4' ? !isIPv4(address) : !isIPv6(address)) return bad(488, 301, 'incompatible network address format');
  if (type === 'IP4' ? isMulticast4(address) : /^ff/i.test(address)) return bad(488, 302, 'multicast address');
  return { address };
}

function isMulticast4(address: string): boolean {
  const first = Number(address.split('.')[0]);
  return (first >= 224 && first <= 239) || address === '255.255.255.255';
}

/** The direction to answer with: what we want, limited by what the far end offers (RFC 3264 6.1). */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const send = (wanted === 'sendrecv' || wanted === 'sendonly') && theyReceive;
  const receive = (wanted === 'sendrecv' || wanted === 'recvonly') && theySend;
  return send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
}
