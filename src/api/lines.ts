/** Line information v1 and v2, and the transfer type; all from the reg.* and call.* configuration. */
import { Type } from '@sinclair/typebox';
import type { Line } from '../phone/lines.js';
import { PhoneError, Status } from '../phone/status.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S, strings, tf } from './schema.js';

const TRANSPORT_LABEL: Readonly<Record<string, string>> = {
  DNSnaptr: 'DNSnaptr',
  TCPpreferred: 'TcpPreferred',
  UDPOnly: 'UdpOnly',
  TLS: 'TLS',
  TCPOnly: 'TcpOnly',
};

const registration = (line: Line): string => (line.registered ? 'Registered' : 'Unregistered');
const lineType = (line: Line): string => (line.type === 'shared' ? 'Shared' : 'Private');
/** v1 lineInfo as devices write it: "registered", "private" (docs/fidelity.md). */
const cased = (lower: boolean, s: string): string => (lower ? s.toLowerCase() : s);

const LineV1 = strings([
  'LineNumber',
  'Protocol',
  'SIPAddress',
  'ProxyAddress',
  'UserID',
  'Label',
  'LineType',
  'RegistrationStatus',
  'Port',
]);

const lineInfoV1 = defineOperation({
  name: 'Management.LineInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/lineInfo'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Array(LineV1),
  handler: ({ phone }) => {
    const lower = phone.dialect.lineInfoCase === 'lower';
    const lines = phone.lines.all().filter((l) => phone.dialect.lineInfoLines === 'all' || l.assigned);
    return {
      data: lines.map((line) => ({
        LineNumber: String(line.number),
        Protocol: 'SIP',
        SIPAddress: line.address,
        ProxyAddress: line.servers[0]?.address ?? '',
        UserID: line.userId,
        Label: line.label,
        LineType: cased(lower, lineType(line)),
        RegistrationStatus: cased(lower, registration(line)),
        Port: String(line.servers[0]?.port ?? 0),
      })),
    };
  },
});

const LineV2 = Type.Object({
  ID: S,
  Label: S,
  Username: S,
  Assigned: S,
  RegistrationStatus: S,
  Type: S,
  Active: S,
  DoNotDisturb: S,
  CallAppearances: Type.Array(S),
  CallServers: Type.Array(strings(['ID', 'Address', 'RegistrationStatus', 'Port', 'Expires', 'Transport', 'Working'])),
  ForwardingConfig: strings(['Always', 'DoNotDisturb', 'Busy', 'NoAnswer']),
});

const lineInfoV2 = defineOperation({
  name: 'Management.LineInfoV2',
  methods: ['GET'],
  paths: ['/api/v2/mgmt/lineInfo'],
  inputFrom: 'query',
  input: Type.Object({ line: Type.Optional(Type.String({ pattern: '^\\d+$' })) }, { examples: [{ line: '1' }] }),
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4000, 4005],
  output: Type.Array(LineV2),
  handler: ({ phone, input }) => {
    let lines: Line[];
    if (input?.line !== undefined) {
      const n = Number(input.line);
      if (!phone.lines.exists(n)) throw new PhoneError(Status.LINE_DOES_NOT_EXIST, `line ${n}`);
      lines = [phone.lines.get(n)];
    } else {
      lines = phone.lines.all();
    }
    return {
      data: lines.map((line) => ({
        ID: String(line.number),
        Label: line.label,
        Username: line.userId,
        Assigned: tf(line.assigned),
        RegistrationStatus: registration(line),
        Type: lineType(line),
        Active: tf(phone.callsOnLine(line.number).length > 0),
        DoNotDisturb: 'False',
        CallAppearances: phone.callsOnLine(line.number),
        CallServers: line.servers.map((s) => {
          // a line registered to a real SIP server is registered with one of its servers (the others are standby)
          const up = line.registered && (line.sip === undefined || line.sip.server === s.index);
          return {
            ID: String(s.index),
            Address: s.address,
            RegistrationStatus: up ? 'Registered' : 'Unregistered',
            Port: String(s.port),
            Expires: String(s.expires),
            Transport: TRANSPORT_LABEL[s.transport] ?? 'Invalid',
            Working: tf(up),
          };
        }),
        ForwardingConfig: {
          Always: line.forwarding.always,
          DoNotDisturb: line.forwarding.dnd,
          Busy: line.forwarding.busy,
          NoAnswer: line.forwarding.noAnswer,
        },
      })),
    };
  },
});

const getTransferType = defineOperation({
  name: 'Management.GetTransferType',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/transferType/get'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({ Type: S }),
  handler: ({ phone }) => ({ data: { Type: phone.config.value('call.transfer.type') } }),
});

const setTransferType = defineOperation({
  name: 'Management.SetTransferType',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/transferType/set'],
  inputFrom: 'body',
  input: Type.Object({ Type: Type.String() }, { examples: [{ Type: 'Consultative' }] }),
  returnCodes: [...STANDARD_CODES, 4000],
  handler: ({ phone, input }) => {
    phone.config.set('LOCAL', { 'call.transfer.type': input.Type });
    return {};
  },
});

export const lineOperations = [lineInfoV1, lineInfoV2, getTransferType, setTransferType];
