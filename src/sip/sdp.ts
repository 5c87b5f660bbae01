/**
 * SDP offers and answers for one audio stream (RFC 4566, RFC 3264): G.711 µ-law (0) and A-law (8) with
 * telephone-event (RFC 4733) for DTMF, and the direction attribute that holds and resumes calls.
 */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface Codec {
  readonly pt: number;
  readonly name: 'PCMU' | 'PCMA';
}

export const CODECS: readonly Codec[] = [{ pt: 0, name: 'PCMU' }, { pt: 8, name: 'PCMA' }];

export interface MediaDescription {
  readonly address: string;
  readonly port: number;
  /** payload types offered or chosen, in preference order */
  readonly payloads: readonly number[];
  readonly dtmfPayload: number | undefined;
  readonly direction: Direction;
}

export interface SdpOptions {
  readonly sessionId: string;
  readonly version: number;
  readonly address: string;
  readonly port: number;
  readonly payloads: readonly number[];
  readonly dtmfPayload: number;
  readonly direction: Direction;
}

export function writeSdp(o: SdpOptions): Buffer {
  const ip = o.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0', `o=- ${o.sessionId} ${o.version} IN ${ip} ${o.address}`, 's=Polycom IP Phone', `c=IN ${ip} ${o.address}`, 't=0 0',
    `m=audio ${o.port} RTP/AVP ${[...o.payloads, o.dtmfPayload].join(' ')}`,
    ...o.payloads.map((pt) => `a=rtpmap:${pt} ${CODECS.find((c) => c.pt === pt)?.name ?? 'PCMU'}/8000`),
    `a=rtpmap:${o.dtmfPayload} telephone-event/8000`, `a=fmtp:${o.dtmfPayload} 0-15`, 'a=ptime:20', `a=${o.direction}`,
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** The first audio stream of an SDP body; undefined when there is none (or it is not SDP). */
export function parseSdp(body: Buffer | string): MediaDescription | undefined {
  const text = body.toString();
  if (!/^v=0/m.test(text)) return undefined;
  let address = '';
  let media: { port: number; payloads: number[] } | undefined;
  let direction: Direction = 'sendrecv';
  let sessionDirection: Direction | undefined;
  let dtmf: number | undefined;
  let mediaAddress = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('c=')) {
      const a = line.split(/\s+/)[2] ?? '';
      if (media) mediaAddress = a;
      else address = a;
    } else if (line.startsWith('m=')) {
      if (media) break; // only the first stream
      const parts = line.slice(2).split(/\s+/);
      if (parts[0] !== 'audio') continue;
      media = { port: Number(parts[1]), payloads: parts.slice(3).map(Number).filter((n) => Number.isInteger(n)) };
    } else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
      const d = line.slice(2) as Direction;
      if (media) direction = d;
      else sessionDirection = d;
    } else if (media && /^a=rtpmap:\d+ telephone-event\//i.test(line)) {
      dtmf = Number(/^a=rtpmap:(\d+)/.exec(line)?.[1]);
    }
  }
  if (!media || !Number.isInteger(media.port)) return undefined;
  return {
    address: mediaAddress || address, port: media.port, payloads: media.payloads.filter((pt) => pt !== dtmf),
    dtmfPayload: dtmf, direction: direction !== 'sendrecv' ? direction : sessionDirection ?? direction,
  };
}

/** The direction to answer with: what we want, limited by what the far end offers (RFC 3264 6.1). */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const send = (wanted === 'sendrecv' || wanted === 'sendonly') && theyReceive;
  const receive = (wanted === 'sendrecv' || wanted === 'recvonly') && theySend;
  return send && receive ? 'sendrecv' : send ? 'sendonly' : receive ? 'recvonly' : 'inactive';
}
