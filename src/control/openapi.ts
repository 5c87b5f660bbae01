/**
 * The control API and its event stream in the OpenAPI document (tag "polysim control"): polysim's own paths, served
 * from the control port (each path names its server), written from the route specs the plugins register (their
 * params, query, body and an answer per status), so the document shows what Fastify validates and serialises.
 */
import type { TSchema } from '@sinclair/typebox';
import { openApiDocument } from '../openapi/document.js';
import type { RouteSpec } from './control-route.js';
import { clockSpecs } from './clock-routes.js';
import { configSpecs } from './config-routes.js';
import { eventSpecs } from './event-routes.js';
import { farEndSpecs } from './far-end-routes.js';
import { faultSpecs } from './fault-routes.js';
import { forwardSpecs } from './forward-routes.js';
import { incomingSpecs } from './incoming-routes.js';
import { journalSpecs } from './journal-routes.js';
import { latencySpecs } from './latency-routes.js';
import { lineSpecs } from './line-routes.js';
import { messageSpecs } from './message-routes.js';
import { metricsSpecs } from './metrics-routes.js';
import { directorySpecs } from './directory-routes.js';
import { NoContent } from './answers.js';
import { peripheralSpecs } from './peripheral-routes.js';
import { phoneSpecs } from './phones-routes.js';
import { postSpecs } from './post-routes.js';
import { pushSpecs } from './push-routes.js';
import { scriptSpecs } from './script-routes.js';
import { shardSpecs } from './shard-routes.js';
import { userSpecs } from './user-routes.js';

type Json = Record<string, unknown>;

/** Every documented control route, in the document's order. */
export const CONTROL_ROUTES: readonly RouteSpec[] = [
  phoneSpecs,
  eventSpecs,
  metricsSpecs,
  journalSpecs,
  configSpecs,
  latencySpecs,
  incomingSpecs,
  lineSpecs,
  messageSpecs,
  directorySpecs,
  faultSpecs,
  peripheralSpecs,
  userSpecs,
  pushSpecs,
  postSpecs,
  forwardSpecs,
  farEndSpecs,
  scriptSpecs,
  clockSpecs,
  shardSpecs,
].flatMap((table) => Object.values(table) as RouteSpec[]);

const CONTROL_SERVER = [{ url: '/', description: "polysim's control port (--control-port, default 8790)" }];
/** A TypeBox schema as plain JSON Schema (TypeBox keeps its own markers in symbol keys, which JSON drops). */
const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

/** `/phones/:index/api/*` as OpenAPI writes it: `/phones/{index}/api/{path}`. */
const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}');

function parameters(spec: RouteSpec): Json[] {
  const of = (schema: TSchema | undefined, where: 'path' | 'query'): Json[] => {
    const props = (schema ? plain(schema)['properties'] : undefined) as Record<string, Json> | undefined;
    const required = new Set((schema ? plain(schema)['required'] : undefined) as string[] | undefined);
    return Object.entries(props ?? {}).map(([name, s]) => {
      const { description, ...rest } = s;
      return {
        name: name === '*' ? 'path' : name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  };
  return [...of(spec.params, 'path'), ...of(spec.querystring, 'query')];
}

function responses(spec: RouteSpec): Json {
  const out: Json = {};
  for (const [code, schema] of Object.entries(spec.response)) {
    const ok = Number(code) < 300;
    if (schema === NoContent) out[code] = { description: 'done; no content' };
    else if (ok && spec.produces === 'text/event-stream') {
      out[code] = {
        description: 'text/event-stream: "id: <seq>", "event: <type>" and "data: <JSON>" per event; a snapshot per phone first',
        content: { 'text/event-stream': { schema: plain(schema) } },
      };
    } else if (ok && spec.produces)
      out[code] = { description: schema.description ?? 'the answer', content: { [spec.produces]: { schema: {} } } };
    else out[code] = { description: ok ? 'done' : 'refused: {"error": "..."}', content: { 'application/json': { schema: plain(schema) } } };
  }
  return out;
}

function operation(spec: RouteSpec): Json {
  const params = parameters(spec);
  return {
    tags: ['polysim control'],
    summary: spec.summary,
    security: [{}, { controlToken: [] }],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(spec.body) } } } } : {}),
    responses: responses(spec),
  };
}

/** The control API's paths, each served from the control port. */
export function controlPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const spec of CONTROL_ROUTES) {
    const item = (paths[openApiPath(spec.url)] ??= { servers: CONTROL_SERVER });
    item[spec.method.toLowerCase()] = operation(spec);
  }
  return paths;
}

/** The document polysim serves and docs/openapi.json holds: the Poly API's, with the control API's paths. */
export function servedDocument(version: string): Record<string, unknown> {
  return openApiDocument(version, {
    paths: controlPaths(),
    tags: [
      {
        name: 'polysim control',
        description:
          "polysim's own API on its control port: phones, far ends, scripts, the event stream, the forwarding of the Poly API. Real phones do not have it.",
      },
    ],
    securitySchemes: {
      controlToken: {
        type: 'http',
        scheme: 'bearer',
        description: "polysim's control API beyond loopback (--control-token, or the token printed at start)",
      },
    },
  });
}
