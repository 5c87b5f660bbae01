/**
 * The OpenAPI 3.1 document of the Poly API as polysim serves it, generated from the operation table: every
 * operation with its paths and methods, its input (the `data` of a JSON body, or the query), its answer schema,
 * the Status codes it can return, and the authentication schemes. `npm run openapi` writes docs/openapi.json.
 */
import type { TSchema } from '@sinclair/typebox';
import { operations } from '../api/index.js';
import type { Operation } from '../api/operation.js';
import { statusText } from '../phone/status.js';
import type { StatusCode } from '../phone/status.js';
import { HTTP_STATUS } from '../transport/http/envelope.js';

type Json = Record<string, unknown>;

/** A TypeBox schema as plain JSON Schema (TypeBox keeps its own markers in symbol keys, which JSON drops). */
const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

/** The first of an input schema's `examples` (every operation's input gives one; a test holds them to the schema). */
export const example = (schema: TSchema): unknown => (schema['examples'] as unknown[] | undefined)?.[0];

function statusSchema(codes: readonly string[]): Json {
  return { type: 'string', enum: [...codes], description: codes.map((c) => `${c}: ${statusText[c as StatusCode]}`).join('; ') };
}

function envelope(op: Operation, codes: readonly string[]): Json {
  const properties: Json = { Status: statusSchema(codes) };
  if (op.output && codes.includes('2000')) properties['data'] = plain(op.output);
  if (op.outputTop && codes.includes('2000')) Object.assign(properties, (plain(op.outputTop)['properties'] as Json | undefined) ?? {});
  return { type: 'object', required: ['Status'], properties };
}

function responses(op: Operation): Json {
  const codes = [...new Set([...op.returnCodes.map(String), '4400', '4403', '4010'])].filter((c) => c in statusText) as StatusCode[];
  const byHttp = new Map<number, string[]>();
  for (const code of codes) {
    const http = HTTP_STATUS[code];
    byHttp.set(http, [...(byHttp.get(http) ?? []), code]);
  }
  byHttp.set(405, ['4400']);
  const out: Json = {};
  for (const [http, list] of [...byHttp.entries()].sort((a, b) => a[0] - b[0])) {
    out[String(http)] = {
      description: list.map((c) => `${c} ${statusText[c as StatusCode]}`).join(', '),
      content: { 'application/json': { schema: envelope(op, list) } },
    };
  }
  const html = (description: string): Json => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
  out['401'] = html('authentication failed: a WWW-Authenticate challenge per enabled method');
  out['404'] = html('the REST API is off, the model has none, or the operation does not exist on this model, firmware or transport');
  out['413'] = out['413'] ?? html('the body is over 20 KB');
  return out;
}

function operationObject(op: Operation, path: string, method: string): Json {
  const o: Json = {
    operationId:
      op.paths.length > 1 || op.methods.length > 1
        ? `${op.name}${op.paths.length > 1 ? `:${path.split('/').slice(4).join('/')}` : ''}${op.methods.length > 1 ? `:${method}` : ''}`
        : op.name,
    summary: op.name,
    tags: [op.name.split('.')[0] ?? 'Poly'],
    'x-status-codes': op.returnCodes.map(String),
    responses: responses(op),
  };
  if (op.transports) o['x-transports'] = [...op.transports];
  if (op.inputFrom === 'body' && op.input) {
    o['requestBody'] = {
      required: !op.inputOptional,
      content: {
        'application/json': {
          schema: { type: 'object', required: op.inputOptional ? [] : ['data'], properties: { data: plain(op.input) } },
          // The explorer fills its form from this: a body the phone takes, not one made up from the schema's patterns.
          ...(example(op.input) === undefined ? {} : { example: { data: example(op.input) } }),
        },
      },
    };
  }
  if (op.inputFrom === 'query' && op.input) {
    const props = (plain(op.input)['properties'] as Record<string, Json> | undefined) ?? {};
    const names =
      Object.keys(props).length > 0 ? Object.keys(props) : op.name === 'WebCallControl.CallStatusV2' ? ['handle', 'line', 'sequence'] : [];
    const given = (example(op.input) ?? {}) as Json;
    o['parameters'] = names.map((name) => ({
      name,
      in: 'query',
      required: false,
      schema: props[name] ?? { type: 'string' },
      ...(given[name] === undefined ? {} : { example: given[name] }),
    }));
  }
  return o;
}

/**
 * What an API served beside the Poly API adds to its document: the control API's paths, tag and security scheme
 * (src/control/openapi.ts, which serves the whole document; given here, so that this folder needs nothing of it).
 */
export interface DocumentPart {
  readonly paths: Record<string, Json>;
  readonly tags: readonly Json[];
  readonly securitySchemes: Record<string, Json>;
}

export function openApiDocument(version: string, part?: DocumentPart): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    for (const path of op.paths) {
      const item: Json = (paths[path] ??= {});
      for (const method of op.methods) item[method.toLowerCase()] = operationObject(op, path, method);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Poly UCS/PVOS phone REST API (as served by polysim)',
      version,
      description:
        'The REST API of Poly VVX, Trio, CCX and Edge E phones. Every answer is JSON with a string Status; ' +
        "what exists depends on the model and firmware (see x-transports and the 404 answers). Generated from polysim's operation table.",
    },
    servers: [
      { url: 'https://{phone}', variables: { phone: { default: '127.0.0.1:8443' } } },
      { url: 'http://{phone}', variables: { phone: { default: '127.0.0.1:8080' } } },
    ],
    security: [{ basic: [] }, { digest: [] }, { session: [] }],
    components: {
      securitySchemes: {
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'user Polycom; UCS, and PVOS before 9.2.0 (CCX, Trio C60) / 8.3.0 (Edge E), else httpd.rest.auth.basic.enabled',
        },
        digest: { type: 'http', scheme: 'digest', description: 'RFC 7616, qop=auth, SHA-256 and MD5; PVOS 9.2.0+ / 8.3.0+' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'session',
          description: 'from GET /api/v1/mgmt/session/create after SHA-256 Digest',
        },
        ...part?.securitySchemes,
      },
    },
    paths: { ...paths, ...part?.paths },
    ...(part ? { tags: part.tags } : {}),
  };
}
