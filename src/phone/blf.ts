/**
 * Busy lamp field (BLF): the other users' lines this phone watches, as a Poly phone's attendant (receptionist)
 * keys. Each `attendant.resourceList.N.address` set is a key, labelled `...label` (else the address's user), of
 * type normal (a person's line) or automata (a park orbit, a queue); the keys sit on the line keys after the
 * phone's own lines. A key shows what the watched line does: idle, ringing (with who calls, so the call can be
 * picked up), busy, or unknown (not told yet, or the watch failed).
 *
 * With `attendant.uri` set, the keys are instead the users of a resource list on the server (RFC 4662): the list
 * tells them, in its order, each labelled with the name the list gives (else the address's user); the
 * `attendant.resourceList` keys are not shown then.
 *
 * The phone does not know how it learns this: the SIP user agent subscribes to each address's dialog state
 * (RFC 4235) through the line `attendant.reg` names, and tells each key's state here (BlfFeed).
 */
import type { LayeredConfig } from './config/layered-config.js';
import type { LineTable } from './lines.js';

/** attendant.resourceList.1 .. 47, as the configuration templates have them. */
export const BLF_KEYS_MAX = 47;

export type BlfState = 'idle' | 'ringing' | 'busy' | 'unknown';
export type BlfType = 'normal' | 'automata';

/** The caller of a ringing watched line. */
export interface BlfCaller {
  readonly uri: string;
  readonly name: string;
  readonly number: string;
}

export interface BlfStatus {
  readonly state: BlfState;
  /** Who calls the watched line, while it rings. */
  readonly caller?: BlfCaller;
  /** What to dial to pick the ringing call up (directed pickup), when the watch says how. */
  readonly pickup?: string;
}

export interface BlfKey extends BlfStatus {
  /** N of attendant.resourceList.N. */
  readonly index: number;
  readonly address: string;
  readonly label: string;
  readonly type: BlfType;
}

/** Where the keys' states come from (the SIP user agent's subscriptions). */
export interface BlfFeed {
  /** The state of key `index` (for the address it watches; a key whose address changed since is left alone). */
  set(index: number, address: string, status: BlfStatus): void;
  /** The users of the attendant.uri list, in order (its keys: index 1, 2, ...); empty while none is known. */
  setList(entries: readonly { readonly address: string; readonly label: string }[]): void;
}

const UNKNOWN: BlfStatus = { state: 'unknown' };

export class BlfKeys implements BlfFeed {
  private readonly status = new Map<number, { readonly address: string; readonly status: BlfStatus }>();
  private list: readonly { readonly address: string; readonly label: string }[] = [];

  constructor(
    private readonly config: LayeredConfig,
    /** Called when a key's state changes (the screen and the LEDs follow). */
    private readonly changed: () => void,
  ) {}

  /** The configured keys, by index. */
  all(): BlfKey[] {
    if (this.listUri) {
      return this.list.map((entry, i) => {
        const known = this.status.get(i + 1);
        const status = known?.address === entry.address ? known.status : UNKNOWN;
        return { index: i + 1, address: entry.address, label: entry.label || userOf(entry.address), type: 'normal', ...status };
      });
    }
    const keys: BlfKey[] = [];
    for (let i = 1; i <= BLF_KEYS_MAX; i++) {
      const address = this.config.value(`attendant.resourceList.${i}.address`).trim();
      if (!address) continue;
      const known = this.status.get(i);
      const status = known?.address === address ? known.status : UNKNOWN;
      keys.push({
        index: i,
        address,
        label: this.config.value(`attendant.resourceList.${i}.label`) || userOf(address),
        type: this.config.value(`attendant.resourceList.${i}.type`) === 'automata' ? 'automata' : 'normal',
        ...status,
      });
    }
    return keys;
  }

  /** attendant.uri: the resource list whose users are the keys (empty: the attendant.resourceList keys). */
  get listUri(): string {
    return this.config.value('attendant.uri').trim();
  }

  setList(entries: readonly { readonly address: string; readonly label: string }[]): void {
    const next = entries.slice(0, BLF_KEYS_MAX).map((e) => ({ address: e.address, label: e.label }));
    if (JSON.stringify(next) === JSON.stringify(this.list)) return;
    this.list = next;
    this.changed();
  }

  /** The line whose registration watches the keys (attendant.reg; line 1 when unset). */
  get line(): number {
    const n = Number(this.config.value('attendant.reg'));
    return Number.isInteger(n) && n >= 1 ? n : 1;
  }

  set(index: number, address: string, status: BlfStatus): void {
    const known = this.status.get(index);
    if (known?.address === address && JSON.stringify(known.status) === JSON.stringify(status)) return;
    this.status.set(index, { address, status });
    this.changed();
  }

  /** Every key back to unknown (the watches stopped: the phone went down, its line is gone). */
  reset(): void {
    if (this.status.size === 0 && this.list.length === 0) return;
    this.status.clear();
    this.list = [];
    this.changed();
  }
}

/** The line keys the keys sit on: those after the phone's lines (after the last assigned line's key). */
export function blfLineKeys(lines: LineTable, blf: BlfKeys): { readonly key: number; readonly blf: BlfKey }[] {
  const assigned = lines.all().filter((l) => l.assigned);
  const first = (assigned[assigned.length - 1]?.number ?? 0) + 1;
  return blf.all().map((key, i) => ({ key: first + i, blf: key }));
}

/** "sip:1002@pbx;user=phone" -> "1002"; "1002@pbx" -> "1002"; "1002" -> "1002". */
export function userOf(address: string): string {
  return (/^(?:sips?:)?([^@;>]+)/i.exec(address.trim())?.[1] ?? address).trim();
}
