/** What the phone knows of its calls: callStatus v1 and v2, sipStatus, call logs. */
import { Type } from '@sinclair/typebox';
import type { Call } from '../phone/calls/call.js';
import type { Phone } from '../phone/phone.js';
import { PhoneError, Status } from '../phone/status.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S, strings } from './schema.js';

/** The phone's local time as callStatus prints it: 2017-08-24T12:07:49. */
export function localTime(phone: Phone, at: number): string {
  return new Date(at + phone.config.int('device.sntp.gmtOffset') * 1000).toISOString().slice(0, 19);
}

/**
 * A call's handle as v1 callStatus writes it, and sessionStats its session Ref: `0x…` as devices answer, bare under
 * the manual's dialect (the v1CallStatus fact). Monitoring clients match the one with the other (docs/fidelity.md).
 */
export function v1CallHandle(phone: Phone, call: Call): string {
  return phone.dialect.v1CallStatus === 'device' ? `0x${call.handle}` : call.handle;
}

const callStatusV1 = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.CallStatus',
  methods: ['GET'],
  paths: ['/api/v1/webCallControl/callStatus'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4007],
  // As a Trio driver run against real phones reads it: "0x" handle, LineId (docs/fidelity.md).
  output: strings(['CallHandle', 'Type', 'Protocol', 'CallState', 'LineId', 'RemotePartyName', 'RemotePartyNumber', 'DurationInSeconds']),
  // The manual's LineID under the manual dialect (the v1CallStatus fact).
  manualOutput: strings([
    'CallHandle',
    'Type',
    'Protocol',
    'CallState',
    'LineID',
    'RemotePartyName',
    'RemotePartyNumber',
    'DurationInSeconds',
  ]),
  handler: ({ phone }) => {
    const call = phone.calls.active();
    if (!call) throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no call');
    const addr = call.remote.address;
    const device = phone.dialect.v1CallStatus === 'device';
    return {
      data: {
        CallHandle: v1CallHandle(phone, call),
        Type: call.direction,
        Protocol: 'SIP',
        CallState: call.stateLabel,
        [device ? 'LineId' : 'LineID']: String(call.line),
        RemotePartyName: call.remote.name || call.remote.number,
        RemotePartyNumber: addr ? `sip:${call.remote.number}@${addr}` : call.remote.number,
        DurationInSeconds: String(call.durationSeconds(phone.clock.now())),
      },
    };
  },
});

const CallV2 = strings([
  'Remote Connection IP',
  'Media Direction',
  'CallHandle',
  'Type',
  'RemotePartyName',
  'RemotePartyNumber',
  'CallState',
  'Protocol',
  'StartTime',
  'DurationSeconds',
  'LineID',
  'CallSequence',
  'UIAppearanceIndex',
  'Ringing',
  'Muted',
  'RTPPort',
  'RTCPPort',
]);

function v2(phone: Phone, call: Call, appearance: number, active: Call | undefined): Record<string, string> {
  const now = phone.clock.now();
  // a call on a real SIP line: its actual RTP port
  const rtp = phone.network.media?.(call.callId)?.localPort ?? call.rtpPort;
  return {
    'Remote Connection IP': call.remote.address,
    'Media Direction': call.mediaDirection,
    CallHandle: call.handle,
    Type: call.direction,
    RemotePartyName: call.remote.name,
    RemotePartyNumber: call.remote.number,
    CallState: call.stateLabel,
    Protocol: 'SIP',
    StartTime: localTime(phone, call.createdAt),
    DurationSeconds: String(call.durationSeconds(now)),
    LineID: String(call.line),
    CallSequence: String(call.sequence),
    UIAppearanceIndex: `${appearance}${call === active ? '*' : ''}`,
    Ringing: call.ringing ? '1' : '0',
    Muted: phone.calls.muted && call === active ? '1' : '0',
    RTPPort: String(rtp),
    RTCPPort: String(rtp + 1),
  };
}

const DIGITS = /^\d+$/;

const callStatusV2 = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.CallStatusV2',
  methods: ['GET'],
  paths: ['/api/v2/webCallControl/callStatus'],
  inputFrom: 'query',
  input: Type.Record(Type.String(), Type.String(), { examples: [{ line: '1' }] }),
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4000, 4005, 4007],
  output: Type.Array(CallV2),
  handler: ({ phone, input }) => {
    const q = input ?? {};
    const keys = Object.keys(q).sort().join(',');
    if (!['', 'handle', 'line', 'line,sequence'].includes(keys)) {
      throw new PhoneError(Status.INVALID_INPUT, 'query: none, handle, line, or line and sequence');
    }
    if ((q['line'] !== undefined && !DIGITS.test(q['line'])) || (q['sequence'] !== undefined && !DIGITS.test(q['sequence']))) {
      throw new PhoneError(Status.INVALID_INPUT, 'line and sequence are numbers');
    }
    const all = phone.calls.all();
    const active = phone.calls.active();
    let rows = all.map((c, i) => ({ c, i }));
    if (q['handle'] !== undefined) {
      const call = phone.calls.find(q['handle']);
      rows = rows.filter((r) => r.c === call);
    }
    if (q['line'] !== undefined) {
      const line = Number(q['line']);
      if (!phone.lines.exists(line)) throw new PhoneError(Status.LINE_DOES_NOT_EXIST, `line ${line}`);
      rows = rows.filter((r) => r.c.line === line && (q['sequence'] === undefined || r.c.sequence === Number(q['sequence'])));
    }
    return { data: rows.map((r) => v2(phone, r.c, r.i + 1, active)) };
  },
});

const sipStatus = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.SipStatus',
  methods: ['POST', 'GET'],
  paths: ['/api/v1/webCallControl/sipStatus'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    User: Type.Array(
      Type.Object({
        Name: S,
        TotalEvents: S,
        LineNumber: S,
        Events: Type.Array(Type.Record(Type.String(), Type.String())),
        TotalCalls: S,
        Calls: Type.Array(strings(['CallState', 'CallID'])),
      }),
    ),
    TotalUser: S,
  }),
  handler: ({ phone }) => {
    const now = phone.clock.now();
    const ended = phone.calls.recentlyEnded();
    const users = phone.lines
      .all()
      .filter((l) => l.registered)
      .map((line) => {
        const expires = line.servers[0]?.expires ?? 3600;
        const sinceBoot = Math.floor((now - phone.appStartedAt) / 1000);
        // a line on a real SIP server: its REGISTER's Call-ID and the time left of what the server granted
        const sip = line.sip;
        const events = [
          {
            Type: 'Register',
            Overlap: String(Math.min(120, Math.floor(expires / 2))),
            CallID: sip?.callId ?? `${phone.identity.mac.toLowerCase()}-reg-${line.number}@${phone.ipv4}`,
            RegistrationState: 'Registered',
            Expires: String(
              sip?.expiresAt !== undefined ? Math.max(0, Math.round((sip.expiresAt - now) / 1000)) : expires - (sinceBoot % expires),
            ),
          },
        ];
        const calls = [
          ...phone.calls.onLine(line.number).map((c) => ({ CallState: c.stateLabel, CallID: c.callId })),
          ...ended.filter((c) => c.line === line.number).map((c) => ({ CallState: 'Disconnected', CallID: c.callId })),
        ];
        return {
          Name: line.address.split('@')[0] ?? '',
          TotalEvents: String(events.length),
          LineNumber: String(line.number),
          Events: events,
          TotalCalls: String(calls.length),
          Calls: calls,
        };
      });
    return { data: { User: users, TotalUser: String(users.length) } };
  },
});

const KINDS = { missed: 'Missed', received: 'Received', placed: 'Placed' } as const;

/** "39 secs", "4 mins 49 secs", "1 hours 2 mins 5 secs"; "" for a call that never talked, as phones write it. */
export function durationWords(seconds: number): string {
  if (seconds <= 0) return '';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h > 0 ? `${h} hours` : '', h > 0 || m > 0 ? `${m} mins` : '', `${s} secs`].filter(Boolean).join(' ');
}
const LogEntry = strings(['LineNumber', 'StartTime', 'RemotePartyName', 'RemotePartyNumber', 'Duration']);

const callLogs = defineOperation({
  name: 'WebCallControl.CallLogs',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/callLogs', '/api/v1/mgmt/callLogs/missed', '/api/v1/mgmt/callLogs/received', '/api/v1/mgmt/callLogs/placed'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    Missed: Type.Optional(Type.Array(LogEntry)),
    Received: Type.Optional(Type.Array(LogEntry)),
    Placed: Type.Optional(Type.Array(LogEntry)),
  }),
  // Capitalised groups as devices answer, lower case as the manual prints them (the callLogKeys fact).
  manualOutput: Type.Object(
    {
      missed: Type.Optional(Type.Array(LogEntry)),
      received: Type.Optional(Type.Array(LogEntry)),
      placed: Type.Optional(Type.Array(LogEntry)),
    },
    { additionalProperties: false },
  ),
  handler: ({ phone, path }) => {
    const only = path.split('/')[5] as keyof typeof KINDS | undefined;
    const log = phone.callLog().reverse();
    const data: Record<string, unknown> = {};
    const capitalised = phone.dialect.callLogKeys === 'capitalised';
    for (const [kind, key] of Object.entries(KINDS)) {
      if (only && only !== kind) continue;
      data[capitalised ? key : kind] = log
        .filter((r) => r.kind === kind)
        .map((r) => ({
          LineNumber: String(r.line),
          StartTime: localTime(phone, r.startTime),
          RemotePartyName: r.remoteName,
          RemotePartyNumber: r.remoteNumber,
          Duration: phone.dialect.callLogDuration === 'words' ? durationWords(r.durationSeconds) : String(r.durationSeconds),
        }));
    }
    return { data };
  },
});

export const callStatusOperations = [callStatusV1, callStatusV2, sipStatus, callLogs];
