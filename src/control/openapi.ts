/**
 * The control API and its event stream in the OpenAPI document (tag "polysim control"): polysim's own paths, served
 * from the control port (each path names its server). The event schemas are TypeBox's; test/events.test.ts checks
 * that they and the SDK's PolysimEvent type describe the same events, and every event the stream sends.
 */
import { Type } from '@sinclair/typebox';
import type { TProperties, TSchema } from '@sinclair/typebox';
import { FarEndScriptSchema } from '../network/far-end-script.js';

type Json = Record<string, unknown>;

const S = Type.String();
const Led = Type.Object({ State: S, Color: Type.Optional(S) });
const Leds = Type.Object({ Lines: Type.Array(Type.Object({ LineNumber: S, State: S, Color: Type.Optional(S) })), MWI: Led, Mute: Led, Speaker: Led, Headset: Led });
const Call = Type.Object({ handle: S, line: Type.Integer(), state: S, direction: Type.Union([Type.Literal('Incoming'), Type.Literal('Outgoing')]),
  remoteNumber: S, remoteName: S, ringing: Type.Boolean() });
const Line = Type.Object({ line: Type.Integer(), address: S, registered: Type.Boolean(),
  server: Type.Optional(Type.String({ description: 'a line of a real SIP server: the server registered with or tried last' })),
  reason: Type.Optional(Type.String({ description: 'why such a line is not registered' })) });
const Screen = Type.Object({ view: S, softkeys: Type.Array(S), dialBuffer: S, text: S, selectedLine: Type.Integer(), offHook: Type.Boolean() });
const Life = Type.Union([Type.Literal('down'), Type.Literal('initializing'), Type.Literal('ready')]);
const base = {
  seq: Type.Integer({ minimum: 1 }),
  at: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', description: 'ISO 8601 time' }),
  phone: Type.Integer({ minimum: 1 }),
};
function event<T extends string, P extends TProperties>(type: T, fields: P) {
  return Type.Object({ type: Type.Literal(type), ...base, ...fields }, { additionalProperties: false, title: type });
}

/** Every event of GET /events, one schema per type. */
export const EventSchemas = {
  snapshot: event('snapshot', { state: Life, model: S, firmware: S, number: S, calls: Type.Array(Call), leds: Leds, lines: Type.Array(Line), screen: Screen }),
  state: event('state', { state: Life, reason: Type.Optional(Type.Union([Type.Literal('reboot'), Type.Literal('restart')])) }),
  calls: event('calls', { calls: Type.Array(Call) }),
  leds: event('leds', { leds: Leds }),
  screen: event('screen', { screen: Screen }),
  registration: event('registration', { lines: Type.Array(Line) }),
  config: event('config', { layer: S, names: Type.Array(S) }),
  request: event('request', { transport: S, method: S, url: S, auth: Type.Optional(S), httpStatus: Type.Integer(), status: Type.Optional(S), ms: Type.Number(),
    requestHeaders: Type.Optional(Type.Record(S, S)), requestBody: Type.Optional(S), responseBody: Type.Optional(S) }),
} as const;

const E = EventSchemas;
export const EventSchema = Type.Union([E.snapshot, E.state, E.calls, E.leds, E.screen, E.registration, E.config, E.request]);

const index = { name: 'index', in: 'path', required: true, description: 'the phone, from 1 in the order of the fleet', schema: { type: 'integer', minimum: 1 } };
const CONTROL_SERVER = [{ url: '/', description: 'polysim\'s control port (--control-port, default 8790)' }];
const json = (description: string, schema: Json = { type: 'object' }): Json => ({ description, content: { 'application/json': { schema } } });
const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

function op(summary: string, extra: Json = {}): Json {
  return { tags: ['polysim control'], summary, security: [{}, { controlToken: [] }], responses: { 200: json('done') }, ...extra };
}
const body = (schema: TSchema): Json => ({ requestBody: { required: true, content: { 'application/json': { schema: plain(schema) } } } });

const sse = (summary: string, parameters: Json[] = []): Json => op(summary, {
  parameters,
  responses: {
    200: { description: 'text/event-stream: "id: <seq>", "event: <type>" and "data: <JSON>" per event; a snapshot per phone first', content: { 'text/event-stream': { schema: plain(EventSchema) } } },
  },
});

/** The control API's paths, each served from the control port. */
export function controlPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {
    '/ready': { get: op('200 once every phone is ready (initialised), 503 while any is not') },
    '/events': { get: sse('the event stream of every phone (Server-Sent Events)') },
    '/phones/{index}/events': { get: sse('the event stream of one phone', [index]) },
    '/phones': { get: op('every phone: index, model, firmware, dialect, mac, serial, number, state, URLs, calls') },
    '/phones/{index}': { get: op('one phone (a browser asking for text/html gets the dashboard)', { parameters: [index] }) },
    '/phones/{index}/journal': { get: op('its last requests (HTTP, HTTPS, SIP NOTIFY) with their answers', { parameters: [index, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } }] }) },
    '/phones/{index}/config': { get: op('parameters whose name contains q: value, source, type, default (secrets masked)', {
      parameters: [index, { name: 'q', in: 'query', schema: { type: 'string' } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } }] }) },
    '/phones/{index}/config/{layer}': {
      put: op('set values at the WEB or DEVICE level', { parameters: [index, { name: 'layer', in: 'path', required: true, schema: { enum: ['web', 'device'] } }], ...body(Type.Record(S, S)) }),
      delete: op('reset a layer', { parameters: [index, { name: 'layer', in: 'path', required: true, schema: { enum: ['local', 'web', 'device', 'config'] } }] }),
    },
    '/phones/{index}/latency': { put: op('extra processing time per request', { parameters: [index], ...body(Type.Object({ ms: Type.Integer({ minimum: 0 }) })) }) },
    '/phones/{index}/incoming': { post: op('a call from any number arrives at the phone', { parameters: [index], ...body(Type.Object({ from: S, name: Type.Optional(S), line: Type.Optional(Type.Integer({ minimum: 1 })) })) }) },
    '/phones/{index}/lines/{line}/registration': { put: op('the call server stops (false) or resumes (true) answering the line\'s registrations', {
      parameters: [index, { name: 'line', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }], ...body(Type.Object({ registered: Type.Boolean() })) }) },
    '/phones/{index}/faults': {
      post: op('the next requests answer this Status', { parameters: [index], ...body(Type.Object({ status: S, path: Type.Optional(S), count: Type.Optional(Type.Integer({ minimum: 1 })) })) }),
      get: op('the faults waiting', { parameters: [index] }),
      delete: op('clear them', { parameters: [index] }),
    },
    '/phones/{index}/peripherals': { put: op('PC port, Bluetooth and Modular Room devices', { parameters: [index] }) },
    '/phones/{index}/api/{path}': {
      get: op('the Poly API of phone i, forwarded unchanged; signed with its admin credentials when the request brings none', {
        parameters: [index, { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: 'the rest of the Poly API path, e.g. v2/mgmt/device/info' }] }),
    },
    '/far-ends': { get: op('the far ends of calls now') },
    '/far-ends/{id}/{action}': { post: op('drive a far end', { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'action', in: 'path', required: true, schema: { enum: ['answer', 'reject', 'hold', 'resume', 'hangup'] } }] }) },
    '/far-ends/{id}/dtmf': { post: op('the far end sends DTMF', { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], ...body(Type.Object({ digits: S })) }) },
    '/scripts': { get: op('the default script and the per-number scripts') },
    '/scripts/{number}': {
      put: op('what calls to a number (or "default") meet', { parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }], ...body(FarEndScriptSchema) }),
      delete: op('back to the default script', { parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }] }),
    },
  };
  for (const item of Object.values(paths)) item['servers'] = CONTROL_SERVER;
  return paths;
}
