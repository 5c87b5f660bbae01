/** The types a catalogue entry's value may have, as the catalogue's families write them. */
import type { ParamType } from './types.js';

export const bool: ParamType = { kind: 'bool' };
export const int = (min: number, max: number): ParamType => ({ kind: 'int', min, max });
export const oneOf = (...values: string[]): ParamType => ({ kind: 'enum', values });
export const str = (maxLength = 255): ParamType => ({ kind: 'string', maxLength });
export const host: ParamType = { kind: 'host' };
