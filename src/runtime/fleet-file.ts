/**
 * A fleet from a file (`polysim fleet --config fleet.yaml`, YAML or JSON): phones of mixed models and firmware with
 * their own numbers, passwords, values and ports; the far ends' scripts; and scenarios that play the world around the
 * phones. Validated whole: every bad field is reported with its path and why, before anything starts.
 */
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { FleetFileError } from '../errors.js';
import { readSmallFile } from '../small-file.js';
import { resolveProfile } from '../phone/models.js';
import type { Profile } from '../phone/models.js';
import { expandCatalog } from '../phone/config/layered-config.js';
import { checkValue } from '../phone/config/validate.js';
import { MAX_SPEED } from '../phone/movable-clock.js';
import type { FarEndScript } from '../network/far-end.js';
import { FarEndScriptSchema } from '../network/far-end-script.js';
import { FLEET_DEFAULT_PORTS, fleetPortBases, MAX_FIRST_NUMBER, MAX_FLEET_SIZE } from './fleet.js';
import type { MemberSpec } from './fleet.js';
import { parseRegistrar } from './registrar-address.js';
import { TelephonyEventsSchema, telephonyEventValues, telephonyEventsProblems } from './fleet-receiver.js';

export { FleetFileError };

const IPV4 = '^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$';
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Number_ = Type.String({ pattern: '^[0-9*#+]{1,32}$', description: 'a line number (digits, * # +)' });
const Values = Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

const PhoneEntry = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1 })),
    firmware: Type.Optional(Type.String({ minLength: 1 })),
    /** device (default): as phones answer; manual: as the manual's pages. */
    dialect: Type.Optional(Type.Union([Type.Literal('device'), Type.Literal('manual')])),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    number: Type.Optional(Number_),
    adminPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    set: Type.Optional(Values),
    address: Type.Optional(Type.String({ pattern: IPV4, description: 'an IPv4 address' })),
    httpPort: Type.Optional(Port),
    httpsPort: Type.Optional(Port),
    sipPort: Type.Optional(Port),
    sipTlsPort: Type.Optional(Port),
  },
  { additionalProperties: false },
);

const Script = FarEndScriptSchema;

const PhoneRef = Type.Integer({ minimum: 1, description: 'a phone of the fleet, from 1' });
const Line = Type.Optional(Type.Integer({ minimum: 1, maximum: 48 }));

const Scenario = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('busy-agent'),
      phone: PhoneRef,
      line: Line,
      callSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
      gapSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
      from: Type.Optional(Number_),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('incoming-queue'),
      phone: PhoneRef,
      line: Line,
      perMinute: Type.Number({ exclusiveMinimum: 0, maximum: 600 }),
      from: Type.Optional(Number_),
      maxWaiting: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('periodic-reboot'),
      phone: PhoneRef,
      everyMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 10_080 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('registration-loss'),
      phone: PhoneRef,
      line: Line,
      afterSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
      forSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400 }),
      everySeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    },
    { additionalProperties: false },
  ),
]);

export const FleetFileSchema = Type.Object(
  {
    address: Type.Optional(Type.String({ pattern: IPV4, description: 'an IPv4 address' })),
    httpPort: Type.Optional(Port),
    httpsPort: Type.Optional(Port),
    sipPort: Type.Optional(Port),
    sipTlsPort: Type.Optional(Port),
    controlPort: Type.Optional(Port),
    firstNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FIRST_NUMBER })),
    registrar: Type.Optional(
      Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$', description: 'a SIP server: host[:port]' }),
    ),
    registrarTransport: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('tls')])),
    sipPassword: Type.Optional(Type.String({ maxLength: 255 })),
    media: Type.Optional(Type.Union([Type.Literal('tone'), Type.Literal('silence'), Type.Literal('off')])),
    /** Every phone posts its telephony events to one receiver (fleet-receiver.ts). */
    telephonyEvents: Type.Optional(TelephonyEventsSchema),
    /** The fleet clock (movable-clock.ts): its speed, times real time (0: stopped), and its start. */
    clock: Type.Optional(
      Type.Object(
        {
          speed: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_SPEED })),
          start: Type.Optional(
            Type.String({
              pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
              description: 'ISO 8601 with its offset, e.g. 2027-01-04T09:00:00Z',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    defaults: Type.Optional(Type.Omit(PhoneEntry, ['count', 'number', 'address', 'httpPort', 'httpsPort', 'sipPort', 'sipTlsPort'])),
    phones: Type.Array(PhoneEntry, { minItems: 1 }),
    farEnds: Type.Optional(Type.Record(Type.String({ pattern: '^(default|[0-9*#+]{1,32})$' }), Script)),
    scenarios: Type.Optional(Type.Array(Scenario)),
  },
  { additionalProperties: false },
);

export type FleetFileData = Static<typeof FleetFileSchema>;
export type ScenarioSpec = Static<typeof Scenario>;

/** A fleet file, read, checked and expanded: one member per phone. */
export interface FleetPlan {
  readonly file: string;
  readonly address?: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly sipPort?: number;
  readonly sipTlsPort?: number;
  readonly controlPort?: number;
  readonly registrar?: string;
  readonly registrarTransport?: 'udp' | 'tcp' | 'tls';
  readonly sipPassword?: string;
  readonly media?: 'tone' | 'silence' | 'off';
  readonly clockSpeed?: number;
  readonly clockStart?: number;
  readonly members: readonly MemberSpec[];
  readonly farEnds: ReadonlyMap<string, FarEndScript>;
  readonly scenarios: readonly ScenarioSpec[];
}

/** `/phones/0/model` → `phones[0].model`, as a reader of the file names it. */
function pathOf(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return '(the file)';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(p) ? `${i ? '.' : ''}${p}` : `["${p}"]`)).join('');
}

/** TypeBox's messages, in the words of a file's reader. */
function plain(message: string): string {
  if (/^expected required property$/i.test(message)) return 'missing (required)';
  if (/^unexpected property$/i.test(message)) return 'not a field here (a typo?)';
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Schema errors, one per field: the most specific message for each path. */
function schemaProblems(schema: TSchema, data: unknown): string[] {
  const byPath = new Map<string, string>();
  for (const e of Value.Errors(schema, data)) {
    const path = pathOf(e.path);
    // A pattern is no way to tell a reader what a field takes: its description is.
    const description = (e.schema as { description?: unknown }).description;
    const message = typeof description === 'string' && /^expected string to match/i.test(e.message) ? `expected ${description}` : e.message;
    // For a scenario, TypeBox reports the union first ("expected one of"); a field's own error is more useful.
    if (!byPath.has(path) || /union/i.test(byPath.get(path) ?? '')) byPath.set(path, message);
  }
  // A field's error makes its parents' union errors noise.
  const paths = [...byPath.keys()];
  return paths
    .filter((p) => !paths.some((q) => q !== p && q.startsWith(p) && /union/i.test(byPath.get(p) ?? '')))
    .map((p) => `${p}: ${plain(byPath.get(p) as string)}`);
}

/** A number of digits only, counted up exactly (however long), as wide as it was written: 0800, 0801, ... */
interface Counter {
  readonly value: bigint;
  readonly width: number;
}
const nth = (c: Counter, k: number): string => String(c.value + BigInt(k)).padStart(c.width, '0');

const PORT_FIELDS = ['httpPort', 'httpsPort', 'sipPort', 'sipTlsPort'] as const;
const roomless = (port: number, count: number): string =>
  `${port} leaves no room for ${count} phones on consecutive ports (the last would be ${port + count - 1})`;

const text = (v: string | number | boolean): string => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

export function parseFleetFile(file: string, source: string): FleetPlan {
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(source) : parseYaml(source, { maxAliasCount: 100 });
  } catch (err) {
    throw new FleetFileError(file, [`not ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new FleetFileError(file, ['(the file): expected a mapping with a phones list']);
  // The scenario kind decides which fields a scenario takes; say so instead of TypeBox's "expected union value".
  const kinds = ['busy-agent', 'incoming-queue', 'periodic-reboot', 'registration-loss'];
  const problems: string[] = [];
  const scenarios = (data as { scenarios?: unknown }).scenarios;
  if (Array.isArray(scenarios)) {
    scenarios.forEach((s, i) => {
      const kind = (s as { kind?: unknown } | null)?.kind;
      if (typeof kind !== 'string' || !kinds.includes(kind)) problems.push(`scenarios[${i}].kind: expected one of ${kinds.join(', ')}`);
      else {
        const variant = (Scenario.anyOf as TSchema[]).find(
          (v) => (v as unknown as { properties: { kind: { const: string } } }).properties.kind.const === kind,
        ) as TSchema;
        problems.push(
          ...schemaProblems(variant, s).map((p) => `scenarios[${i}]${p.startsWith('(') ? '' : '.'}${p.replace(/^\(the file\)/, '')}`),
        );
      }
    });
  } else if (scenarios !== undefined) problems.push('scenarios: expected a list');
  const { scenarios: _omit, ...rest } = data as Record<string, unknown>;
  problems.push(...schemaProblems(Type.Omit(FleetFileSchema, ['scenarios']), rest));
  if (problems.length > 0) throw new FleetFileError(file, problems);
  const f = data as FleetFileData;
  if (f.telephonyEvents) problems.push(...telephonyEventsProblems(f.telephonyEvents));
  if (f.clock?.start !== undefined && !Number.isFinite(Date.parse(f.clock.start)))
    problems.push(`clock.start: ${f.clock.start} is no date`);
  const receiver = telephonyEventValues(f.telephonyEvents);

  // Expand, then check what the schema cannot: models, firmware, values, numbers and ports that collide.
  const total = f.phones.reduce((sum, entry) => sum + (entry.count ?? 1), 0);
  if (total > MAX_FLEET_SIZE) throw new FleetFileError(file, [`phones: ${total} phones; a fleet has at most ${MAX_FLEET_SIZE}`]);
  const members: MemberSpec[] = [];
  let next: Counter = { value: BigInt(f.firstNumber ?? 1001), width: 0 };
  f.phones.forEach((entry, i) => {
    const where = `phones[${i}]`;
    const model = entry.model ?? f.defaults?.model ?? 'VVX 450';
    const firmware = entry.firmware ?? (entry.model ? undefined : f.defaults?.firmware);
    let profile: Profile | undefined;
    try {
      profile = resolveProfile(model, firmware);
    } catch (err) {
      problems.push(`${where}${entry.firmware ? '.firmware' : entry.model ? '.model' : ''}: ${(err as Error).message}`);
    }
    const set: Record<string, string> = {};
    const params = profile ? expandCatalog(profile) : undefined;
    for (const [name, value] of Object.entries({ ...receiver, ...f.defaults?.set, ...entry.set })) {
      const param = params?.get(name);
      const checked = param ? checkValue(param.spec.type, text(value)) : undefined;
      if (params && !param) problems.push(`${where}.set["${name}"]: unknown parameter for the ${model}`);
      else if (checked && !checked.ok) problems.push(`${where}.set["${name}"]: ${checked.reason}`);
      set[name] = text(value);
    }
    const count = entry.count ?? 1;
    const first: Counter | undefined =
      entry.number === undefined
        ? next
        : /^\d+$/.test(entry.number)
          ? { value: BigInt(entry.number), width: entry.number.length }
          : undefined;
    if (first === undefined && count > 1)
      problems.push(`${where}.number: a count of phones needs a number of digits only, to count up from`);
    if (first !== undefined && nth(first, count - 1).length > 32) {
      const from = entry.number === undefined ? `counting up from ${nth(first, -1)}` : `counting ${count} phones up from ${entry.number}`;
      problems.push(`${where}.number: ${from} goes past 32 digits`);
    }
    for (let k = 0; k < count; k++) {
      const number = first === undefined ? (entry.number as string) : nth(first, k);
      members.push({
        model,
        firmware,
        dialect: entry.dialect ?? f.defaults?.dialect,
        number,
        adminPassword: entry.adminPassword ?? f.defaults?.adminPassword,
        set,
        address: entry.address,
        // A count of phones with ports of their own: consecutive ports, as a fleet's.
        httpPort: entry.httpPort === undefined ? undefined : entry.httpPort && entry.httpPort + k,
        httpsPort: entry.httpsPort === undefined ? undefined : entry.httpsPort && entry.httpsPort + k,
        sipPort: entry.sipPort === undefined ? undefined : entry.sipPort && entry.sipPort + k,
        sipTlsPort: entry.sipTlsPort === undefined ? undefined : entry.sipTlsPort && entry.sipTlsPort + k,
      });
    }
    if (first !== undefined) next = { value: first.value + BigInt(count), width: first.width };
    for (const field of PORT_FIELDS) {
      const port = entry[field];
      if (port && port + count - 1 > 65535) problems.push(`${where}.${field}: ${roomless(port, count)}`);
    }
  });
  // Phone i without a port of its own listens on the fleet's port + i, ranges moved past each other (fleet.ts).
  const bases = fleetPortBases({
    count: members.length,
    members,
    httpPort: f.httpPort ?? FLEET_DEFAULT_PORTS.httpPort,
    httpsPort: f.httpsPort ?? FLEET_DEFAULT_PORTS.httpsPort,
    sipPort: f.sipPort ?? FLEET_DEFAULT_PORTS.sipPort,
    sipTlsPort: f.sipTlsPort ?? FLEET_DEFAULT_PORTS.sipTlsPort,
  });
  for (const field of PORT_FIELDS) {
    const port = bases[field];
    const last = members.findLastIndex((m) => m[field] === undefined);
    if (port && port + last > 65535) problems.push(`${field}: ${roomless(port, last + 1)}`);
  }
  const registrar = f.registrar === undefined ? undefined : parseRegistrar(f.registrar);
  if (registrar && !registrar.ok) problems.push(`registrar: ${registrar.reason}`);
  const seen = new Map<string, number>();
  members.forEach((m, i) => {
    const prior = seen.get(m.number as string);
    if (prior !== undefined) problems.push(`phones: phone ${i + 1} has number ${m.number}, as phone ${prior + 1} has`);
    else seen.set(m.number as string, i);
  });
  for (const [i, s] of (f.scenarios ?? []).entries()) {
    if (s.phone > members.length) problems.push(`scenarios[${i}].phone: the fleet has ${members.length} phones, no phone ${s.phone}`);
  }
  if (problems.length > 0) throw new FleetFileError(file, problems);
  return {
    file,
    address: f.address,
    httpPort: f.httpPort,
    httpsPort: f.httpsPort,
    sipPort: f.sipPort,
    sipTlsPort: f.sipTlsPort,
    controlPort: f.controlPort,
    registrar: f.registrar,
    registrarTransport: f.registrarTransport,
    sipPassword: f.sipPassword,
    media: f.media,
    clockSpeed: f.clock?.speed,
    clockStart: f.clock?.start === undefined ? undefined : Date.parse(f.clock.start),
    members,
    farEnds: new Map(Object.entries(f.farEnds ?? {})),
    scenarios: f.scenarios ?? [],
  };
}

export function readFleetFile(file: string): FleetPlan {
  let source: string;
  try {
    source = readSmallFile(file);
  } catch (err) {
    throw new FleetFileError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseFleetFile(file, source);
}
