/** Configuration parameters: their types, the catalog entry shape, and the precedence layers. */
import type { Profile } from '../models.js';
import type { ParamName } from './param-names.js';

/** Lowest to highest precedence. DEFAULT is the catalog itself and is never stored. */
export const LAYERS = ['DEFAULT', 'DEVICE', 'CONFIG', 'WEB', 'LOCAL'] as const;
export type Layer = (typeof LAYERS)[number];
export type StoredLayer = Exclude<Layer, 'DEFAULT'>;
export const STORED_LAYERS: readonly StoredLayer[] = ['DEVICE', 'CONFIG', 'WEB', 'LOCAL'];

export type ParamType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'string'; readonly maxLength: number }
  | { readonly kind: 'host' };

/** Releases from which a parameter exists, per platform; absent platform: always (or never, with `only`). */
export interface Since {
  readonly UCS?: string;
  readonly PVOS?: string;
}

export interface ParamSpec {
  /** Exact name, or a pattern with `{line}` (1..lines of the model) and `{server}` (1..2) placeholders. */
  readonly name: string;
  readonly type: ParamType;
  readonly default: string | ((profile: Profile) => string);
  readonly since?: Since;
  /** Exists only when this holds for the profile (e.g. auth switches only where Digest exists). */
  readonly when?: (profile: Profile) => boolean;
  /** Passwords: never exported in clear. */
  readonly secret?: boolean;
  readonly description: string;
}

/** A concrete parameter of one phone: the spec with the placeholders filled in. */
export interface Param {
  readonly name: ParamName;
  readonly spec: ParamSpec;
  readonly defaultValue: string;
}
