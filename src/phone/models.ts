/**
 * Model and firmware profiles: which phone this is decides what exists. The six families of the manual, each with
 * its models (hardware facts) and its software (UCS or PVOS, with the releases where features appear).
 *
 * Hardware figures (line count, screen size) are polysim's approximations of the real products; where they matter to
 * the API (line numbers, key sets, PC port) they follow the manual.
 */
import { atLeast, parseVersion } from './firmware.js';
import { ProfileError } from '../errors.js';

export type Platform = 'UCS' | 'PVOS';
export type FamilyId = 'VVX' | 'Trio8x00' | 'Trio8300' | 'TrioC60' | 'CCX' | 'EdgeE';
export type KeySetName = 'VVX/Edge E/Trio 8300 set' | 'CCX/Trio C60 set';

export interface FamilySpec {
  readonly id: FamilyId;
  readonly label: string;
  readonly platform: Platform;
  readonly minFirmware: string;
  /** Below this version the family is not that software any more (e.g. Trio 8800 on 8.x is not UCS). */
  readonly maxFirmwareExclusive?: string;
  readonly defaultFirmware: string;
  readonly keySet: KeySetName;
  /** Release from which Digest (MD5/SHA-256) and sessions exist and Basic is off by default; absent: Basic only. */
  readonly digestSince?: string;
  /** Release from which WebCallControl.JoinCalls exists; absent: always. */
  readonly joinCallsSince?: string;
  readonly vendor: string;
}

export interface ModelSpec {
  readonly name: string;
  readonly family: FamilyId;
  readonly partNumber: string;
  readonly lines: number;
  readonly pcPort: boolean;
  readonly camera: boolean;
  readonly bluetooth: boolean;
  readonly wifi: boolean;
  readonly screen: { readonly width: number; readonly height: number; readonly touch: boolean };
  readonly restApi: boolean;
}

export const families: Readonly<Record<FamilyId, FamilySpec>> = {
  VVX: {
    id: 'VVX',
    label: 'VVX',
    platform: 'UCS',
    minFirmware: '5.9.0',
    maxFirmwareExclusive: '7.0.0',
    defaultFirmware: '6.4.3',
    keySet: 'VVX/Edge E/Trio 8300 set',
    vendor: 'Polycom',
  },
  Trio8x00: {
    id: 'Trio8x00',
    label: 'Trio 8500, Trio 8800',
    platform: 'UCS',
    minFirmware: '7.2.0',
    maxFirmwareExclusive: '8.0.0',
    defaultFirmware: '7.2.2',
    keySet: 'CCX/Trio C60 set',
    vendor: 'Polycom',
  },
  Trio8300: {
    id: 'Trio8300',
    label: 'Trio 8300',
    platform: 'PVOS',
    minFirmware: '8.0.0',
    defaultFirmware: '8.1.0',
    keySet: 'VVX/Edge E/Trio 8300 set',
    vendor: 'Poly',
  },
  TrioC60: {
    id: 'TrioC60',
    label: 'Trio C60',
    platform: 'PVOS',
    minFirmware: '8.0.0',
    defaultFirmware: '9.5.0',
    keySet: 'CCX/Trio C60 set',
    digestSince: '9.2.0',
    vendor: 'Poly',
  },
  CCX: {
    id: 'CCX',
    label: 'CCX',
    platform: 'PVOS',
    minFirmware: '8.0.0',
    defaultFirmware: '9.5.0',
    keySet: 'CCX/Trio C60 set',
    digestSince: '9.2.0',
    vendor: 'Poly',
  },
  EdgeE: {
    id: 'EdgeE',
    label: 'Edge E',
    platform: 'PVOS',
    minFirmware: '8.0.0',
    defaultFirmware: '8.6.0',
    keySet: 'VVX/Edge E/Trio 8300 set',
    digestSince: '8.3.0',
    joinCallsSince: '8.6.0',
    vendor: 'Poly',
  },
};

type Hw = Omit<ModelSpec, 'name' | 'family' | 'partNumber' | 'restApi'>;
const hw = (lines: number, pcPort: boolean, screen: [number, number, boolean], extra: Partial<Hw> = {}): Hw => ({
  lines,
  pcPort,
  camera: false,
  bluetooth: false,
  wifi: false,
  screen: { width: screen[0], height: screen[1], touch: screen[2] },
  ...extra,
});

const table: [string, FamilyId, string, Hw][] = [
  ['VVX 150', 'VVX', '3111-48810-001', hw(2, true, [132, 64, false])],
  ['VVX 250', 'VVX', '3111-48820-001', hw(4, true, [320, 240, false])],
  ['VVX 350', 'VVX', '3111-48830-001', hw(6, true, [320, 240, false])],
  ['VVX 450', 'VVX', '3111-48840-001', hw(12, true, [480, 272, false])],
  ['VVX 501', 'VVX', '3111-48500-001', hw(12, true, [480, 272, true], { camera: true })],
  ['VVX 601', 'VVX', '3111-48600-001', hw(16, true, [480, 272, true], { camera: true, bluetooth: true })],
  ['Trio 8500', 'Trio8x00', '3111-66700-001', hw(3, false, [480, 272, true], { bluetooth: true })],
  ['Trio 8800', 'Trio8x00', '3111-65290-001', hw(3, false, [800, 480, true], { bluetooth: true, wifi: true })],
  ['Trio 8300', 'Trio8300', '3111-66070-001', hw(1, false, [248, 120, false])],
  ['Trio C60', 'TrioC60', '2200-86240-001', hw(1, false, [800, 480, true], { bluetooth: true, wifi: true })],
  ['CCX 350', 'CCX', '2200-49710-001', hw(4, true, [480, 272, false])],
  ['CCX 400', 'CCX', '2200-49720-001', hw(8, true, [480, 272, false])],
  ['CCX 500', 'CCX', '2200-49740-001', hw(24, true, [720, 1280, true], { bluetooth: true })],
  ['CCX 505', 'CCX', '2200-49750-001', hw(24, true, [720, 1280, true], { bluetooth: true, wifi: true })],
  ['CCX 600', 'CCX', '2200-49770-001', hw(24, true, [1024, 600, true], { bluetooth: true, wifi: true, camera: true })],
  ['CCX 700', 'CCX', '2200-49780-001', hw(24, true, [1280, 800, true], { bluetooth: true, wifi: true, camera: true })],
  ['Edge E100', 'EdgeE', '2200-87000-001', hw(2, true, [132, 64, false])],
  ['Edge E220', 'EdgeE', '2200-87010-001', hw(4, true, [320, 240, false])],
  ['Edge E300', 'EdgeE', '2200-86370-001', hw(8, true, [320, 240, false])],
  ['Edge E320', 'EdgeE', '2200-86380-001', hw(8, true, [320, 240, false], { bluetooth: true })],
  ['Edge E350', 'EdgeE', '2200-86390-001', hw(8, true, [320, 240, false], { bluetooth: true, wifi: true })],
  ['Edge E400', 'EdgeE', '2200-86400-001', hw(16, true, [480, 272, false])],
  ['Edge E450', 'EdgeE', '2200-86410-001', hw(16, true, [480, 272, false], { bluetooth: true, wifi: true })],
  ['Edge E500', 'EdgeE', '2200-86420-001', hw(16, true, [480, 272, false], { bluetooth: true })],
  ['Edge E550', 'EdgeE', '2200-86430-001', hw(16, true, [480, 272, false], { bluetooth: true, wifi: true })],
];

export const models: readonly ModelSpec[] = table.map(([name, family, partNumber, h]) => ({
  name,
  family,
  partNumber,
  ...h,
  restApi: name !== 'CCX 350',
}));

/** "vvx450", "VVX-450", "edge e450" and "E450" all name the same model: case, spaces and dashes are ignored. */
export function normaliseModelName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

const byKey = new Map<string, ModelSpec>();
for (const m of models) {
  byKey.set(normaliseModelName(m.name), m);
  if (m.family === 'EdgeE') byKey.set(normaliseModelName(m.name.replace('Edge ', '')), m);
}

export function findModel(name: string): ModelSpec | undefined {
  return byKey.get(normaliseModelName(name));
}

/** A model on a firmware release: what the phone is, with the feature switches that follow from the release. */
export interface Profile {
  readonly model: ModelSpec;
  readonly family: FamilySpec;
  readonly firmware: string;
  /** Digest MD5/SHA-256 and sessions exist; Basic is then switchable and off by default. */
  readonly digestAuth: boolean;
  readonly sessions: boolean;
  readonly powerStatus: boolean;
  readonly joinCalls: boolean;
  readonly sipNotify: boolean;
  readonly keys: readonly string[];
}

export { ProfileError };

export function resolveProfile(modelName: string, firmware?: string): Profile {
  const model = findModel(modelName);
  if (!model) {
    throw new ProfileError(`unknown model "${modelName}"; known models: ${models.map((m) => m.name).join(', ')}`);
  }
  const family = families[model.family];
  const fw = firmware ?? family.defaultFirmware;
  if (!parseVersion(fw)) throw new ProfileError(`firmware "${fw}" is not a version such as ${family.defaultFirmware}`);
  if (!atLeast(fw, family.minFirmware) || (family.maxFirmwareExclusive && atLeast(fw, family.maxFirmwareExclusive))) {
    const range = family.maxFirmwareExclusive
      ? `${family.platform} ${family.minFirmware} up to ${family.maxFirmwareExclusive} (exclusive)`
      : `${family.platform} ${family.minFirmware} or later`;
    throw new ProfileError(`firmware ${fw} does not exist for ${model.name}: it runs ${range}`);
  }
  const digest = family.digestSince !== undefined && atLeast(fw, family.digestSince);
  return {
    model,
    family,
    firmware: fw,
    digestAuth: digest,
    sessions: digest,
    powerStatus: family.platform === 'PVOS' && atLeast(fw, '9.0.0'),
    joinCalls: family.joinCallsSince === undefined || atLeast(fw, family.joinCallsSince),
    sipNotify: atLeast(fw, family.platform === 'UCS' ? '6.4.2' : '8.0.0'),
    keys: keySetFor(family.keySet, model),
  };
}

const FULL_KEYS_WITHOUT_LINES = [
  'SoftKey1',
  'SoftKey2',
  'SoftKey3',
  'SoftKey4',
  'SoftKey5',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'Select',
  'Delete',
  'Dialpad0',
  'Dialpad1',
  'Dialpad2',
  'Dialpad3',
  'Dialpad4',
  'Dialpad5',
  'Dialpad6',
  'Dialpad7',
  'Dialpad8',
  'Dialpad9',
  'DialpadStar',
  'DialpadPound',
  'Handsfree',
  'Headset',
  'MicMute',
  'Transfer',
  'VolDown',
  'VolUp',
  'Menu',
  'Redial',
  'Applications',
];

/** The manual's key set for the family; LineN keys only up to the lines the model shows (at most 12). */
function keySetFor(name: KeySetName, model: ModelSpec): string[] {
  if (name === 'CCX/Trio C60 set') return ['MicMute', 'VolDown', 'VolUp'];
  const visibleLines = Math.min(model.lines, 12);
  const lineKeys = Array.from({ length: visibleLines }, (_, i) => `Line${i + 1}`);
  return [...FULL_KEYS_WITHOUT_LINES, ...lineKeys];
}

/** Every key name some model takes (what SimulateKeyEvent's KeyName can be on one model or another). */
export const ALL_KEY_NAMES: readonly string[] = [...FULL_KEYS_WITHOUT_LINES, ...Array.from({ length: 12 }, (_, i) => `Line${i + 1}`)];

/** The key names each model with a REST API takes, model by model in the catalogue's order. */
export function keyNamesByModel(): { model: string; keys: readonly string[] }[] {
  return models.filter((m) => m.restApi).map((m) => ({ model: m.name, keys: keySetFor(families[m.family].keySet, m) }));
}

/** One sentence per key set: which families take which names (for the OpenAPI document's KeyName). */
export const KEY_NAMES_BY_FAMILY =
  "The model's key set, names exact (case included); another name answers 4000. " +
  `VVX, Edge E and Trio 8300: ${FULL_KEYS_WITHOUT_LINES.join(', ')}, and Line1 up to the model's visible lines (at most Line12). ` +
  'CCX, Trio C60, Trio 8500 and Trio 8800: MicMute, VolDown, VolUp.';
