/**
 * fast-check arbitraries for fuzzing polysim: inputs drawn from an operation's own TypeBox schema (valid values and
 * near misses: a field dropped, a value of the wrong type, an out-of-range number, a huge string), arbitrary JSON,
 * and SIP messages that start valid and are then cut, bent and filled with garbage.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { Kind } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';

const json = fc.jsonValue({ maxDepth: 3 });

/** Values of a schema, mostly valid, sometimes not. */
export function fromSchema(schema: TSchema | undefined, depth = 0): Arbitrary<unknown> {
  if (!schema) return json;
  const near = (valid: Arbitrary<unknown>): Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: json });
  switch (schema[Kind]) {
    case 'Object': {
      const props = (schema['properties'] ?? {}) as Record<string, TSchema>;
      const required = new Set((schema['required'] ?? []) as string[]);
      const keys: Record<string, Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) keys[k] = fromSchema(s, depth + 1);
      const record = fc.record(keys, { requiredKeys: [...required].filter((k) => k in keys) });
      return near(fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: fc.record(keys, { requiredKeys: [] }) }));
    }
    case 'String': {
      const max = Math.min(Number(schema['maxLength'] ?? 40), 200);
      const base = fc.oneof(
        fc.string({ maxLength: max }),
        fc.constantFrom('', ' ', '1', '1001', 'Line1', '0x1', 'a@b', '%00', '../../etc', '\u0000'),
      );
      return near(fc.oneof({ weight: 8, arbitrary: base }, { weight: 1, arbitrary: fc.string({ minLength: 20_000, maxLength: 21_000 }) }));
    }
    case 'Integer':
    case 'Number':
      return near(fc.oneof(fc.integer({ min: -3, max: 30 }), fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -0)));
    case 'Boolean':
      return near(fc.boolean());
    case 'Literal':
      return near(fc.constant(schema['const']));
    case 'Union':
      return fc.oneof(...((schema['anyOf'] ?? []) as TSchema[]).map((s) => fromSchema(s, depth + 1)));
    case 'Array':
      return near(fc.array(fromSchema(schema['items'] as TSchema, depth + 1), { maxLength: depth > 1 ? 2 : 6 }));
    case 'Record':
      return near(
        fc.dictionary(
          fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('locInfo.room', 'reg.1.label', 'tcpIpApp.sntp.address')),
          fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
          { maxKeys: 5 },
        ),
      );
    default:
      return json;
  }
}

/** A request body around an input: the manual's {"data": ...} envelope, usually; sometimes something else. */
export function body(input: Arbitrary<unknown>): Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: input.map((data) => JSON.stringify({ data })) },
    { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
}

const CRLF = '\r\n';

/** A NOTIFY carrying a command, valid to begin with. */
export function notifyText(port: number, n: number, payload: string): string {
  return [
    `NOTIFY sip:1001@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfz${n}`,
    'From: <sip:fz@127.0.0.1:5999>;tag=f1',
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: fz${n}@127.0.0.1`,
    'CSeq: 1 NOTIFY',
    'Max-Forwards: 70',
    'Event: ACTION-URI',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(payload)}`,
    '',
    payload,
  ].join(CRLF);
}

const commandUris = fc.oneof(
  fc.constantFrom(
    '/api/v1/mgmt/device/info',
    '/api/v1/callctrl/dial',
    '/api/v1/mgmt/config/get',
    '/api/v2/webCallControl/callStatus',
    '//[',
    'http://[',
    'http://a b/',
    'http://a:99999/',
    'http://%zz/',
    '/api/v1/%',
    '?x',
    '#',
    'javascript:1',
    '/api/v1/../../x',
  ),
  fc.webUrl(),
  fc.string({ maxLength: 80 }),
);

/** SIP datagrams: valid NOTIFYs, then mutated (cut, a header bent, garbage inserted), or garbage outright. */
export function sipMessage(port: number): Arbitrary<Buffer> {
  const known = fc.constantFrom(
    '/api/v1/mgmt/device/info',
    '/api/v2/webCallControl/callStatus',
    '/api/v1/mgmt/lineInfo',
    '/api/v1/callctrl/dial',
  );
  const payload = fc.oneof(
    { weight: 3, arbitrary: fc.record({ uri: known, data: json }).map(({ uri, data }) => JSON.stringify({ 'command-URI': uri, data })) },
    fc.record({ uri: commandUris, data: json }).map(({ uri, data }) => JSON.stringify({ 'command-URI': uri, data })),
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 100 }),
  );
  const valid = fc.tuple(fc.nat(), payload).map(([n, p]) => notifyText(port, n, p));
  const mutated = fc
    .tuple(
      valid,
      fc.nat(),
      fc.nat(),
      fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('\r\n', ':', ' ', '\u0000', 'Content-Length: 99999', 'SIP/2.0', ';branch=')),
    )
    .map(([text, at, cut, insert]) => {
      const i = at % (text.length + 1);
      return cut % 3 === 0 ? text.slice(0, i) : cut % 3 === 1 ? text.slice(0, i) + insert + text.slice(i) : text.replace(/^[A-Z]+/, insert);
    });
  const methods = fc.tuple(fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,12}$/), fc.nat()).map(([m, n]) =>
    notifyText(port, n, '{}')
      .replace(/^NOTIFY/, m)
      .replace('1 NOTIFY', `1 ${m}`),
  );
  return fc
    .oneof(
      { weight: 3, arbitrary: valid },
      { weight: 4, arbitrary: mutated },
      { weight: 1, arbitrary: methods },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    )
    .map((t) => Buffer.from(t, 'utf8'));
}
