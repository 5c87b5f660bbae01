/**
 * Shards: many processes (the pods of a Kubernetes StatefulSet) each run the same fleet file, each as its own part
 * of one larger fleet: shard i of n moves the file's numbers by i spans and draws its MACs from its own residue
 * modulo n, so no two shards share a number or a MAC.
 */
import { hostname } from 'node:os';
import { FleetError } from '../errors.js';
import { MAX_FIRST_NUMBER } from './fleet.js';
import type { FleetPlan } from './fleet-file.js';

export interface Shard {
  /** From 0, as StatefulSet ordinals. */
  readonly index: number;
  readonly count: number;
}

/** The most shards a fleet splits into: each shard draws its MACs from its own residue of 2^24 MAC suffixes. */
export const MAX_SHARDS = 4096;

/**
 * The shard a process is: a number, or a name that ends in -<number> (a StatefulSet pod's name, `polysim-3`), or
 * `auto`: the host name (a pod's host name is its name).
 */
export function parseShardIndex(value: string, host: () => string = hostname): number {
  const name = value === 'auto' ? host() : value;
  const m = /^(?:.*-)?(\d{1,9})$/.exec(name);
  if (!m) {
    throw new FleetError(
      value === 'auto'
        ? `--shard auto: the host name "${name}" does not end in -<ordinal> (a StatefulSet pod's does, e.g. polysim-3)`
        : `--shard wants an ordinal from 0, or a name ending in -<ordinal>, not "${value}"`,
    );
  }
  return Number(m[1]);
}

export function checkShard(shard: Shard): void {
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.count > MAX_SHARDS)
    throw new FleetError(`--shards is 1 to ${MAX_SHARDS}, not ${shard.count}`);
  if (shard.index >= shard.count)
    throw new FleetError(`shard ${shard.index} does not exist in ${shard.count} shards (0 to ${shard.count - 1})`);
}

/**
 * The shard's fleet: the fleet file (or --count) is every shard's, and shard i's numbers are the file's moved by i
 * times the file's span of numbers (largest - smallest + 1), so shards never share a number: a file of 500 phones from
 * 1001 gives shard 0 1001-1500, shard 1 1501-2000. Ports, models, values and scenarios are the file's in every shard.
 */
export function shardPlan(plan: FleetPlan, firstNumber: number, shard: Shard): FleetPlan {
  checkShard(shard);
  const numbers = plan.members.map((m, i) => BigInt(m.number ?? firstNumber + i));
  const low = numbers.reduce((a, b) => (b < a ? b : a));
  const high = numbers.reduce((a, b) => (b > a ? b : a));
  const offset = BigInt(shard.index) * (high - low + 1n);
  return {
    ...plan,
    members: plan.members.map((m, i) => {
      const moved = String((numbers[i] as bigint) + offset);
      // a number written with leading zeros keeps its width
      const number = m.number !== undefined && moved.length < m.number.length ? moved.padStart(m.number.length, '0') : moved;
      if (number.length > 15) throw new FleetError(`shard ${shard.index}: number ${number} is longer than 15 digits`);
      return { ...m, number };
    }),
  };
}

/** The first number of shard i of a fleet of `count` phones from `firstNumber` (--count without a file). */
export function shardFirstNumber(firstNumber: number, count: number, shard: Shard): number {
  checkShard(shard);
  const first = firstNumber + shard.index * count;
  if (first + count - 1 > MAX_FIRST_NUMBER) throw new FleetError(`shard ${shard.index}: its numbers would pass 15 digits`);
  return first;
}

/** A MAC suffix (24 bits) of this shard: the random draw moved to the shard's residue modulo the shard count. */
export function shardMacSuffix(draw: number, shard: Shard | undefined): number {
  if (!shard || shard.count === 1) return draw;
  const moved = draw - (draw % shard.count) + shard.index;
  return moved <= 0xffffff ? moved : moved - shard.count;
}
