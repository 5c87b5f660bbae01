/** The phone's configuration rules the gate applies: whether the REST API is on, and which logins it accepts. */
import type { Phone } from '../phone/phone.js';
import type { DigestAlgorithm } from './auth/digest.js';
import type { LockoutRule } from './auth/lockout.js';

export const DEFAULT_ADMIN_PASSWORD = '456';
export const DIGEST_REALM = 'API Authentication';
/** How long a Digest nonce stays valid on the phone's clock; older ones are answered with stale=true. */
export const NONCE_LIFETIME_MS = 300_000;

export function restApiOn(phone: Phone): boolean {
  return phone.profile.model.restApi && phone.config.bool('apps.restapi.enabled');
}

/** Basic is the only method before Digest exists; from then on it is switched by httpd.rest.auth.basic.enabled. */
export function basicEnabled(phone: Phone): boolean {
  return !phone.profile.digestAuth || phone.config.bool('httpd.rest.auth.basic.enabled');
}

/** The Digest algorithms this phone accepts now, SHA-256 first. */
export function digestAlgorithms(phone: Phone): DigestAlgorithm[] {
  if (!phone.profile.digestAuth) return [];
  const out: DigestAlgorithm[] = [];
  if (phone.config.bool('httpd.rest.auth.digest.sha256.enabled')) out.push('SHA-256');
  if (phone.config.bool('httpd.rest.auth.digest.md5.enabled')) out.push('MD5');
  return out;
}

/** The login lock as configured (httpd.cfg.lockWebUI.*; off on firmware that predates it). */
export function lockoutRule(phone: Phone): LockoutRule {
  const c = phone.config;
  if (!c.has('httpd.cfg.lockWebUI.enable')) return { enabled: false, attempts: 5, windowMs: 60_000, lockMs: 60_000 };
  return {
    enabled: c.bool('httpd.cfg.lockWebUI.enable'),
    attempts: c.int('httpd.cfg.lockWebUI.noOfInvalidAttempts'),
    windowMs: c.int('httpd.cfg.lockWebUI.noOfInvalidAttemptsDuration') * 1000,
    lockMs: c.int('httpd.cfg.lockWebUI.lockOutDuration') * 1000,
  };
}
