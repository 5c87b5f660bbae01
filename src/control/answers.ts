/**
 * What the control API answers, as TypeBox schemas: Fastify serialises each answer with its schema, the OpenAPI
 * document shows them (openapi.ts), handlers are typed by them (control-route.ts), and the SDK's types are generated
 * from them (packages/client/src/types-control.ts, `npm run openapi`). The title of a schema is its SDK type name.
 */
import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { FarEndScriptSchema } from '../network/far-end-script.js';
import { families } from '../phone/models.js';
import type { FamilyId } from '../phone/models.js';
import { PhoneLifeStateSchema } from '../runtime/event-schemas.js';

const S = Type.String();

/** Every refusal and failure: 400 (bad input), 404 (no such phone, far end or script), 409 (not possible now), ... */
export const ErrorAnswer = Type.Object({ error: S }, { title: 'ControlError' });

/** A DELETE's answer: 204 and no body. */
export const NoContent = Type.Null({ description: 'no content' });

export const PhoneCallAnswer = Type.Object(
  {
    handle: S,
    callId: S,
    line: Type.Integer(),
    direction: S,
    state: S,
    remoteNumber: S,
    remoteName: S,
    dtmfReceived: S,
  },
  { title: 'ControlPhoneCall' },
);

export const PhoneAnswer = Type.Object(
  {
    index: Type.Integer({ minimum: 1 }),
    model: S,
    firmware: S,
    dialect: Type.Union([Type.Literal('device'), Type.Literal('manual')], {
      description: "whose answers the phone gives: captured devices' or the manual's",
    }),
    mac: S,
    serial: S,
    number: Type.String({ description: "line 1's number" }),
    state: PhoneLifeStateSchema,
    registered: Type.Boolean({
      description: 'the phone is up and every line with an address is registered (to the switchboard or a SIP server)',
    }),
    httpUrl: S,
    httpsUrl: S,
    listenError: Type.Optional(
      Type.Object(
        { code: S, message: S },
        { description: 'a listener that did not reopen after the last reboot: its error catalogue code and why' },
      ),
    ),
    family: Type.Union(
      Object.keys(families).map((f) => Type.Literal(f as FamilyId)),
      { description: "the model's family: what its screen and keys are (docs/models.md)" },
    ),
    keys: Type.Array(S, { description: 'the KeyNames simulateKeyEvent takes on this model (its key set)' }),
    screen: Type.Object(
      { width: Type.Integer(), height: Type.Integer(), touch: Type.Boolean() },
      { description: "the model's screen: pixels, and whether it is a touch screen" },
    ),
    lineKeys: Type.Integer({ minimum: 1, description: 'how many lines the model has' }),
    latencyMs: Type.Integer({ minimum: 0, description: 'extra processing time per request (PUT /phones/{i}/latency)' }),
    calls: Type.Array(PhoneCallAnswer),
    locked: Type.Boolean({ description: 'the phone is locked (phone lock)' }),
    user: Type.Optional(Type.String({ description: 'the user logged in (user profiles), when one is' })),
  },
  { title: 'ControlPhone', description: 'a phone of the fleet (GET /phones, /phones/{i})' },
);

export const ReadyAnswer = Type.Object(
  {
    ready: Type.Boolean(),
    phones: Type.Integer(),
    notReady: Type.Integer(),
    registered: Type.Integer({ description: 'phones whose every line with an address is registered' }),
  },
  { title: 'ControlReady' },
);

export const JournalEntryAnswer = Type.Object(
  {
    at: S,
    transport: S,
    method: S,
    url: S,
    from: Type.String({ description: "the sender's address" }),
    auth: Type.Optional(Type.String({ description: 'how the request authenticated, when it did' })),
    httpStatus: Type.Integer(),
    status: Type.Optional(Type.String({ description: 'the JSON Status, when the answer carried one' })),
    ms: Type.Number(),
    detail: Type.Optional(Type.String({ description: 'why an operation failed; for a posted document, what was posted and its fate' })),
    direction: Type.Optional(
      Type.Literal('out', { description: "'out': a document the phone posted (url is the receiver's); absent: a request it received" }),
    ),
  },
  { title: 'ControlJournalEntry' },
);

export const ConfigParamAnswer = Type.Object(
  {
    name: S,
    value: S,
    source: S,
    type: S,
    default: S,
    description: S,
  },
  { title: 'ControlConfigParam' },
);

export const ConfigPageAnswer = Type.Object(
  { total: Type.Integer(), params: Type.Array(ConfigParamAnswer) },
  { title: 'ControlConfigPage' },
);

export const ConfigValueAnswer = Type.Object({ value: S, source: S }, { title: 'ControlConfigValue' });
export const ConfigSetAnswer = Type.Record(S, ConfigValueAnswer, { title: 'ControlConfigSet' });

export const LatencyAnswer = Type.Object({ latencyMs: Type.Integer({ minimum: 0, maximum: 600_000 }) }, { title: 'ControlLatency' });

export const RegistrationAnswer = Type.Object(
  { line: Type.Integer({ minimum: 1 }), registered: Type.Boolean() },
  { title: 'ControlRegistration' },
);

export const FaultAnswer = Type.Object(
  {
    status: S,
    path: Type.Optional(S),
    remaining: Type.Integer({ description: 'requests it still answers' }),
  },
  { title: 'ControlFault' },
);
export const FaultsAnswer = Type.Array(FaultAnswer);

export const BluetoothDeviceSchema = Type.Object(
  {
    type: S,
    name: S,
    profile: S,
    connected: Type.Boolean(),
    signalStrength: Type.Integer(),
  },
  { additionalProperties: false, title: 'ControlBluetoothDevice' },
);
export const ModularRoomDeviceSchema = Type.Object(
  {
    name: S,
    model: S,
    mac: S,
    components: Type.Array(Type.Object({ componentType: S, version: S }, { additionalProperties: false })),
  },
  { additionalProperties: false, title: 'ControlModularRoomDevice' },
);
export const PeripheralsAnswer = Type.Object(
  {
    pcMac: S,
    bluetooth: Type.Array(BluetoothDeviceSchema),
    modularRoom: Type.Array(ModularRoomDeviceSchema),
  },
  { title: 'ControlPeripherals' },
);

export const LockAnswer = Type.Object({ locked: Type.Boolean() }, { title: 'ControlLock' });
export const UserAnswer = Type.Object({ user: S }, { title: 'ControlUser', description: 'the user logged in' });

export const PostsAnswer = Type.Object(
  {
    delivered: Type.Integer({ minimum: 0, description: 'documents the receiver took (2xx)' }),
    failed: Type.Integer({ minimum: 0, description: 'documents answered otherwise, or not within the deadline' }),
    dropped: Type.Integer({ minimum: 0, description: 'documents dropped unsent: the queue was full, or the phone went down' }),
    waiting: Type.Integer({ minimum: 0, description: 'documents waiting or in flight now' }),
  },
  { title: 'ControlPosts', description: "the phone's posted documents (telephony events, polled state) since it started" },
);

export const PushMessageAnswer = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    priority: Type.Union([Type.Literal('Critical'), Type.Literal('High'), Type.Literal('Important'), Type.Literal('Normal')]),
    text: Type.String({ description: 'the pushed page as text, without markup' }),
    url: Type.Optional(Type.String({ description: 'the URL it was fetched from (a URL push)' })),
    at: Type.String({ description: 'when it arrived (ISO 8601, the phone clock)' }),
  },
  { title: 'ControlPushMessage' },
);
export const PushAnswer = Type.Object(
  {
    shown: Type.Optional(PushMessageAnswer),
    queued: Type.Array(PushMessageAnswer, { description: 'waiting, in the order they will show' }),
    dropped: Type.Integer({ minimum: 0, description: 'messages dropped because too many waited' }),
  },
  { title: 'ControlPush', description: 'push messages on the screen: the one shown, and those waiting' },
);

export const InstantMessageAnswer = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    line: Type.Integer({ minimum: 1 }),
    direction: Type.Union([Type.Literal('in'), Type.Literal('out')], { description: 'received on the line, or sent from it' }),
    peer: Type.String({ description: "the other party's SIP URI (the sender, or the recipient)" }),
    name: Type.String({ description: "the sender's display name, when its From carried one" }),
    text: Type.String(),
    at: Type.String({ description: 'when it arrived or went (ISO 8601, the phone clock)' }),
    read: Type.Boolean(),
  },
  { title: 'ControlInstantMessage' },
);
export const InboxAnswer = Type.Object(
  {
    unread: Type.Integer({ minimum: 0 }),
    messages: Type.Array(InstantMessageAnswer, { description: 'oldest first; the phone keeps the last 50' }),
  },
  { title: 'ControlInbox', description: "the phone's instant messages (SIP MESSAGE), received and sent" },
);
export const ContactAnswer = Type.Object(
  {
    fn: Type.String({ maxLength: 128, description: 'first name' }),
    ln: Type.String({ maxLength: 128, description: 'last name' }),
    ct: Type.String({ minLength: 1, maxLength: 128, description: 'the contact: a number or SIP URI' }),
    sd: Type.Optional(Type.Integer({ minimum: 1, maximum: 9999, description: 'speed-dial index' })),
  },
  { title: 'ControlContact', additionalProperties: false, examples: [{ fn: 'Ada', ln: 'Lovelace', ct: '1002', sd: 1 }] },
);
export const DirectoryAnswer = Type.Object(
  { contacts: Type.Array(ContactAnswer, { maxItems: 1000 }) },
  { title: 'ControlDirectory', description: "the phone's local contact directory, in its order" },
);
export const MessageSentAnswer = Type.Object(
  {
    status: Type.Integer({ description: 'the final SIP status the far end (or a proxy) answered; 408 when none came' }),
    reason: Type.String(),
  },
  { title: 'ControlMessageSent' },
);

export const FarEndAnswer = Type.Object(
  {
    id: S,
    direction: Type.Union([Type.Literal('to-phone'), Type.Literal('from-phone')]),
    number: S,
    name: S,
    phoneNumber: S,
    callId: S,
    state: Type.Union([Type.Literal('calling'), Type.Literal('ringing'), Type.Literal('connected'), Type.Literal('ended')]),
    holding: Type.Boolean({ description: 'this far end holds the call' }),
    heldByPhone: Type.Boolean({ description: 'the phone holds this far end' }),
    dtmfReceived: S,
  },
  { title: 'ControlFarEnd', description: "the far end of a call (the switchboard's caller or callee)" },
);

export const ClockAnswer = Type.Object(
  {
    now: Type.String({
      description: "the fleet clock's time (ISO 8601): what every phone's timers, uptime, call durations and logs follow",
    }),
    epochMs: Type.Integer({ description: 'the same, in milliseconds since the Unix epoch' }),
    speed: Type.Number({ minimum: 0, description: 'times real time (0: stopped; it moves only when advanced)' }),
  },
  { title: 'ControlClock' },
);

export const ScriptAnswer = Type.Object(FarEndScriptSchema.properties, { title: 'ControlScript' });
export const ScriptsAnswer = Type.Object({ default: ScriptAnswer, numbers: Type.Record(S, ScriptAnswer) }, { title: 'ControlScripts' });

/** The named answers, in the order the SDK's generated file lists them. */
/** A shard of the fleet (GET /shards): this control API or a peer. */
export const ShardAnswer = Type.Object(
  {
    name: Type.String({ description: "the shard's control API as host:port: how the dashboard and polysim ctl name it" }),
    url: Type.String({ description: 'its control API, e.g. http://10.0.0.5:8790 (this one: as the request reached it)' }),
    local: Type.Boolean({ description: 'this control API' }),
  },
  { title: 'ControlShard' },
);

export const ANSWERS: readonly TSchema[] = [
  ErrorAnswer,
  PhoneCallAnswer,
  PhoneAnswer,
  ReadyAnswer,
  JournalEntryAnswer,
  ConfigParamAnswer,
  ConfigPageAnswer,
  ConfigValueAnswer,
  ConfigSetAnswer,
  LatencyAnswer,
  RegistrationAnswer,
  FaultAnswer,
  BluetoothDeviceSchema,
  ModularRoomDeviceSchema,
  PeripheralsAnswer,
  LockAnswer,
  UserAnswer,
  PostsAnswer,
  PushMessageAnswer,
  PushAnswer,
  InstantMessageAnswer,
  InboxAnswer,
  MessageSentAnswer,
  FarEndAnswer,
  ScriptAnswer,
  ShardAnswer,
  ScriptsAnswer,
  ClockAnswer,
];

/** `{ 400: ErrorAnswer, 404: ErrorAnswer, ... }` for the codes given. */
export function refusals<const C extends readonly number[]>(...codes: C): { [K in C[number]]: typeof ErrorAnswer } {
  return Object.fromEntries(codes.map((c) => [c, ErrorAnswer])) as { [K in C[number]]: typeof ErrorAnswer };
}
