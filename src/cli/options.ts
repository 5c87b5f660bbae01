/** Parsing and checking of CLI option values, each failing with a one-line message. */
import { InvalidArgumentError } from 'commander';
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { catalog } from '../phone/config/catalog.js';
import { checkValue } from '../phone/config/validate.js';
import { MAX_FIRST_NUMBER, MAX_FLEET_SIZE } from '../runtime/fleet.js';
import { MAX_SHARDS } from '../runtime/shards.js';
import { parseRegistrar } from '../runtime/registrar-address.js';
import { MAX_SPEED } from '../phone/movable-clock.js';

/**
 * A whole number min-max, written in digits only. The range is checked on the digits' value, so that a number past
 * 2^53 (which JavaScript cannot hold exactly) is refused, never rounded.
 */
function wholeNumber(value: string, min: number, max: number, expected: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
  return n;
}

/** --clock-speed: times real time, 0 (stopped) to MAX_SPEED; a decimal is fine (0.5 runs at half speed). */
export function clockSpeed(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > MAX_SPEED)
    throw new InvalidArgumentError(`expected a speed 0-${MAX_SPEED} (times real time; 0 stops the clock)`);
  return n;
}

/** --clock-start: an ISO 8601 date and time (2027-01-04T09:00:00Z), as milliseconds since the epoch. */
export function clockStart(value: string): number {
  const n = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(n))
    throw new InvalidArgumentError('expected an ISO 8601 date and time, e.g. 2027-01-04T09:00:00Z');
  return n;
}

export function port(value: string): number {
  return wholeNumber(value, 0, 65535, 'a port number 0-65535');
}

/**
 * The default ports of `start` and `fleet` (and the control API `polysim clock` talks to by default): the documented
 * ones, or the port an environment variable names, for a machine where 8080 or 5060 is taken (the docs' shell blocks
 * run that way). Options on the command line and a fleet file's ports win over them.
 */
export const PORT_ENV = {
  httpPort: ['POLYSIM_HTTP_PORT', 8080],
  httpsPort: ['POLYSIM_HTTPS_PORT', 8443],
  sipPort: ['POLYSIM_SIP_PORT', 5060],
  sipTlsPort: ['POLYSIM_SIP_TLS_PORT', 5061],
  controlPort: ['POLYSIM_CONTROL_PORT', 8790],
} as const;

/** Each default port (PORT_ENV), and what is wrong with a variable that names no port (a usage error where it is used). */
export function defaultPorts(env: Readonly<Record<string, string | undefined>>): {
  ports: Record<keyof typeof PORT_ENV, number>;
  problem?: string;
} {
  const ports = {} as Record<keyof typeof PORT_ENV, number>;
  let problem: string | undefined;
  for (const [field, [name, documented]] of Object.entries(PORT_ENV) as [keyof typeof PORT_ENV, readonly [string, number]][]) {
    const value = env[name];
    ports[field] = documented;
    if (value === undefined || value === '') continue;
    try {
      ports[field] = port(value);
    } catch (err) {
      problem ??= `${name}=${value}: ${(err as Error).message}`;
    }
  }
  return problem === undefined ? { ports } : { ports, problem };
}

/** The longest time a millisecond option takes: an hour (a timer of more than 2^31-1 ms would fire at once). */
export const MAX_OPTION_MS = 3_600_000;

/** --latency-ms, --body-timeout-ms, --init-ms, ...: every option that ends in a timer. */
export function milliseconds(value: string): number {
  return wholeNumber(value, 0, MAX_OPTION_MS, `milliseconds 0-${MAX_OPTION_MS} (an hour)`);
}

/** As milliseconds(), 1 or more (an overall deadline of 0 would end every transfer at once). */
export function positiveMilliseconds(value: string): number {
  return wholeNumber(value, 1, MAX_OPTION_MS, `milliseconds 1-${MAX_OPTION_MS} (an hour)`);
}

/** ctl --wait-timeout. */
export function seconds(value: string): number {
  return wholeNumber(value, 1, MAX_OPTION_MS / 1000, `seconds 1-${MAX_OPTION_MS / 1000} (an hour)`);
}

/** The highest --transfer-rate: far past what one process sends. */
export const MAX_TRANSFER_RATE = 100_000;

/** fleet --shards: how many shards the whole fleet has. */
export function shardCount(value: string): number {
  return wholeNumber(value, 1, MAX_SHARDS, `a whole number 1-${MAX_SHARDS}`);
}

/** fleet --transfer-rate: transfers a second, more than 0 (0.5 is one every two seconds). */
export function transferRate(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > MAX_TRANSFER_RATE)
    throw new InvalidArgumentError(`expected transfers a second, more than 0 and at most ${MAX_TRANSFER_RATE}`);
  return n;
}

/** fleet --count. */
export function fleetSize(value: string): number {
  return wholeNumber(value, 1, MAX_FLEET_SIZE, `a whole number 1-${MAX_FLEET_SIZE}`);
}

/** --first-number: a line number of at most 15 digits (E.164), so that every phone's number is exact. */
export function firstNumber(value: string): number {
  return wholeNumber(value, 1, MAX_FIRST_NUMBER, `a whole number 1-${MAX_FIRST_NUMBER}`);
}

/** ctl --concurrency: phones asked at once. */
export function concurrency(value: string): number {
  return wholeNumber(value, 1, 1000, 'a whole number 1-1000');
}

export function address(value: string): string {
  const v = value.trim();
  if (isIP(v) === 0) throw new InvalidArgumentError('expected an IP address, e.g. 127.0.0.1 or ::1');
  return v;
}

/** --address-range: phone i listens on this IPv4 address + i. */
export function ipv4(value: string): string {
  const v = value.trim();
  if (isIP(v) !== 4) throw new InvalidArgumentError('expected an IPv4 address, e.g. 127.0.1.1');
  return v;
}

/** ctl --mac: 48 bits, written as 12 hex digits (separators : - . allowed). */
export function mac(value: string): string {
  if (!/^[0-9a-f]{12}$/i.test(value.replace(/[:.-]/g, '')))
    throw new InvalidArgumentError('expected a MAC address: 12 hex digits, e.g. 0004f2ab12cd');
  return value;
}

/** ctl --pin: a SHA-256 fingerprint (colons allowed, as openssl prints it). */
export function sha256(value: string): string {
  if (!/^[0-9a-f]{64}$/i.test(value.replace(/:/g, ''))) throw new InvalidArgumentError('expected a SHA-256 fingerprint: 64 hex digits');
  return value;
}

/** --registrar host[:port]. */
export function registrar(value: string): string {
  const r = parseRegistrar(value);
  if (!r.ok) throw new InvalidArgumentError(r.reason);
  return value.trim();
}

/** A value the phone keeps as a configuration parameter, checked as config/set checks it. */
function parameterValue(name: string, value: string): string {
  const spec = catalog.find((p) => p.name === name);
  const checked = spec ? checkValue(spec.type, value) : undefined;
  if (checked && !checked.ok) throw new InvalidArgumentError(checked.reason);
  return value;
}

/** --admin-password: as device.auth.localAdminPassword takes it, and not empty. */
export function adminPassword(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a password (empty: leave the option out)');
  return parameterValue('device.auth.localAdminPassword', value);
}

/** --sip-password: as reg.N.auth.password takes it. */
export function sipPassword(value: string): string {
  return parameterValue('reg.{line}.auth.password', value);
}

/** A path that must name something (an empty one would mean the current directory, or nothing). */
export function path(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a path');
  return value;
}

/** --ready-file: written (whole, then renamed) once the phones are ready: its directory must be there now. */
export function readyFile(value: string): string {
  path(value);
  if (statSync(value, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidArgumentError('expected a file, not a directory');
  if (statSync(dirname(value), { throwIfNoEntry: false })?.isDirectory() !== true)
    throw new InvalidArgumentError(`no directory ${dirname(value)} to write it in`);
  return value;
}

/** --set name=value, repeatable. */
export function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  const name = value.slice(0, Math.max(eq, 0)).trim();
  if (eq < 0 || name === '') throw new InvalidArgumentError('expected name=value');
  return { ...previous, [name]: value.slice(eq + 1) };
}

/** --skype-account address=password, repeatable. */
export function collectAccount(value: string, previous: Map<string, string>): Map<string, string> {
  const eq = value.indexOf('=');
  const account = value.slice(0, Math.max(eq, 0)).trim();
  if (eq < 0 || account === '') throw new InvalidArgumentError('expected address=password');
  return new Map([...previous, [account, value.slice(eq + 1)]]);
}

/** A repeatable option collected into a list. */
export function collectList(value: string, previous: string[]): string[] {
  return [...previous, value];
}
