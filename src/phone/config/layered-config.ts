/**
 * The phone's configuration: the catalog expanded for this model and firmware, and the stored layers
 * DEVICE < CONFIG < WEB < LOCAL above the catalog's DEFAULT. Reads report the winning value and its layer;
 * writes validate every value before anything is stored, so a bad request writes nothing.
 */
import { atLeast } from '../firmware.js';
import type { Profile } from '../models.js';
import type { PhoneStore } from '../ports.js';
import { PhoneError, Status } from '../status.js';
import { catalog } from './catalog.js';
import type { ParamName } from './param-names.js';
import type { Layer, Param, ParamSpec, StoredLayer } from './types.js';
import { STORED_LAYERS } from './types.js';
import { checkValue } from './validate.js';

export const SERVERS_PER_LINE = 2;

export interface ConfigValue {
  readonly value: string;
  readonly source: Layer;
}

export interface ConfigChange {
  readonly layer: StoredLayer | 'ALL';
  readonly names: readonly string[];
}

function exists(spec: ParamSpec, profile: Profile): boolean {
  if (spec.when && !spec.when(profile)) return false;
  const since = spec.since?.[profile.family.platform];
  return since === undefined || atLeast(profile.firmware, since);
}

/** Expanded catalogs per model and firmware: phones of one profile share theirs (a fleet has a thousand). */
const expanded = new Map<string, ReadonlyMap<string, Param>>();

/** Expands `{line}` and `{server}` placeholders into the concrete names this model has. */
export function expandCatalog(profile: Profile, specs: readonly ParamSpec[] = catalog): ReadonlyMap<string, Param> {
  const key = `${profile.model.name}|${profile.firmware}`;
  const cached = specs === catalog ? expanded.get(key) : undefined;
  if (cached) return cached;
  const out = new Map<string, Param>();
  for (const spec of specs) {
    if (!exists(spec, profile)) continue;
    const defaultValue = typeof spec.default === 'function' ? spec.default(profile) : spec.default;
    const lines = spec.name.includes('{line}') ? profile.model.lines : 1;
    const servers = spec.name.includes('{server}') ? SERVERS_PER_LINE : 1;
    for (let l = 1; l <= lines; l++) {
      for (let s = 1; s <= servers; s++) {
        // A catalogue name by construction: param-names.ts is generated from these specs.
        const name = spec.name.replace('{line}', String(l)).replace('{server}', String(s)) as ParamName;
        // The first spec naming a parameter wins: the hand-written catalog comes before the templates' one.
        if (!out.has(name)) out.set(name, { name, spec, defaultValue });
      }
    }
  }
  if (specs === catalog) expanded.set(key, out);
  return out;
}

export class LayeredConfig {
  /** The parameters of the phone's model and release (another set once it runs another release: useProfile). */
  params: ReadonlyMap<string, Param>;
  private readonly layers: Record<StoredLayer, Map<string, string>>;
  private readonly listeners: ((change: ConfigChange) => void)[] = [];
  /** Winning values by name, filled on read and emptied on every change: reads sit on every request's path. */
  private readonly resolved = new Map<string, string>();
  /** Grows with every change, so callers can cache what they derive from configuration. */
  version = 0;

  constructor(
    profile: Profile,
    private readonly store: PhoneStore,
  ) {
    this.params = expandCatalog(profile);
    const stored = store.loadLayers();
    this.layers = { DEVICE: new Map(), CONFIG: new Map(), WEB: new Map(), LOCAL: new Map() };
    for (const layer of STORED_LAYERS) {
      for (const [name, value] of Object.entries(stored[layer])) {
        // Values of parameters this firmware does not have stay stored but are not read.
        this.layers[layer].set(name, value);
      }
    }
  }

  /**
   * The parameters of another release of the model (a software update installed it). Stored values stay: those
   * of parameters the release does not have are kept but not read, as at construction.
   */
  useProfile(profile: Profile): void {
    this.params = expandCatalog(profile);
    this.resolved.clear();
    this.version++;
  }

  onChange(listener: (change: ConfigChange) => void): void {
    this.listeners.push(listener);
  }

  /** Whether this phone has the parameter (a name from input, checked: it is then a catalogue name). */
  has(name: string): name is ParamName {
    return this.params.has(name);
  }

  /**
   * The winning value and its layer, or undefined for a parameter this phone's model and firmware do not have.
   * Code names parameters by their catalogue names (ParamName, generated: a typo fails the compiler); a name that
   * comes from input (a request, a fleet file) goes through `lookup`.
   */
  get(name: ParamName): ConfigValue | undefined {
    return this.lookup(name);
  }

  /** `get` for a name that comes from input: any string, undefined when this phone has no such parameter. */
  lookup(name: string): ConfigValue | undefined {
    const param = this.params.get(name);
    if (!param) return undefined;
    for (let i = STORED_LAYERS.length - 1; i >= 0; i--) {
      const layer = STORED_LAYERS[i] as StoredLayer;
      const v = this.layers[layer].get(name);
      if (v !== undefined) return { value: v, source: layer };
    }
    return { value: param.defaultValue, source: 'DEFAULT' };
  }

  /** The winning value of a parameter the code knows exists (a missing one is a bug, not input). */
  value(name: ParamName): string {
    const cached = this.resolved.get(name);
    if (cached !== undefined) return cached;
    const v = this.lookup(name);
    if (!v) throw new Error(`no such parameter in this profile: ${name}`);
    this.resolved.set(name, v.value);
    return v.value;
  }

  bool(name: ParamName): boolean {
    return this.value(name) === '1';
  }

  int(name: ParamName): number {
    return Number(this.value(name));
  }

  /** Validates every entry, then stores them in one transaction; 4000 names the first bad one and writes nothing. */
  set(layer: StoredLayer, entries: Readonly<Partial<Record<ParamName, unknown>>>): void {
    const clean: Record<string, string> = {};
    for (const [name, raw] of Object.entries(entries)) {
      const param = this.params.get(name);
      if (!param) throw new PhoneError(Status.INVALID_INPUT, `unknown parameter ${name}`);
      const checked = checkValue(param.spec.type, raw);
      if (!checked.ok) throw new PhoneError(Status.INVALID_INPUT, `${name}: ${checked.reason}`);
      clean[name] = checked.value;
    }
    const names = Object.keys(clean);
    if (names.length === 0) return;
    this.store.writeLayer(layer, clean);
    for (const name of names) this.layers[layer].set(name, clean[name] as string);
    this.emit({ layer, names });
  }

  /** Makes `entries` the whole content of a layer, atomically (provisioning replaces the CONFIG layer). */
  replace(layer: StoredLayer, entries: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(entries)) {
      const param = this.params.get(name);
      const checked = param ? checkValue(param.spec.type, value) : undefined;
      if (!checked?.ok) throw new PhoneError(Status.INVALID_INPUT, `${name}: not a valid value`);
    }
    this.store.replaceLayer(layer, entries);
    const names = new Set([...this.layers[layer].keys(), ...Object.keys(entries)]);
    this.layers[layer] = new Map(Object.entries(entries));
    this.emit({ layer, names: [...names] });
  }

  clear(layers: readonly StoredLayer[]): void {
    this.store.clearLayers(layers);
    const names = new Set<string>();
    for (const layer of layers) {
      for (const name of this.layers[layer].keys()) names.add(name);
      this.layers[layer].clear();
    }
    this.emit({ layer: 'ALL', names: [...names] });
  }

  /** Name/value pairs stored in one layer, for this profile's parameters. */
  layerEntries(layer: StoredLayer): [string, string][] {
    return [...this.layers[layer].entries()].filter(([name]) => this.params.has(name)).sort(byName);
  }

  /** Every parameter whose winning value differs from its default. */
  nonDefault(): [string, ConfigValue][] {
    const out: [string, ConfigValue][] = [];
    for (const [name, param] of this.params) {
      const v = this.lookup(name) as ConfigValue;
      if (v.value !== param.defaultValue) out.push([name, v]);
    }
    return out.sort(byName);
  }

  private emit(change: ConfigChange): void {
    this.resolved.clear();
    this.version++;
    for (const l of this.listeners) l(change);
  }
}

const byName = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
