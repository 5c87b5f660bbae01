/**
 * The fuzz harness shared by the bounded property tests (test/fuzz.test.ts) and the long run (npm run fuzz): it
 * sends generated requests to a running phone over real sockets, HTTP and SIP, and counts what held and what did
 * not. What must hold: the process lives; every JSON answer is the manual's envelope with a Status of the catalogue
 * and the HTTP status that Status maps to; no 5xx but the documented 5000; SIP answers only with the codes the
 * NOTIFY rules give; and the phone still answers afterwards.
 */
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { operations } from '../../src/api/index.js';
import type { Operation } from '../../src/api/operation.js';
import { HTTP_STATUS } from '../../src/transport/http/envelope.js';
import { isStatusCode } from '../../src/phone/status.js';
import { body, fromSchema, sipMessage } from './arbitraries.js';

/** Operations the fuzz leaves out: they reboot or reset the phone, or move files to a URL (off loopback, maybe). */
const LEFT_OUT = new Set([
  'Management.Reboot',
  'Management.Restart',
  'Management.FactoryReset',
  'Management.ConfigReset',
  'Management.UpdateConfiguration',
  'Management.ExportConfiguration',
  'Network.UploadBgCapture',
]);

export const fuzzedOperations: readonly Operation[] = operations.filter((op) => !LEFT_OUT.has(op.name));

export interface Tally {
  sent: number;
  byStatus: Record<string, number>;
  /** Answers outside the envelope or with an HTTP status their Status does not map to. */
  outsideEnvelope: string[];
  /** 5xx other than the documented Status 5000 (5500 is an internal error: a bug). */
  unexpected5xx: string[];
  /** SIP answers outside the NOTIFY rules' codes (500 means a handler threw). */
  badSip: string[];
}

export const newTally = (): Tally => ({ sent: 0, byStatus: {}, outsideEnvelope: [], unexpected5xx: [], badSip: [] });

const HTTP_ALLOWED = new Set([200, 400, 401, 403, 404, 405, 408, 413, 500]);
const SIP_ALLOWED = new Set([200, 400, 403, 404, 405, 415, 489, 501]);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

export interface HttpCase {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly auth: 'right' | 'none' | 'wrong';
}

export function httpCase(): fc.Arbitrary<HttpCase> {
  return fc.constantFrom(...fuzzedOperations).chain((op) =>
    fc.record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...op.methods) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...op.paths) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom(...op.paths),
              fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('?line=1', '?line=x', '?%zz', '/', '//', '?Line=99')),
            )
            .map(([p, s]) => `${p}${s.startsWith('?') || s.startsWith('/') ? s : `?q=${encodeURIComponent(s)}`}`),
        },
      ),
      body:
        op.inputFrom === 'body' || op.methods.includes('POST')
          ? body(fromSchema(op.input)).map((b) => b as string | undefined)
          : fc.constant(undefined),
      auth: fc.oneof(
        { weight: 18, arbitrary: fc.constant('right' as const) },
        { weight: 1, arbitrary: fc.constantFrom('none' as const, 'wrong' as const) },
      ),
    }),
  );
}

export async function sendHttp(base: string, authorization: string, c: HttpCase, t: Tally): Promise<void> {
  const headers: Record<string, string> = {};
  if (c.auth === 'right') headers['authorization'] = authorization;
  if (c.auth === 'wrong') headers['authorization'] = 'Basic UG9seWNvbTp3cm9uZw==';
  const withBody = c.body !== undefined && c.method !== 'GET';
  if (withBody) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${c.path}`, { method: c.method, headers, body: withBody ? c.body : undefined });
  const text = await res.text();
  t.sent++;
  const what = `${c.method} ${c.path.slice(0, 80)} -> ${res.status} ${text.slice(0, 80)}`;
  if (!HTTP_ALLOWED.has(res.status)) t.outsideEnvelope.push(what);
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
    let status: unknown;
    try {
      status = (JSON.parse(text) as Record<string, unknown>)['Status'];
    } catch {
      t.outsideEnvelope.push(`${what} (not JSON)`);
      return;
    }
    if (typeof status !== 'string' || !isStatusCode(status)) {
      t.outsideEnvelope.push(`${what} (no Status)`);
      return;
    }
    t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
    const expected = status === '4400' && res.status === 405 ? 405 : HTTP_STATUS[status];
    if (res.status !== expected) t.outsideEnvelope.push(`${what} (Status ${status} wants HTTP ${expected})`);
    if (res.status >= 500 && status !== '5000') t.unexpected5xx.push(what);
  } else {
    t.byStatus[`HTTP ${res.status}`] = (t.byStatus[`HTTP ${res.status}`] ?? 0) + 1;
    if (res.status >= 500) t.unexpected5xx.push(what);
  }
}

/** Sends SIP datagrams in batches and tallies the answers' start lines. */
export async function sendSip(port: number, messages: readonly Buffer[], t: Tally): Promise<void> {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udp.on('message', (m) => {
    const line = m.subarray(0, 64).toString('latin1').split('\r\n')[0] ?? '';
    const s = /^SIP\/2\.0 (\d{3})/.exec(line);
    if (s) {
      const code = Number(s[1]);
      t.byStatus[`SIP ${code}`] = (t.byStatus[`SIP ${code}`] ?? 0) + 1;
      if (!SIP_ALLOWED.has(code)) t.badSip.push(line);
    }
  });
  try {
    // Paced (25 datagrams, then a pause) so that loopback's socket buffers do not drop what is sent.
    for (let i = 0; i < messages.length; i += 25) {
      for (const m of messages.slice(i, i + 25)) {
        await new Promise<void>((r) => udp.send(m, port, '127.0.0.1', () => r()));
        t.sent++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    udp.close();
  }
}

export const sipMessages = (port: number, n: number, seed: number): Buffer[] => fc.sample(sipMessage(port), { numRuns: n, seed });
