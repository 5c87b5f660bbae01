/** A phone for unit tests: memory store, manual clock, counting id source, no network. */
import { ManualClock } from './clock.js';
import type { IdSource } from './identity.js';
import { resolveProfile } from './models.js';
import { Phone } from './phone.js';
import type { PhoneOptions } from './phone.js';
import type { Transfers } from './ports.js';
import { MemoryStore } from '../store/memory-store.js';

export function countingIds(): IdSource {
  let n = 0;
  return {
    hex: (bytes) =>
      (n++)
        .toString(16)
        .padStart(bytes * 2, '0')
        .slice(-bytes * 2),
  };
}

export const noTransfers: Transfers = {
  get: () => Promise.reject(new Error('no network in unit tests')),
  upload: () => Promise.reject(new Error('no network in unit tests')),
};

export function unitPhone(model = 'VVX 450', options: Partial<PhoneOptions> = {}): { phone: Phone; clock: ManualClock } {
  const clock = new ManualClock();
  const phone = new Phone({
    profile: resolveProfile(model),
    store: new MemoryStore(),
    ids: countingIds(),
    transfers: noTransfers,
    clock,
    ipv4: '127.0.0.1',
    timing: { initMs: 1000, restartMs: 5000, rebootMs: 20000, skypeSignInTimeoutMs: 150_000 },
    ...options,
  });
  return { phone, clock };
}
