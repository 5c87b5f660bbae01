/** Parsing and checking of CLI option values, each failing with a one-line message. */
import { InvalidArgumentError } from 'commander';

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function address(value: string): string {
  const v = value.trim();
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(v) && !/^[0-9a-fA-F:]+$/.test(v)) throw new InvalidArgumentError('expected an IP address');
  return v;
}

/** --set name=value, repeatable. */
export function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value');
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** --skype-account address=password, repeatable. */
export function collectAccount(value: string, previous: Map<string, string>): Map<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected address=password');
  return new Map([...previous, [value.slice(0, eq).trim(), value.slice(eq + 1)]]);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
}

/** A repeatable option collected into a list. */
export function collectList(value: string, previous: string[]): string[] {
  return [...previous, value];
}
