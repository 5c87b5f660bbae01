/**
 * The screen's power state, from the clock: PowerOn while the user was active within the backlight timeout,
 * PowerIdle after it, PowerOff once power saving's idle timeout has passed, PowerInCall during a call.
 */
import type { Phone } from './phone.js';

export type PowerState = 'PowerOn' | 'PowerIdle' | 'PowerOff' | 'PowerInCall';

export function powerState(phone: Phone, inCall: boolean): PowerState {
  if (inCall) return 'PowerInCall';
  const idleMs = phone.clock.now() - phone.lastActivityAt;
  const c = phone.config;
  if (c.bool('powerSaving.enable') && idleMs >= c.int('powerSaving.idleTimeout.officeHours') * 60_000) return 'PowerOff';
  if (idleMs >= c.int('up.backlight.timeout') * 1000) return 'PowerIdle';
  return 'PowerOn';
}
