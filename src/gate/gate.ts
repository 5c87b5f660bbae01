/**
 * The gate between a transport and an operation, in the order a phone applies its rules:
 *   1. a model without the REST API, or apps.restapi.enabled=0: the web server answers 404;
 *   2. authentication by the methods this model, firmware and configuration enable: else 401 with challenges;
 *   3. the default admin password (456): Status 4010 for every request.
 * The single request slot (one request at a time) is taken by the transport after the gate passes.
 */
import type { Phone } from '../phone/phone.js';
import { Status } from '../phone/status.js';
import { basicChallenge, checkBasic } from './auth/basic.js';
import type { GateRequest, GateVerdict } from './types.js';

export const DEFAULT_ADMIN_PASSWORD = '456';

export function restApiOn(phone: Phone): boolean {
  return phone.profile.model.restApi && phone.config.bool('apps.restapi.enabled');
}

/** Basic is the only method before Digest exists; from then on it is switched by httpd.rest.auth.basic.enabled. */
export function basicEnabled(phone: Phone): boolean {
  return !phone.profile.digestAuth || phone.config.bool('httpd.rest.auth.basic.enabled');
}

function header(req: GateRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Authorization headers already proven against a password, per phone, so a client that sends the same Basic header
 * on every request is not hashed again each time. Keyed by the whole header (a hash lookup, not a prefix
 * comparison) and bound to the password it was checked against; small and bounded.
 */
const provenBasic = new WeakMap<Phone, Map<string, string>>();
const PROVEN_MAX = 8;

function basicUser(phone: Phone, authorization: string, password: string): string | undefined {
  let proven = provenBasic.get(phone);
  if (proven?.get(authorization) === password) return 'Polycom';
  const user = checkBasic(authorization, password);
  if (user !== undefined) {
    if (!proven) provenBasic.set(phone, (proven = new Map()));
    if (proven.size >= PROVEN_MAX) proven.clear();
    proven.set(authorization, password);
  }
  return user;
}

export function checkGate(phone: Phone, req: GateRequest): GateVerdict {
  if (!restApiOn(phone)) return { kind: 'not-found' };
  const password = phone.config.value('device.auth.localAdminPassword');
  const authorization = header(req, 'authorization');
  const challenges: string[] = [];
  if (basicEnabled(phone)) challenges.push(basicChallenge());
  let user: string | undefined;
  if (authorization && basicEnabled(phone)) user = basicUser(phone, authorization, password);
  if (user === undefined) return { kind: 'unauthorized', challenges };
  if (password === DEFAULT_ADMIN_PASSWORD) return { kind: 'status', code: Status.DEFAULT_PASSWORD };
  return { kind: 'pass', auth: { method: 'basic', user } };
}
