/** Test helpers: phones on ephemeral loopback ports, a small API client, schema checks, local HTTP servers. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { operationAt } from '../src/api/index.js';
import { openApiProblems } from './openapi-check.js';
import { missing, pythonWithRequests } from './peers.js';
import { startPhone } from '../src/runtime/phone-host.js';
import type { PhoneSpec, RunningPhone } from '../src/runtime/phone-host.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { createControlApp } from '../src/control/app.js';
import type { ControlApp } from '../src/control/app.js';
import { startFleet } from '../src/runtime/fleet.js';
import type { Fleet, FleetSpec } from '../src/runtime/fleet.js';
import { main } from '../src/cli/program.js';
import { EVENT_SWITCH } from '../src/webapps/event-documents.js';
import type { HttpApp } from '../src/transport/http/app.js';

export const PASSWORD = 'Secret-123';

/** Every telephony event switched on (apps.telNotification.*Event = 1), to spread into a phone's `set`. */
export const ALL_TELEPHONY_EVENTS: Readonly<Record<string, string>> = Object.fromEntries(
  [...new Set(Object.values(EVENT_SWITCH))].map((name) => [name, '1']),
);

let shared: HttpApp | undefined;
async function app(): Promise<HttpApp> {
  shared ??= await createHttpApp(false);
  return shared;
}

export interface TestPhone extends RunningPhone {
  get(path: string, init?: RequestInit & { secure?: boolean }): Promise<Answer>;
  post(path: string, body?: unknown, init?: RequestInit & { secure?: boolean }): Promise<Answer>;
  raw(path: string, init?: RequestInit & { secure?: boolean }): Promise<Response>;
  auth: string;
}

export interface Answer {
  http: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/** A phone on 127.0.0.1 with free ports, fast timings and a known password. */
export async function testPhone(spec: Partial<PhoneSpec> = {}): Promise<TestPhone> {
  const running = await startPhone(
    {
      model: 'VVX 450',
      address: '127.0.0.1',
      httpPort: 0,
      httpsPort: 0,
      adminPassword: PASSWORD,
      ...spec,
      // A test phone uploads no override files unless its test asks (prov.autoConfigUpload.enabled=1): what a
      // provisioning server receives stays what the test looks at (test/provisioning-boot.test.ts tests uploads).
      set: { 'prov.autoConfigUpload.enabled': '0', ...spec.set },
      timing: { initMs: 0, restartMs: 150, rebootMs: 200, skypeSignInTimeoutMs: 200, ...spec.timing },
    },
    await app(),
  );
  // With no initialisation time the phone is ready once its boot work (a provisioning run) ended: wait for that.
  if ((spec.timing?.initMs ?? 0) === 0 && !running.phone.isReady)
    await new Promise<void>((resolve) => running.phone.once('ready', () => resolve()));
  const auth = `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}`;
  const raw = (path: string, init: RequestInit & { secure?: boolean } = {}): Promise<Response> => {
    const headers = { authorization: auth, ...(init.headers as Record<string, string>) };
    if (init.secure) return secureFetch(running, `${running.httpsUrl}${path}`, { ...init, headers });
    return fetch(`${running.httpUrl}${path}`, { ...init, headers });
  };
  const answer = async (res: Response, method: string, path: string): Promise<Answer> => {
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
      // Every JSON answer the tests see must match docs/openapi.json.
      assert.deepEqual(openApiProblems(method, path, res.status, body), [], `${method} ${path}: answer not as documented`);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      // HTML answers keep an empty body; tests read `text`.
    }
    return { http: res.status, headers: res.headers, body, text };
  };
  return Object.assign(running, {
    auth,
    raw,
    get: async (path: string, init?: RequestInit & { secure?: boolean }) =>
      answer(await raw(path, { method: 'GET', ...init }), 'GET', path),
    post: async (path: string, body?: unknown, init?: RequestInit & { secure?: boolean }) =>
      answer(
        await raw(path, {
          method: 'POST',
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          ...init,
          headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string>) },
        }),
        'POST',
        path,
      ),
  });
}

/** fetch over HTTPS that trusts the phone's own self-signed certificate (and only it). */
function secureFetch(running: RunningPhone, url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
  const cert = running.certificate();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers, ca: cert, checkServerIdentity: () => undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end(typeof init.body === 'string' ? init.body : undefined);
  });
}

/** The phone's calls as "number:state", from callStatus v2. */
export async function callStates(p: TestPhone): Promise<string[]> {
  const rows = (await p.get('/api/v2/webCallControl/callStatus')).body['data'] as Record<string, string>[];
  return rows.map((r) => `${r['RemotePartyNumber']}:${r['CallState']}`);
}

/** Asserts a 2000 answer whose data (and top-level keys) match the operation's schemas. */
export function assertOk(a: Answer, path: string): Record<string, unknown> {
  assert.equal(a.http, 200, `${path}: HTTP ${a.http} ${a.text}`);
  assert.equal(a.body['Status'], '2000', `${path}: ${a.text}`);
  const op = operationAt(path);
  assert.ok(op, `no operation at ${path}`);
  if (op.output) {
    const errors = [...Value.Errors(op.output, a.body['data'])].slice(0, 3).map((e) => `${e.path} ${e.message}`);
    assert.deepEqual(errors, [], `${path}: data does not match its schema`);
  }
  if (op.outputTop) {
    const top = Object.fromEntries(Object.entries(a.body).filter(([k]) => k !== 'Status' && k !== 'data'));
    const errors = [...Value.Errors(op.outputTop, top)].slice(0, 3).map((e) => `${e.path} ${e.message}`);
    assert.deepEqual(errors, [], `${path}: top-level keys do not match their schema`);
  }
  return a.body;
}

export function assertStatus(a: Answer, code: string, http?: number): void {
  assert.equal(a.body['Status'], code, `expected Status ${code}, got HTTP ${a.http} ${a.text}`);
  if (http !== undefined) assert.equal(a.http, http);
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A local HTTP server that records requests and answers from a routing function. */
/** What a recording server answers (at once, or later: a slow server). */
type RouteAnswer = { status: number; body?: string | Buffer; headers?: Record<string, string> };

export async function recordingServer(
  route: (req: Received) => RouteAnswer | Promise<RouteAnswer> = () => ({ status: 201 }),
): Promise<{ url: string; received: Received[]; server: Server; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      void Promise.resolve(route(r)).then((out) => {
        if (!res.destroyed) res.writeHead(out.status, out.headers).end(out.body);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls until fn returns true, for at most `ms` (phones restarting in tests take a few hundred ms). */
export async function waitFor(fn: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The Python with `requests` (test/peers.ts: POLYSIM_PYTHON, else python3 on PATH, else Debian's). */
export function python(): string {
  const found = pythonWithRequests();
  if (!found) throw new Error(missing('python3-requests'));
  return found;
}

/** A fleet of VVX 450s on loopback, free ports, the tests' admin password; `spec` says the rest. */
export async function testFleet(spec: Partial<FleetSpec> & Pick<FleetSpec, 'count' | 'firstNumber'>): Promise<Fleet> {
  return startFleet(
    { model: 'VVX 450', address: '127.0.0.1', httpPort: 0, httpsPort: 0, adminPassword: PASSWORD, ...spec },
    await createHttpApp(false),
  );
}

/** The control API of a fleet on a free loopback port; its URL. */
export async function listenControl(fleet: Fleet): Promise<{ control: ControlApp; url: string }> {
  const control = await createControlApp(fleet, false);
  await control.listen({ port: 0, host: '127.0.0.1' });
  return { control, url: `http://127.0.0.1:${(control.server.address() as AddressInfo).port}` };
}

/** `polysim <args>` run in this process: its exit code, what it wrote, and stop() (as SIGTERM) for a started phone. */
export interface InProcess {
  code: Promise<number>;
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<number>;
}

export function cli(args: string[], env: Record<string, string> = {}): InProcess {
  let stdout = '';
  let stderr = '';
  const abort = new AbortController();
  const code = main(args, {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
      },
    },
    env,
    signal: abort.signal,
  });
  return {
    code,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => {
      abort.abort();
      return code;
    },
  };
}

/** The LED of line key `key` in the REST ledStatus (its State and Color). */
export async function led(p: TestPhone, key: number): Promise<Record<string, string> | undefined> {
  const path = '/api/v1/mgmt/ledStatus';
  const lines = (assertOk(await p.get(path), path)['data'] as { Lines: Record<string, string>[] }).Lines;
  const found = lines.find((l) => l['LineNumber'] === String(key));
  if (!found) return undefined;
  const { LineNumber: _key, ...light } = found;
  return light;
}
