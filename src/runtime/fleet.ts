/**
 * A fleet: N phones in one process on one virtual network, sharing one HTTP application. Port mode gives phone i
 * the ports P+i and Q+i on one address; address mode gives phone i its own loopback address with the same ports,
 * served by one listening socket per TCP port for the whole fleet (shared-ports.ts; SIP over UDP stays per phone).
 * Line 1 of phone i has the number firstNumber + i. `polysim start` is a fleet of one. Before anything opens, the
 * descriptors the fleet needs are held against the process's limit (descriptors.ts).
 */
import type { DialectMode } from '../phone/dialect/dialect.js';
import { join } from 'node:path';
import { FleetError } from '../errors.js';
import { TransferRate } from '../network/transfer-rate.js';
import type { Logger } from 'pino';
import type { Clock } from '../phone/clock.js';
import { systemClock } from '../phone/clock.js';
import { MAX_SPEED, MovableClock } from '../phone/movable-clock.js';
import { Switchboard } from '../network/switchboard.js';
import type { HttpApp } from '../transport/http/app.js';
import { startPhone } from './phone-host.js';
import { randomIds } from './random-ids.js';
import { CertificatePool } from '../transport/certificate-pool.js';
import type { PhoneSpec, RunningPhone } from './phone-host.js';
import { openDescriptors, openFileLimit } from '../transport/file-limit.js';
import type { FileLimit } from '../transport/file-limit.js';
import { SharedPorts } from '../transport/shared-ports.js';
import { checkDescriptors, planDescriptors } from './descriptors.js';
import { openSharedPorts } from './fleet-shared-ports.js';

/** The most phones one process runs (at about 0.3 MB each, and four ports each in port mode). */
export const MAX_FLEET_SIZE = 10_000;

/** The largest number line 1 of a fleet's first phone takes: 15 digits, as E.164 numbers (and exact in a double). */
export const MAX_FIRST_NUMBER = 999_999_999_999_999;

/** What one phone of a fleet sets for itself (a fleet file's phone): the rest comes from the fleet's spec. */
export interface MemberSpec {
  readonly model?: string;
  readonly firmware?: string;
  readonly dialect?: DialectMode;
  readonly number?: string;
  readonly adminPassword?: string;
  readonly set?: Readonly<Record<string, string>>;
  readonly address?: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly sipPort?: number;
  readonly sipTlsPort?: number;
}

export interface FleetSpec extends Omit<PhoneSpec, 'address' | 'number' | 'switchboard' | 'transferRate'> {
  readonly count: number;
  /** Per phone (count of them): model, firmware, number, password, values and ports of its own. */
  readonly members?: readonly MemberSpec[];
  /** Port mode: every phone on this address, phone i on httpPort + i and httpsPort + i (0: free ports). */
  readonly address: string;
  /** Address mode: phone i on this IPv4 address + i, all on httpPort and httpsPort. */
  readonly addressRange?: string;
  readonly firstNumber: number;
  /** The fleet clock's speed (times real time; 0 stops it) and start (ms since the epoch; default now), when no `clock` is given. */
  readonly clockSpeed?: number;
  readonly clockStart?: number;
  /**
   * Phones power on at random moments over this many milliseconds of the fleet clock, in the order of the fleet, as
   * a site's phones come up after a power cut: so the fleet's first provisioning and registrations do not all hit a
   * server at once (0 or absent: one after the other, at once).
   */
  readonly bootSpreadMs?: number;
  /** At most this many file transfers a second for the whole fleet (network/transfer-rate.ts); none: no cap. */
  readonly transferRate?: number;
  /** The random source of bootSpreadMs (tests give their own). */
  readonly random?: () => number;
  /**
   * Address mode: one listening socket per TCP port on 0.0.0.0 for every phone (default), or false: each phone
   * listens on its own address (four descriptors more a phone; lets other programs use the same ports on other
   * addresses).
   */
  readonly sharedListeners?: boolean;
  /** What the process may open (default: its own limit, read from /proc; tests give a low one). */
  readonly fileLimit?: FileLimit;
}

export interface Fleet {
  readonly phones: readonly RunningPhone[];
  readonly switchboard: Switchboard;
  /** The clock every phone's timers follow: a MovableClock (movable-clock.ts) unless the spec gave one. */
  readonly clock: Clock;
  /** Address mode's listening sockets shared by every phone (absent in port mode, or with sharedListeners false). */
  readonly sharedPorts: SharedPorts | undefined;
  stop(): Promise<void>;
}

export { FleetError };

/** 127.0.1.1 + 300 = 127.0.2.45. */
export function addressPlus(base: string, n: number): string {
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new FleetError(`--address-range wants an IPv4 address, not ${base}`);
  }
  const value =
    (((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number) + n;
  if (value > 0xffffffff) throw new FleetError(`--address-range ${base} has no room for ${n + 1} phones`);
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** What can be told of a fleet before anything starts: its size, first number, and room for its ports or addresses. */
export function checkFleetSpec(
  spec: Pick<
    FleetSpec,
    | 'count'
    | 'firstNumber'
    | 'members'
    | 'addressRange'
    | 'httpPort'
    | 'httpsPort'
    | 'sipPort'
    | 'sipTlsPort'
    | 'clockSpeed'
    | 'bootSpreadMs'
  >,
): void {
  if (spec.bootSpreadMs !== undefined && !(Number.isInteger(spec.bootSpreadMs) && spec.bootSpreadMs >= 0 && spec.bootSpreadMs <= 3_600_000))
    throw new FleetError('--boot-spread wants milliseconds 0-3600000 (an hour)');
  if (spec.clockSpeed !== undefined && !(spec.clockSpeed >= 0 && spec.clockSpeed <= MAX_SPEED))
    throw new FleetError(`--clock-speed wants a number 0-${MAX_SPEED} (times real time; 0 stops the clock)`);
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > MAX_FLEET_SIZE)
    throw new FleetError(`--count wants a whole number of phones, 1-${MAX_FLEET_SIZE}`);
  if (!Number.isInteger(spec.firstNumber) || spec.firstNumber < 1 || spec.firstNumber > MAX_FIRST_NUMBER) {
    throw new FleetError(`--first-number wants a whole number 1-${MAX_FIRST_NUMBER}`);
  }
  if (spec.members && spec.members.length !== spec.count)
    throw new FleetError(`${spec.members.length} phone specs for ${spec.count} phones`);
  const portMode = spec.addressRange === undefined;
  // Port mode: phone i without a port of its own listens on the fleet's port + i; the last must still be a port.
  const ports = {
    '--http-port': 'httpPort',
    '--https-port': 'httpsPort',
    '--sip-port': 'sipPort',
    '--sip-tls-port': 'sipTlsPort',
  } as const;
  const bases = fleetPortBases(spec);
  for (const [option, field] of Object.entries(ports)) {
    const port = bases[field];
    const last = spec.members ? spec.members.findLastIndex((m) => m[field] === undefined) : spec.count - 1;
    if (portMode && port !== undefined && port > 0 && port + last > 65535) {
      throw new FleetError(
        `${option} ${port} leaves no room for ${last + 1} phones on consecutive ports (the last would be ${port + last})`,
      );
    }
  }
  if (!portMode) addressPlus(spec.addressRange as string, spec.count - 1);
}

export type PortField = 'httpPort' | 'httpsPort' | 'sipPort' | 'sipTlsPort';
/** The ports a fleet starts from when neither the command line nor its file names them. */
export const FLEET_DEFAULT_PORTS: Record<PortField, number> = { httpPort: 8080, httpsPort: 8443, sipPort: 5060, sipTlsPort: 5061 };
const PORT_FIELDS: readonly PortField[] = ['httpPort', 'httpsPort', 'sipPort', 'sipTlsPort'];

/**
 * Where each kind of port of a fleet in port mode starts: phone i listens on base + i. Ranges that would overlap
 * (`--count 3` with SIP on 5060 and SIP over TLS on 5061: 5060-5062 and 5061-5063) cannot all listen, so a range that
 * meets one laid out before it (in the order HTTP, HTTPS, SIP, SIP over TLS) moves to just past it: 5063-5065 for
 * TLS. Port 0 (free ports) and absent kinds are left as they are.
 */
export function fleetPortBases(
  spec: Pick<FleetSpec, 'count' | 'addressRange' | PortField> & { readonly members?: readonly Partial<Record<PortField, number>>[] },
): Record<PortField, number | undefined> {
  const out: Record<PortField, number | undefined> = {
    httpPort: spec.httpPort,
    httpsPort: spec.httpsPort,
    sipPort: spec.sipPort,
    sipTlsPort: spec.sipTlsPort,
  };
  if (spec.addressRange !== undefined || spec.count < 2) return out;
  const taken: [number, number][] = [];
  for (const field of PORT_FIELDS) {
    let base = out[field];
    // the phones that take the fleet's port + i: up to the last that names no port of its own
    const width = spec.members ? spec.members.findLastIndex((m) => m[field] === undefined) + 1 : spec.count;
    if (base === undefined || base <= 0 || width === 0) continue;
    for (let moved = true; moved;) {
      moved = false;
      for (const [from, to] of taken) {
        if (base <= to && base + width - 1 >= from) {
          base = to + 1;
          moved = true;
        }
      }
    }
    out[field] = base;
    taken.push([base, base + width - 1]);
  }
  return out;
}

/** Where phone i listens: its address and ports, before anything opens. */
interface Placement {
  readonly address: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly sipPort: number | undefined;
  readonly sipTlsPort: number | undefined;
  /** Its TCP listeners go through the fleet's shared ports. */
  readonly shared: boolean;
}

function placements(spec: FleetSpec): Placement[] {
  const portMode = spec.addressRange === undefined;
  const bases = fleetPortBases(spec);
  const sharing = !portMode && spec.sharedListeners !== false;
  return Array.from({ length: spec.count }, (_, i) => {
    const m: MemberSpec = spec.members?.[i] ?? {};
    const address = m.address ?? (portMode ? spec.address : addressPlus(spec.addressRange as string, i));
    const plus = (p: number): number => (portMode && p > 0 ? p + i : p);
    return {
      address,
      httpPort: m.httpPort ?? plus(bases.httpPort ?? spec.httpPort),
      httpsPort: m.httpsPort ?? plus(bases.httpsPort ?? spec.httpsPort),
      sipPort: m.sipPort ?? (bases.sipPort === undefined ? undefined : plus(bases.sipPort)),
      sipTlsPort: m.sipTlsPort ?? (bases.sipTlsPort === undefined ? undefined : plus(bases.sipTlsPort)),
      // an IPv4 address of its own (the shared sockets listen on 0.0.0.0)
      shared: sharing && /^\d+\.\d+\.\d+\.\d+$/.test(address) && address !== '0.0.0.0',
    };
  });
}

/** Fleets from this size have their phones' certificates made ahead, on a worker thread (certificate-pool.ts). */
export const CERTIFICATES_AHEAD_FROM = 32;

export async function startFleet(
  spec: FleetSpec,
  app: HttpApp,
  logger?: Logger,
  clock: Clock = spec.clock ?? new MovableClock(systemClock, { speed: spec.clockSpeed ?? 1, start: spec.clockStart }),
): Promise<Fleet> {
  checkFleetSpec(spec);
  const placed = placements(spec);
  // Counted before anything opens: a fleet that cannot fit the process's limit stops here, in one line.
  const plan = planDescriptors(
    placed.map((p) => ({
      shared: p.shared,
      sip: p.sipPort !== undefined,
      sipTls: p.sipPort !== undefined && p.sipTlsPort !== undefined,
      media: spec.registrar !== undefined && spec.media !== 'off',
      dataDir: spec.dataDir !== undefined,
      streamRegistrar: spec.registrar !== undefined && spec.registrar.transport !== 'UDPOnly',
    })),
    sharedPortCount(placed),
    openDescriptors() ?? 0,
  );
  const limit = spec.fileLimit ?? openFileLimit();
  const budget = limit ? checkDescriptors(plan, limit.soft, limit.hard) : undefined;
  const connectionBudget = spec.connectionBudget ?? budget;
  const shared = placed.some((p) => p.shared) ? new SharedPorts() : undefined;
  const switchboard = new Switchboard(clock, spec.ids ?? randomIds);
  const phones: RunningPhone[] = [];
  const transferRate = spec.transferRate === undefined ? undefined : new TransferRate(spec.transferRate);
  // when each phone powers on, from now: sorted, so phone i + 1 never comes up before phone i
  const spread = spec.bootSpreadMs ?? 0;
  const random = spec.random ?? Math.random;
  const offsets = Array.from({ length: spec.count }, () => (spread > 0 ? Math.floor(random() * spread) : 0)).sort((a, b) => a - b);
  // Every phone of the fleet has its own MAC (identity.ts): the ones held so far.
  const macs = new Set<string>();
  // Their own certificates, made on a worker thread once a large fleet has started (unless the user gave one for
  // all), beside the first clients rather than beside the start, which keeps the cores busy; a few phones make theirs
  // on their first TLS connection.
  const certificates = spec.tls || spec.count < CERTIFICATES_AHEAD_FROM ? undefined : new CertificatePool({ held: true });
  try {
    // Address mode: the shared listening sockets first (port 0: one free port for every phone).
    const ports = shared ? await openSharedPorts(shared, placed) : placed;
    const startedAt = clock.now();
    for (let i = 0; i < spec.count; i++) {
      const m: MemberSpec = spec.members?.[i] ?? {};
      const p = ports[i] as Placement;
      const number = m.number ?? String(spec.firstNumber + i);
      const wait = startedAt + (offsets[i] ?? 0) - clock.now();
      if (wait > 0) await new Promise<void>((resolve) => clock.schedule(wait, resolve));
      phones.push(
        await startPhone(
          {
            ...spec,
            address: p.address,
            number,
            model: m.model ?? spec.model,
            firmware: m.firmware ?? (m.model ? undefined : spec.firmware),
            dialect: m.dialect ?? spec.dialect,
            adminPassword: m.adminPassword ?? spec.adminPassword,
            set: { ...spec.set, ...m.set },
            httpPort: p.httpPort,
            httpsPort: p.httpsPort,
            sipPort: p.sipPort,
            sipTlsPort: p.sipTlsPort,
            dataDir: spec.dataDir && spec.count > 1 ? join(spec.dataDir, `phone-${i + 1}`) : spec.dataDir,
            switchboard,
            clock,
            macTaken: (mac) => macs.has(mac),
            transferRate,
            connectionBudget,
            sharedPorts: p.shared ? shared : undefined,
            certificates,
          },
          app,
          logger,
        ).catch((err: unknown) => {
          // Say which phone could not start (its port is in the message), and stop at once.
          if (err instanceof Error && spec.count > 1) err.message = `phone ${i + 1} (number ${number}): ${err.message}`;
          throw err;
        }),
      );
      macs.add((phones[phones.length - 1] as RunningPhone).phone.identity.mac);
    }
    certificates?.start();
  } catch (err) {
    await certificates?.close();
    await Promise.all(phones.map((p) => p.stop()));
    await shared?.close();
    throw err;
  }
  return {
    phones,
    switchboard,
    clock,
    sharedPorts: shared,
    stop: async () => {
      await certificates?.close();
      await Promise.all(phones.map((p) => p.stop()));
      await shared?.close();
    },
  };
}

/** How many listening sockets the shared phones need: one per distinct port (0, a free port, counts once a kind). */
function sharedPortCount(placed: readonly Placement[]): number {
  const ports = new Set<string>();
  for (const p of placed) {
    if (!p.shared) continue;
    ports.add(`${p.httpPort || 'http'}`);
    ports.add(`${p.httpsPort || 'https'}`);
    if (p.sipPort !== undefined) ports.add(`${p.sipPort || 'sip'}`);
    if (p.sipPort !== undefined && p.sipTlsPort !== undefined) ports.add(`${p.sipTlsPort || 'sip-tls'}`);
  }
  return ports.size;
}
