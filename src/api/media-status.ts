/** What the phone shows and sends: LEDs, poll status, communication info, RTP session statistics. */
import { Type } from '@sinclair/typebox';
import type { Call } from '../phone/calls/call.js';
import { voiceQuality } from '../phone/calls/quality.js';
import type { MediaCounters } from '../phone/calls/signal.js';
import { ledsOf } from '../phone/leds.js';
import type { Phone } from '../phone/phone.js';
import { localTime, v1CallHandle } from './call-status.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S, strings } from './schema.js';

const LedSchema = Type.Object({ State: S, Color: Type.Optional(S) });

const ledStatus = defineOperation({
  needsCallApp: true,
  name: 'Management.LedStatus',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/ledStatus'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    Lines: Type.Array(Type.Object({ LineNumber: S, State: S, Color: Type.Optional(S) })),
    MWI: LedSchema,
    Mute: LedSchema,
    Speaker: LedSchema,
    Headset: LedSchema,
  }),
  handler: ({ phone }) => ({ data: ledsOf(phone) }),
});

const pollForStatus = defineOperation({
  name: 'Management.PollForStatus',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/pollForStatus'],
  inputFrom: 'none',
  transports: ['https', 'sip'],
  returnCodes: STANDARD_CODES,
  output: Type.Object({ State: S, StateData: S }),
  handler: ({ phone }) => {
    if (!phone.isReady) return { data: { State: 'Error', StateData: 'All Phone applications are not ready.' } };
    const active = phone.calls.active();
    if (active)
      return { data: { State: 'Active', StateData: `Active call duration ${clockTime(active.durationSeconds(phone.clock.now()))}` } };
    const last = phone.calls.lastCallEndedAt;
    // No call has ended since the phone started: nothing to tell (polysim's choice, docs/fidelity.md).
    return { data: { State: 'Idle', StateData: last === undefined ? '' : `Time of last call ${localTime(phone, last)}` } };
  },
});

/** Seconds as hours, minutes and seconds: 312 is 00:05:12, 100 hours 100:00:00 (polysim's form, docs/fidelity.md). */
export function clockTime(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
}

const COMMUNICATION: Record<Call['mediaDirection'], string> = {
  sendrecv: 'RxTx',
  sendonly: 'TxOnly',
  recvonly: 'RxOnly',
  inactive: 'None',
};

const communicationInfo = defineOperation({
  needsCallApp: true,
  name: 'Management.CommunicationInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/media/communicationInfo'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({ CommunicationType: Type.Array(S), FarEndMuteState: Type.Array(S), PhoneMuteState: S }),
  handler: ({ phone }) => {
    const calls = phone.calls.all();
    return {
      data: {
        CommunicationType: calls.length === 0 ? ['Idle'] : calls.map((c) => COMMUNICATION[c.mediaDirection]),
        FarEndMuteState: [],
        PhoneMuteState: phone.calls.muted ? 'True' : 'False',
      },
    };
  },
});

const Stream = strings([
  'Ref',
  'Category',
  'PacketsReceived',
  'PacketsSent',
  'OctetsReceived',
  'OctetsSent',
  'PacketsExpected',
  'PacketsLost',
  'Jitter',
  'MaxJitter',
  'Latency',
  'RxPayloadSize',
  'TxPayloadSize',
  'RxCodec',
  'TxCodec',
  'RxMOSCQ',
  'TxMOSCQ',
  'RxMOSLQ',
  'TxMOSLQ',
]);

/** G.722 at 20 ms: 50 packets a second of 160 bytes each way while media flows. */
const PPS = 50;
const PAYLOAD = 160;

/** The one-way network delay reported (loopback and LAN: what a phone shows on a quiet network). */
const LATENCY_MS = 20;

const CODEC_LABEL = { PCMU: '0:G.711Mu', PCMA: '8:G.711A', G722: '9:G.722' } as const;

/**
 * A stream's own reference (the manual's "<AUDIO STREAM REFERENCE>"), apart from its session's. Devices write it as
 * a handle of its own, `0x…` ("Ref": "0xb4e5dfa0" beside a video stream's "0xb4e5e9d8" in a Trio driver's sample):
 * polysim derives the audio stream's from the call's handle, so it is stable for the call's life. Under the manual's
 * dialect it stays the call's handle with the stream's kind.
 */
function audioStreamRef(phone: Phone, call: Call): string {
  if (phone.dialect.v1CallStatus !== 'device') return `${call.handle}-audio`;
  const n = (Number.parseInt(call.handle, 16) + 0x40) >>> 0;
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function audioStream(phone: Phone, call: Call): Record<string, string> {
  // A call on a real SIP line: what its RTP actually carried.
  const m = phone.network.media?.(call.callId);
  if (m) {
    const size = m.packetsReceived > 0 ? Math.round(m.octetsReceived / m.packetsReceived) : 0;
    const txSize = m.packetsSent > 0 ? Math.round(m.octetsSent / m.packetsSent) : 0;
    return {
      Ref: audioStreamRef(phone, call),
      Category: '0:Voice',
      PacketsReceived: String(m.packetsReceived),
      PacketsSent: String(m.packetsSent),
      OctetsReceived: String(m.octetsReceived),
      OctetsSent: String(m.octetsSent),
      PacketsExpected: String(m.packetsExpected),
      PacketsLost: String(m.packetsLost),
      Jitter: String(Math.round(m.jitterMs)),
      MaxJitter: String(Math.round(m.maxJitterMs)),
      Latency: String(LATENCY_MS),
      RxPayloadSize: String(size),
      TxPayloadSize: String(txSize),
      RxCodec: CODEC_LABEL[m.codec],
      TxCodec: CODEC_LABEL[m.codec],
      ...mosFields(m),
    };
  }
  const t = call.mediaTotals(phone.clock.now());
  const sent = Math.floor((t.sendMs * PPS) / 1000);
  const expected = Math.floor((t.recvMs * PPS) / 1000);
  const lost = Math.floor(expected / 1000);
  const received = expected - lost;
  return {
    Ref: audioStreamRef(phone, call),
    Category: '0:Voice',
    PacketsReceived: String(received),
    PacketsSent: String(sent),
    OctetsReceived: String(received * PAYLOAD),
    OctetsSent: String(sent * PAYLOAD),
    PacketsExpected: String(expected),
    PacketsLost: String(lost),
    Jitter: received > 0 ? '2' : '0',
    MaxJitter: received > 0 ? '6' : '0',
    Latency: '20',
    RxPayloadSize: String(PAYLOAD),
    TxPayloadSize: String(PAYLOAD),
    RxCodec: '9:G.722',
    TxCodec: '9:G.722',
    RxMOSCQ: '4.2',
    TxMOSCQ: '4.2',
    RxMOSLQ: '4.3',
    TxMOSLQ: '4.3',
  };
}

/** MOS of what was received (our counters) and of what we sent (the far end's RTCP reports), as an E-model gives it. */
function mosFields(m: MediaCounters): Record<'RxMOSCQ' | 'TxMOSCQ' | 'RxMOSLQ' | 'TxMOSLQ', string> {
  const rx = voiceQuality(m.packetsReceived > 0, m.packetsExpected > 0 ? m.packetsLost / m.packetsExpected : 0, m.jitterMs, LATENCY_MS);
  const tx = voiceQuality(m.packetsSent > 0, m.farEndLoss ?? 0, 0, LATENCY_MS);
  return { RxMOSCQ: rx.cq, TxMOSCQ: tx.cq, RxMOSLQ: rx.lq, TxMOSLQ: tx.lq };
}

const sessionStats = defineOperation({
  needsCallApp: true,
  name: 'Management.SessionStats',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/media/sessionStats'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Array(Type.Object({ Ref: S, SRTPCall: S, H235Call: S, H235DHKey: S, Streams: Type.Array(Stream) })),
  handler: ({ phone }) => ({
    data: phone.calls
      .all()
      .filter((c) => c.connectedAt !== undefined)
      .map((c) => ({
        // The session's Ref is the call's v1 CallHandle: clients match one with the other (docs/fidelity.md).
        Ref: v1CallHandle(phone, c),
        // SRTP as the call's SIP media negotiated it (SDES); calls without real media are never secure
        SRTPCall: phone.network.media?.(c.callId)?.secure ? 'True' : 'False',
        H235Call: 'False',
        H235DHKey: '',
        Streams: [audioStream(phone, c)],
      })),
  }),
});

export const mediaStatusOperations = [ledStatus, pollForStatus, communicationInfo, sessionStats];
