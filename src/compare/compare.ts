/**
 * `polysim compare`: every read-only operation asked of a real phone and of a simulated one, and the differences
 * in the shape of their answers, operation by operation. It never writes to the real phone: only GETs that change
 * nothing, config/get of common names, and callStatus v1 and v2.
 */
import { operations } from '../api/index.js';
import { AuthError, PolyError, PolyPhone, TransportError } from '@polysim/client';
import type { PolyPhoneOptions } from '@polysim/client';
import { compareShapes } from './shape.js';
import type { Difference } from './shape.js';

/** GETs that are not read-only: they create or end sessions, or cancel a sign-in. */
const WRITES = new Set(['Management.SessionCreate', 'Management.SessionDelete', 'Management.WebSignInCancel']);

/** Names clients read most (real-device notes); config/get asks for these on both phones. */
export const COMMON_NAMES = [
  'apps.restapi.enabled',
  'device.syslog.serverName',
  'reg.1.address',
  'reg.1.label',
  'reg.1.server.1.address',
  'reg.1.server.1.port',
  'tcpIpApp.sntp.address',
  'tcpIpApp.sntp.gmtOffset',
  'softkey.1.enable',
  'lcl.ml.lang',
  'device.auth.localAdminPassword',
  'up.screenCapture.enabled',
  'video.callRate',
];

export interface Probe {
  readonly operation: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly data?: unknown;
}

export function probes(): Probe[] {
  const out: Probe[] = [];
  for (const op of operations) {
    if (!op.methods.includes('GET') || WRITES.has(op.name)) continue;
    for (const path of op.paths) out.push({ operation: op.name, method: 'GET', path });
  }
  out.push({ operation: 'Management.GetConfig', method: 'POST', path: '/api/v1/mgmt/config/get', data: COMMON_NAMES });
  return out;
}

/** What one phone answered: the whole answer, or how it failed (and the error, to tell whether it can be asked at all). */
type Got = { readonly answer: unknown } | { readonly failed: string; readonly error: unknown };

async function ask(phone: PolyPhone, p: Probe): Promise<Got> {
  try {
    return { answer: await phone.raw(p.method, p.path, p.data) };
  } catch (err) {
    if (err instanceof PolyError) return { failed: `Status ${err.code} (HTTP ${err.httpStatus})`, error: err };
    if (err instanceof AuthError) return { failed: 'HTTP 401', error: err };
    if (err instanceof TransportError) return { failed: err.httpStatus ? `HTTP ${err.httpStatus}` : err.message, error: err };
    return { failed: err instanceof Error ? err.message : String(err), error: err };
  }
}

/** A phone compare cannot ask: `error` is what asking it threw. */
export interface UnusablePhone {
  readonly side: 'real' | 'sim';
  readonly host: string;
  readonly error: unknown;
}

/**
 * Compare stopped without a report: a phone could not be reached, or refused the credentials. Their answers are no
 * shapes to compare, and two phones that both refuse are not alike.
 */
export class CompareStopped extends Error {
  constructor(readonly phones: readonly UnusablePhone[]) {
    super(phones.map((p) => `${p.side}: ${p.error instanceof Error ? p.error.message : String(p.error)}`).join('; '));
    this.name = 'CompareStopped';
  }
}

/** The HTTP status of a failed answer, when there was one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof PolyError || err instanceof TransportError) return err.httpStatus;
  if (err instanceof AuthError) return 401;
  return undefined;
}

/**
 * Whether a failed answer means the phone cannot be compared: no HTTP answer (connection, TLS, timeout) or the
 * credentials refused (401), on any operation; 403 on the first question (a phone that locked the user out after
 * failed logins refuses everything with 403; later, a 403 is one operation's answer, compared as such).
 */
function unusable(got: Got, first: boolean): boolean {
  if (!('error' in got)) return false;
  const http = httpStatusOf(got.error);
  if (got.error instanceof TransportError && http === undefined) return true;
  return http === 401 || (first && http === 403);
}

/** The first question: device/info (every model answers it), which tells a phone that cannot be compared at once. */
const FIRST: Probe = { operation: 'Management.DeviceInfo', method: 'GET', path: '/api/v1/mgmt/device/info' };

export interface OperationReport {
  readonly operation: string;
  readonly path: string;
  readonly real: string;
  readonly sim: string;
  readonly differences: readonly Difference[];
}

const summary = (g: Got): string => ('answer' in g ? `Status ${String((g.answer as { Status?: unknown }).Status)}` : g.failed);

export async function compare(real: PolyPhoneOptions, sim: PolyPhoneOptions): Promise<OperationReport[]> {
  const r = new PolyPhone({ ...real, retry: { attempts: 3, baseDelayMs: 200 } });
  const s = new PolyPhone({ ...sim, retry: { attempts: 3, baseDelayMs: 200 } });
  const reports: OperationReport[] = [];
  const stopIfUnusable = (gr: Got, gs: Got, first: boolean): void => {
    const phones: UnusablePhone[] = [];
    if (unusable(gr, first)) phones.push({ side: 'real', host: real.host, error: (gr as { error: unknown }).error });
    if (unusable(gs, first)) phones.push({ side: 'sim', host: sim.host, error: (gs as { error: unknown }).error });
    if (phones.length > 0) throw new CompareStopped(phones);
  };
  try {
    stopIfUnusable(await ask(r, FIRST), await ask(s, FIRST), true);
    for (const p of probes()) {
      const [gr, gs] = [await ask(r, p), await ask(s, p)];
      stopIfUnusable(gr, gs, false);
      const differences: Difference[] = [];
      if ('answer' in gr && 'answer' in gs) differences.push(...compareShapes(gr.answer, gs.answer));
      else if (summary(gr) !== summary(gs)) differences.push({ at: '(answer)', kind: 'status', real: summary(gr), sim: summary(gs) });
      reports.push({ operation: p.operation, path: p.path, real: summary(gr), sim: summary(gs), differences });
    }
  } finally {
    await r.close();
    await s.close();
  }
  return reports;
}

/** The report as text: one block per operation that differs, then a count. */
export function formatReport(reports: readonly OperationReport[]): string {
  const lines: string[] = [];
  const differing = reports.filter((x) => x.differences.length > 0);
  for (const x of differing) {
    lines.push(`${x.operation}  ${x.path}  (real: ${x.real}; polysim: ${x.sim})`);
    for (const d of x.differences) lines.push(`  ${d.kind.padEnd(11)} ${d.at}: real ${d.real}, polysim ${d.sim}`);
  }
  const total = differing.reduce((n, x) => n + x.differences.length, 0);
  lines.push(`${reports.length} operations compared, ${differing.length} differ, ${total} differences`);
  return `${lines.join('\n')}\n`;
}
