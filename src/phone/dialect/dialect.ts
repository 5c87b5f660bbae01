/** The dialect a phone speaks: each fact of facts.ts resolved once per profile (a fleet shares them). */
import { atLeast } from '../firmware.js';
import type { Profile } from '../models.js';
import { FACTS } from './facts.js';
import type { Dialect, Fact, Scope } from './facts.js';

export type { Dialect } from './facts.js';

function matches(scope: Scope, profile: Profile): boolean {
  if (scope.families && !scope.families.includes(profile.family.id)) return false;
  if (scope.from && !atLeast(profile.firmware, scope.from)) return false;
  if (scope.below && atLeast(profile.firmware, scope.below)) return false;
  return true;
}

const resolved = new Map<string, Dialect>();

/** The facts in force for a profile, with the row each came from. */
export function dialectRows(profile: Profile, facts: readonly Fact[] = FACTS): Map<keyof Dialect, Fact> {
  const out = new Map<keyof Dialect, Fact>();
  for (const f of facts) if (!out.has(f.fact) && matches(f.scope, profile)) out.set(f.fact, f);
  return out;
}

export function dialectOf(profile: Profile): Dialect {
  const key = `${profile.model.name}|${profile.firmware}`;
  let d = resolved.get(key);
  if (!d) {
    const rows = dialectRows(profile);
    d = Object.fromEntries([...rows].map(([k, f]) => [k, f.value])) as unknown as Dialect;
    resolved.set(key, d);
  }
  return d;
}
