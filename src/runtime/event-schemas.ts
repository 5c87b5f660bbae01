/**
 * The events of polysim's event stream (GET /events), as TypeBox schemas: the one definition the server types its
 * events with (Static), the OpenAPI document shows, and the SDK's types are generated from
 * (packages/client/src/types-control.ts, `npm run openapi`).
 */
import { Type } from '@sinclair/typebox';
import type { Static, TProperties } from '@sinclair/typebox';

const S = Type.String();
export const EventLedSchema = Type.Object({ State: S, Color: Type.Optional(S) }, { title: 'EventLed' });
export const EventLedsSchema = Type.Object(
  {
    Lines: Type.Array(Type.Object({ LineNumber: S, State: S, Color: Type.Optional(S) })),
    MWI: EventLedSchema,
    Mute: EventLedSchema,
    Speaker: EventLedSchema,
    Headset: EventLedSchema,
  },
  { title: 'EventLeds' },
);
export const EventCallSchema = Type.Object(
  {
    handle: S,
    line: Type.Integer(),
    state: S,
    direction: Type.Union([Type.Literal('Incoming'), Type.Literal('Outgoing')]),
    remoteNumber: S,
    remoteName: S,
    ringing: Type.Boolean(),
    connectedAt: Type.Optional(
      Type.String({ description: 'when the call was first connected (ISO 8601, the phone clock: GET /clock reads it now)' }),
    ),
  },
  { title: 'EventCall' },
);
export const EventLineSchema = Type.Object(
  {
    line: Type.Integer(),
    address: S,
    label: Type.String({ description: "what the line key shows: reg.N.label, else the address's user" }),
    registered: Type.Boolean(),
    server: Type.Optional(
      Type.String({ description: 'a line of a real SIP server: the server ("host:port") registered with or tried last' }),
    ),
    reason: Type.Optional(Type.String({ description: 'why such a line is not registered ("no answer", "403 Forbidden", ...)' })),
  },
  { title: 'EventLine' },
);
export const EventScreenSchema = Type.Object(
  {
    view: S,
    softkeys: Type.Array(S),
    dialBuffer: S,
    text: S,
    selectedLine: Type.Integer(),
    offHook: Type.Boolean(),
    push: Type.Optional(
      Type.Object(
        { priority: S, text: S, url: Type.Optional(S), waiting: Type.Integer() },
        { description: 'the push message the microbrowser shows, and how many wait' },
      ),
    ),
    message: Type.Optional(
      Type.Object(
        { unread: Type.Integer(), line: Type.Integer(), from: S, text: S },
        { description: 'unread instant messages (SIP MESSAGE): how many, and the newest one' },
      ),
    ),
    locked: Type.Optional(Type.Boolean({ description: 'the phone is locked' })),
  },
  { title: 'EventScreen' },
);
export const PhoneLifeStateSchema = Type.Union([Type.Literal('down'), Type.Literal('initializing'), Type.Literal('ready')], {
  title: 'PhoneLifeState',
});

const base = {
  seq: Type.Integer({
    minimum: 1,
    description: 'increases by one for every event of the process; a gap means events were dropped (a slow reader)',
  }),
  at: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', description: 'ISO 8601 time' }),
  phone: Type.Integer({ minimum: 1, description: 'the phone, from 1 in the order of the fleet' }),
};
function event<T extends string, P extends TProperties>(type: T, title: string, fields: P) {
  return Type.Object({ type: Type.Literal(type), ...base, ...fields }, { additionalProperties: false, title });
}

/** Every event of GET /events, one schema per type (the title is the SDK's type name). */
export const EventSchemas = {
  snapshot: event('snapshot', 'SnapshotEvent', {
    state: PhoneLifeStateSchema,
    model: S,
    firmware: S,
    number: S,
    calls: Type.Array(EventCallSchema),
    leds: EventLedsSchema,
    lines: Type.Array(EventLineSchema),
    screen: EventScreenSchema,
    lastRequest: Type.Optional(
      Type.Object(
        {
          at: S,
          transport: S,
          method: S,
          url: S,
          auth: Type.Optional(S),
          httpStatus: Type.Integer(),
          status: Type.Optional(S),
          ms: Type.Number(),
        },
        { description: 'the last request the phone answered before this snapshot, from its journal' },
      ),
    ),
  }),
  state: event('state', 'StateEvent', {
    state: PhoneLifeStateSchema,
    reason: Type.Optional(Type.Union([Type.Literal('reboot'), Type.Literal('restart')])),
  }),
  calls: event('calls', 'CallsEvent', { calls: Type.Array(EventCallSchema) }),
  leds: event('leds', 'LedsEvent', { leds: EventLedsSchema }),
  screen: event('screen', 'ScreenEvent', { screen: EventScreenSchema }),
  registration: event('registration', 'RegistrationEvent', { lines: Type.Array(EventLineSchema) }),
  config: event('config', 'ConfigEvent', { layer: S, names: Type.Array(S) }),
  request: event('request', 'RequestEvent', {
    transport: S,
    method: S,
    url: S,
    auth: Type.Optional(S),
    httpStatus: Type.Integer(),
    status: Type.Optional(S),
    ms: Type.Number(),
    direction: Type.Optional(
      Type.Literal('out', { description: "'out': a document the phone posted (url is the receiver's); absent: a request it received" }),
    ),
    detail: Type.Optional(Type.String({ description: 'for posted documents: what was posted, and why it failed or was dropped' })),
    requestHeaders: Type.Optional(
      Type.Record(S, S, { description: "the request's headers (Authorization and cookies redacted), cut at 2 KB" }),
    ),
    requestBody: Type.Optional(Type.String({ description: 'cut at 2 KB, secrets masked' })),
    responseBody: Type.Optional(Type.String({ description: 'cut at 2 KB, secrets masked' })),
  }),
  provisioning: event('provisioning', 'ProvisioningEvent', {
    trigger: Type.Union([Type.Literal('boot'), Type.Literal('poll'), Type.Literal('request')], {
      description: 'what started the run: the boot, the polling schedule (prov.polling.*), or a request',
    }),
    startedAt: Type.String({ description: 'when the run began (ISO 8601, the phone clock)' }),
    ok: Type.Boolean({ description: 'false: a file failed, and the phone keeps its last good configuration' }),
    files: Type.Array(S, { description: 'the files fetched, in order' }),
    changed: Type.Array(S, { description: 'parameters whose CONFIG value the run changed (at most 1000)' }),
    ignored: Type.Array(S, { description: 'parameters the phone does not have, or values not valid (at most 1000)' }),
    error: Type.Optional(Type.String({ description: 'why the run failed' })),
    then: Type.Union([Type.Literal('none'), Type.Literal('reboot'), Type.Literal('update')], {
      description: "what the phone does next: 'reboot' for a device.* change, 'update' to install a new software image",
    }),
  }),
} as const;

const E = EventSchemas;
export const EventSchema = Type.Union(
  [E.snapshot, E.state, E.calls, E.leds, E.screen, E.registration, E.config, E.request, E.provisioning],
  {
    title: 'PolysimEvent',
    description: 'an event of the stream: a snapshot per phone first, then every change',
  },
);

export type PolysimEvent = Static<typeof EventSchema>;
export type EventCall = Static<typeof EventCallSchema>;
export type EventLine = Static<typeof EventLineSchema>;
export type EventScreen = Static<typeof EventScreenSchema>;
export type EventLeds = Static<typeof EventLedsSchema>;
