/**
 * The descriptors (files and sockets) a fleet needs, counted before it opens anything and held against what the
 * process may open (`ulimit -n`): a fleet that cannot fit stops at once with one line saying how many it needs and
 * how to raise the limit, rather than meeting EMFILE at its 4,000th phone. What is left after the listeners and
 * their reserve bounds the connections to phones (connection-budget.ts), so that accepting a connection never runs
 * out of descriptors either (libuv drops such a connection without a word).
 *
 * Per phone: HTTP and HTTPS listeners, SIP over UDP, TCP and TLS (in address mode the TCP ones are shared, one per
 * port for the fleet: shared-ports.ts; UDP stays per phone), two RTP sockets for a call with media on a line
 * registered to a SIP server, three files of its SQLite store (database, WAL, shared memory) with a data dir, and
 * the connection to a registrar over TCP or TLS.
 */
import { DescriptorError } from '../errors.js';
import { ConnectionBudget, phoneConnections } from '../transport/connection-budget.js';
import { raiseLimitHint } from '../transport/file-limit.js';

/** What one phone of a fleet opens, as far as descriptors go. */
export interface PhoneDescriptors {
  /** Its TCP listeners go through the fleet's shared ports (address mode). */
  readonly shared: boolean;
  readonly sip: boolean;
  readonly sipTls: boolean;
  /** RTP and RTCP of a call (media on, line 1 on a real SIP server). */
  readonly media: boolean;
  readonly dataDir: boolean;
  /** Line 1 keeps a TCP or TLS connection to its registrar. */
  readonly streamRegistrar: boolean;
}

export interface DescriptorPlan {
  readonly phones: number;
  /** Listening sockets: the phones' own (UDP included) and the shared ones. */
  readonly listeners: number;
  readonly media: number;
  readonly stores: number;
  readonly outbound: number;
  /** Open before the fleet starts. */
  readonly inUse: number;
  /** The control API (its listener and its connections) and the rest of the process (logs, DNS, transfers). */
  readonly reserve: number;
}

/** The control API's connections (DEFAULT_CONTROL_LIMITS), its listener, and 64 for the process's own files. */
export const PROCESS_RESERVE = 256 + 1 + 64;
/** The fewest connections to phones a fleet starts with: fewer, and it could hardly be used. */
export const MIN_PHONE_CONNECTIONS = 256;

/** Counts what `phones` need; `sharedPorts`: the distinct ports the fleet's shared listeners hold. */
export function planDescriptors(phones: readonly PhoneDescriptors[], sharedPorts: number, inUse: number): DescriptorPlan {
  let listeners = sharedPorts;
  let media = 0;
  let stores = 0;
  let outbound = 0;
  for (const p of phones) {
    listeners += (p.shared ? 0 : 2) + (p.sip ? (p.shared ? 1 : 2) : 0) + (p.sipTls && !p.shared ? 1 : 0);
    if (p.media) media += 2;
    if (p.dataDir) stores += 3;
    if (p.streamRegistrar) outbound += 1;
  }
  return { phones: phones.length, listeners, media, stores, outbound, inUse, reserve: PROCESS_RESERVE };
}

/** Everything but the connections to phones. */
function fixed(p: DescriptorPlan): number {
  return p.inUse + p.listeners + p.media + p.stores + p.outbound + p.reserve;
}

/**
 * Holds the plan against `limit` (what the process may open; `hard`: what it could be raised to): throws
 * DescriptorError when even the fewest connections do not fit; else the budget of connections to phones, smaller than
 * the process's default when the limit leaves less room (undefined: the default fits).
 */
export function checkDescriptors(plan: DescriptorPlan, limit: number, hard?: number): ConnectionBudget | undefined {
  const room = limit - fixed(plan);
  if (room >= phoneConnections.total) return undefined;
  if (room >= MIN_PHONE_CONNECTIONS) return new ConnectionBudget(room);
  const needed = fixed(plan) + MIN_PHONE_CONNECTIONS;
  const ask = fixed(plan) + phoneConnections.total;
  const perPhone = plan.phones > 0 ? Math.round((plan.listeners / plan.phones) * 10) / 10 : 0;
  const parts = [
    `${plan.listeners} listening sockets (${perPhone} a phone${perPhone >= 2 ? '; --address-range shares the TCP ones: 1 a phone' : ''})`,
    ...(plan.media > 0 ? [`${plan.media} for RTP, 2 a phone in a call (--media off: none)`] : []),
    ...(plan.stores > 0 ? [`${plan.stores} for the phones' stores in the data dir`] : []),
    ...(plan.outbound > 0 ? [`${plan.outbound} connections to the registrar`] : []),
    `${plan.reserve + MIN_PHONE_CONNECTIONS + plan.inUse} for connections and the process`,
  ];
  const hardNote = hard !== undefined && hard < ask ? `; hard limit ${hard}` : '';
  throw new DescriptorError(
    `a fleet of ${plan.phones} phones needs ${needed} open files and this process may open ${limit} (ulimit -n${hardNote}): ${parts.join(', ')}; raise the limit (${ask} leaves room for the most connections to phones, ${phoneConnections.total}): ${raiseLimitHint(ask)}`,
  );
}
