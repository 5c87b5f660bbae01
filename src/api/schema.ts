/** Small schema builders for the manual's answers, where nearly every value is a string. */
import { Type } from '@sinclair/typebox';
import type { TObject, TString } from '@sinclair/typebox';

export const S = Type.String();

/** An object whose listed keys are all strings. */
export function strings<K extends string>(keys: readonly K[]): TObject<Record<K, TString>> {
  const props = Object.fromEntries(keys.map((k) => [k, Type.String()])) as Record<K, TString>;
  return Type.Object(props);
}

/** "True"/"False", as the manual writes booleans. */
export const tf = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');
export const enabled = (b: boolean): 'Enabled' | 'Disabled' => (b ? 'Enabled' : 'Disabled');

/** A number or a numeric string: real clients send "Line": 1 as often as "Line": "1". */
export const NumberLike = Type.Union([Type.String({ pattern: '^\\s*\\d+\\s*$' }), Type.Integer({ minimum: 0 })]);
