/** WebCallControl: dial, answer, reject, ignore, end, hold, resume, join, transfer, mute, DTMF. */
import { Type } from '@sinclair/typebox';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { NumberLike } from './schema.js';

/** Ref: a CallHandle from callStatus v2 (with or without 0x) or a SIP Call-ID. */
const Ref = Type.String({ minLength: 1, examples: ['0x1b3a5c40'] });
/** Without Ref the operation acts on the call it concerns (the ringing, active or held one), as the example shows. */
const OptionalRef = Type.Object({ Ref: Type.Optional(Ref) }, { examples: [{}] });

const dial = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.Dial',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/dial'],
  inputFrom: 'body',
  input: Type.Object(
    {
      Dest: Type.String({ minLength: 1 }),
      Line: Type.Optional(NumberLike),
      Type: Type.Optional(Type.String({ pattern: '^([Ss][Ii][Pp]|[Tt][Ee][Ll]|[Hh]323)$' })),
    },
    { examples: [{ Dest: '1002', Line: '1', Type: 'SIP' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4005],
  handler: ({ phone, input }) => {
    const line = input.Line === undefined ? 1 : Number(input.Line);
    phone.calls.dial(line, input.Dest);
    return {};
  },
});

const answerCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.AnswerCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/answerCall'],
  inputFrom: 'body',
  input: OptionalRef,
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.answer(input?.Ref);
    return {};
  },
});

const rejectCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.RejectCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/rejectCall'],
  inputFrom: 'body',
  input: OptionalRef,
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.reject(input?.Ref);
    return {};
  },
});

const ignoreCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.IgnoreCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/ignoreCall'],
  inputFrom: 'body',
  input: OptionalRef,
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.ignore(input?.Ref);
    return {};
  },
});

const endCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.EndCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/endCall'],
  inputFrom: 'body',
  input: Type.Object({ Ref }, { examples: [{ Ref: '0x1b3a5c40' }] }),
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.end(input.Ref);
    return {};
  },
});

const holdCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.HoldCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/holdCall'],
  inputFrom: 'body',
  input: OptionalRef,
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.hold(input?.Ref);
    return {};
  },
});

const resumeCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.ResumeCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/resumeCall'],
  inputFrom: 'body',
  input: OptionalRef,
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.resume(input?.Ref);
    return {};
  },
});

const joinCalls = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.JoinCalls',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/joinCalls'],
  inputFrom: 'body',
  input: Type.Object({}, { examples: [{}] }),
  inputOptional: true,
  returnCodes: [...STANDARD_CODES, 4000, 4007],
  available: (phone) => (phone.profile.joinCalls ? 'yes' : 'absent'),
  handler: ({ phone }) => {
    phone.calls.join();
    return {};
  },
});

const transferCall = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.TransferCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/transferCall'],
  inputFrom: 'body',
  input: Type.Object(
    { Ref, TransferDest: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]) },
    { examples: [{ Ref: '0x1b3a5c40', TransferDest: '1003' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.transfer(input.Ref, String(input.TransferDest));
    return {};
  },
});

const mute = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.MuteCall',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/mute'],
  inputFrom: 'body',
  // The manual writes `state`; clients send it in either case, as a string or a number.
  input: Type.Union(
    [
      Type.Object({ state: Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal(0), Type.Literal(1)]) }),
      Type.Object({ State: Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal(0), Type.Literal(1)]) }),
    ],
    { examples: [{ state: '1' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    const v = 'state' in input ? input.state : input.State;
    phone.calls.setMute(String(v) === '1');
    return {};
  },
});

const sendDtmf = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.SendDTMF',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/sendDTMF'],
  inputFrom: 'body',
  input: Type.Object(
    { Digits: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]) },
    { examples: [{ Digits: '1234#' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4007],
  handler: ({ phone, input }) => {
    phone.calls.sendDtmf(String(input.Digits));
    return {};
  },
});

const warmTransfer = defineOperation({
  needsCallApp: true,
  name: 'WebCallControl.WarmTransfer',
  methods: ['POST'],
  paths: ['/api/v1/callctrl/warmTransfer'],
  inputFrom: 'body',
  transports: ['sip'],
  input: Type.Object({ 'Ref-A': Ref, 'Ref-B': Ref }, { examples: [{ 'Ref-A': '0x1b3a5c40', 'Ref-B': '0x1b3a6e80' }] }),
  returnCodes: [...STANDARD_CODES, 4000, 4003, 4007],
  handler: ({ phone, input }) => {
    phone.calls.warmTransfer(input['Ref-A'], input['Ref-B']);
    return {};
  },
});

export const callControlOperations = [
  warmTransfer,
  dial,
  answerCall,
  rejectCall,
  ignoreCall,
  endCall,
  holdCall,
  resumeCall,
  joinCalls,
  transferCall,
  mute,
  sendDtmf,
];
