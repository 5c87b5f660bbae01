/** The dialect a phone speaks: each fact of facts.ts resolved once per profile and mode (a fleet shares them). */
import { atLeast } from '../firmware.js';
import type { FamilyId, Profile } from '../models.js';
import { FACTS } from './facts.js';
import type { Dialect, DialectMode, Fact, Scope } from './facts.js';

export type { Dialect, DialectMode } from './facts.js';
export { DIALECT_MODES } from './facts.js';

/** True when a phone of this family on this firmware is within the scope. */
export function inScope(scope: Scope, family: FamilyId, firmware: string): boolean {
  if (scope.families && !scope.families.includes(family)) return false;
  if (scope.from && !atLeast(firmware, scope.from)) return false;
  if (scope.below && atLeast(firmware, scope.below)) return false;
  return true;
}

const resolved = new Map<string, Dialect>();

/**
 * The facts in force for a profile, with the row each came from: under `device`, the first device row whose scope
 * matches, else the manual's; under `manual`, the manual's row of every fact.
 */
export function dialectRows(profile: Profile, mode: DialectMode = 'device', facts: readonly Fact[] = FACTS): Map<keyof Dialect, Fact> {
  const out = new Map<keyof Dialect, Fact>();
  for (const f of facts) {
    if (out.has(f.fact) || (mode === 'manual' && f.origin !== 'manual')) continue;
    if (inScope(f.scope, profile.family.id, profile.firmware)) out.set(f.fact, f);
  }
  return out;
}

export function dialectOf(profile: Profile, mode: DialectMode = 'device'): Dialect {
  const key = `${profile.model.name}|${profile.firmware}|${mode}`;
  let d = resolved.get(key);
  if (!d) {
    const rows = dialectRows(profile, mode);
    d = Object.fromEntries([...rows].map(([k, f]) => [k, f.value])) as unknown as Dialect;
    resolved.set(key, d);
  }
  return d;
}
