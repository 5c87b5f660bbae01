/**
 * A fleet file's `telephonyEvents`: one receiver for every phone's telephony events. It stands for the values a
 * phone's `set` would carry: apps.telNotification.URL, and the switch of each event named (all of them by default)
 * turned on. `defaults.set` and a phone's own `set` still win over it, value by value.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { EVENT_SWITCH } from '../webapps/event-documents.js';

const PREFIX = 'apps.telNotification.';

/** The events a fleet file names: the last part of each switch parameter polysim raises events for. */
export const TELEPHONY_EVENT_NAMES: readonly string[] = [...new Set(Object.values(EVENT_SWITCH))].map((n) => n.slice(PREFIX.length));

export const TelephonyEventsSchema = Type.Object(
  {
    url: Type.String({ maxLength: 1024, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$', description: 'an http:// or https:// URL' }),
    events: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 32 })),
  },
  { additionalProperties: false },
);

export type TelephonyEventsSpec = Static<typeof TelephonyEventsSchema>;

/** What the schema cannot say: each event is one polysim raises, named once. */
export function telephonyEventsProblems(spec: TelephonyEventsSpec): string[] {
  const problems: string[] = [];
  (spec.events ?? []).forEach((name, i) => {
    const where = `telephonyEvents.events[${i}]`;
    if (!TELEPHONY_EVENT_NAMES.includes(name)) problems.push(`${where}: expected one of ${TELEPHONY_EVENT_NAMES.join(', ')}`);
    else if (spec.events?.indexOf(name) !== i) problems.push(`${where}: ${name} is named twice`);
  });
  return problems;
}

/** The configuration values it stands for (unknown events left out: telephonyEventsProblems names them). */
export function telephonyEventValues(spec: TelephonyEventsSpec | undefined): Record<string, string> {
  if (!spec) return {};
  const values: Record<string, string> = { [`${PREFIX}URL`]: spec.url };
  for (const name of spec.events ?? TELEPHONY_EVENT_NAMES) if (TELEPHONY_EVENT_NAMES.includes(name)) values[`${PREFIX}${name}`] = '1';
  return values;
}
