/** A registration plan for unit tests: line 1 (1001@pbx.test) on `servers` documentation addresses, fast timers. */
import type { RegistrationPlan } from './registration.js';

export function testRegistrationPlan(servers: number): RegistrationPlan {
  return {
    line: 1,
    user: '1001',
    domain: 'pbx.test',
    displayName: '',
    authUser: '1001',
    password: 'pw',
    retryBaseMs: 10_000,
    retryMaxMs: 40_000,
    userAgent: 'test',
    servers: Array.from({ length: servers }, (_, i) => ({
      index: i + 1,
      dest: { transport: 'UDP' as const, host: `192.0.2.${i + 1}`, port: 5060 },
      expires: 120,
      overlap: 30,
      policy: { t1: 500, t2: 4000, fixed: { intervalMs: 100, count: 1 } },
    })),
  };
}
