/** Checks an answer against docs/openapi.json: the document must describe every answer the tests see. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;
const doc = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Json>>;
};
const ajv = new Ajv({ strict: false, allErrors: false });
const compiled = new Map<string, ValidateFunction>();

/** Problems of a JSON answer to `method path` with this HTTP status, per the document ([] when it conforms). */
export function openApiProblems(method: string, url: string, http: number, body: unknown): string[] {
  const path = url.split('?')[0] ?? url;
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) return [];
  const response = (op['responses'] as Record<string, Json>)[String(http)];
  if (!response) return [`${method} ${path}: HTTP ${http} is not documented`];
  const schema = (response['content'] as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
  if (!schema) return [];
  const key = `${method} ${path} ${http}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 3).map((e) => `${key}: ${e.instancePath} ${e.message ?? ''}`);
}
