/**
 * Generated requests to polysim's control port, shared by the bounded test (test/fuzz.test.ts) and the long run (npm
 * run fuzz): every documented path (src/control/openapi.ts) with its methods and others, path parameters right and
 * wrong, JSON bodies drawn loosely from what each route takes and bent, odd headers (a browser's cross-site markers,
 * cookies, bad tokens). What must hold: the process lives, no answer is a 500 (a handler that threw), and the phones
 * still answer. Left out: what takes a phone away or slows it on purpose (latency, faults, registration, reboots
 * through the proxy) and the event streams, which never end.
 */
import fc from 'fast-check';
import { controlPaths } from '../../src/control/openapi.js';

const LEFT_OUT = new Set([
  '/events',
  '/phones/{index}/events',
  '/shards/events',
  '/phones/{index}/latency',
  '/phones/{index}/faults',
  '/phones/{index}/lines/{line}/registration',
]);
/** Poly API paths the proxy may forward: none that reboots, restarts or resets. */
const API_PATHS = [
  'v2/mgmt/device/info',
  'v1/mgmt/network/info',
  'v2/mgmt/lineInfo?line=1',
  'v1/mgmt/config/get',
  'v1/mgmt/config/set',
  'v1/callctrl/dial',
  'v1/callctrl/endCall',
  'v1/mgmt/callLogs',
  'v1/webCallControl/callStatus',
  'v2/webCallControl/callStatus',
  'v1/mgmt/media/sessionStats',
  'nope',
  '../../etc/passwd',
  '%zz',
  '',
];

export interface ControlCase {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly headers: Record<string, string>;
}

const json = fc.jsonValue({ maxDepth: 3 });
const loose = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      { from: fc.string({ maxLength: 12 }), name: fc.string({ maxLength: 12 }), line: fc.integer({ min: -2, max: 40 }) },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.dictionary(
      fc.constantFrom('device.sntp.serverName', 'reg.1.label', 'device.auth.localAdminPassword', 'x', ''),
      fc.string({ maxLength: 20 }),
    ),
  },
  { weight: 2, arbitrary: fc.record({ digits: fc.string({ maxLength: 10 }), data: json }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: json },
);

export function controlCase(phones: number): fc.Arbitrary<ControlCase> {
  const paths = Object.entries(controlPaths()).filter(([p]) => !LEFT_OUT.has(p));
  return fc.constantFrom(...paths).chain(([template, ops]) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...Object.keys(ops as object).map((m) => m.toUpperCase())) },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') },
        ),
        index: fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 1, max: phones }).map(String) },
          { weight: 1, arbitrary: fc.constantFrom('0', '-1', String(phones + 1), 'x', '1e3', '99999999999999999999', '%zz', '') },
        ),
        layer: fc.constantFrom('web', 'device', 'local', 'config', 'nope'),
        api: fc.constantFrom(...API_PATHS),
        id: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', 'default', '1001')),
        action: fc.constantFrom('answer', 'reject', 'hold', 'resume', 'hangup', 'dance'),
        query: fc.constantFrom('', '', '?limit=5', '?limit=0', '?limit=x', '?q=reg', '?q=%zz', '?login=nope'),
        body: fc.oneof(
          { weight: 6, arbitrary: loose.map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        headers: fc.record(
          {
            'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none'),
            origin: fc.constantFrom('http://evil.test', 'null'),
            cookie: fc.constantFrom('polysim-control=forged', 'session=x'),
            authorization: fc.constantFrom('Bearer wrong', 'Basic Zm9vOmJhcg=='),
            accept: fc.constantFrom('text/html', 'application/json', '*/*'),
          },
          { requiredKeys: [] },
        ),
      })
      .map((r) => {
        const path = template
          .replace('{index}', r.index)
          .replace('{layer}', r.layer)
          .replace('{path}', r.api)
          .replace('{id}', encodeURIComponent(r.id))
          .replace('{action}', r.action)
          .replace('{number}', encodeURIComponent(r.id))
          .replace(/\{[^}]+\}/g, '1');
        const withBody = r.body !== undefined && r.method !== 'GET';
        return {
          method: r.method,
          path: `${path}${path.includes('?') ? '' : r.query}`,
          body: withBody ? r.body : undefined,
          headers: { ...r.headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
        };
      }),
  );
}

export interface ControlTally {
  sent: number;
  byStatus: Record<string, number>;
  /** Answers 500 (a handler that threw) or a request that got no answer at all. */
  failed: string[];
}

export const newControlTally = (): ControlTally => ({ sent: 0, byStatus: {}, failed: [] });

export async function sendControl(base: string, c: ControlCase, t: ControlTally): Promise<void> {
  t.sent++;
  const what = `${c.method} ${c.path.slice(0, 80)}`;
  try {
    const res = await fetch(`${base}${c.path}`, {
      method: c.method,
      headers: c.headers,
      body: c.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(35_000),
    });
    await res.arrayBuffer();
    t.byStatus[res.status] = (t.byStatus[res.status] ?? 0) + 1;
    if (res.status === 500) t.failed.push(`${what} -> 500`);
  } catch (err) {
    t.failed.push(`${what} -> ${(err as Error).message}`);
  }
}
