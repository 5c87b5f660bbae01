/**
 * A busy lamp field's resource list (attendant.uri, RFC 4662): what one subscription's NOTIFYs tell of the list's
 * users, kept in version order and shown as keys in the list's order, each labelled with its RLMI name.
 *
 * A NOTIFY carries a multipart/related body (rlmi.ts): the RLMI document (the list's version, full or partial state,
 * per resource its URI, name and instance) and a dialog-info document (RFC 4235) per instance that has state. A full
 * state gives the list anew (its resources in order); a partial one changes the resources it names. An old list
 * version is ignored; a partial one after a lost version cannot be applied (the watch refreshes for full state,
 * RFC 4662 5.2). Each resource's dialogs are kept as a key's are (DialogTracker): an instance `active` shows its
 * lamp, `pending` or `terminated` (or none) unknown.
 */
import type { BlfStatus } from '../phone/blf.js';
import { DIALOG_INFO_TYPE, DialogTracker, parseDialogInfo } from './dialog-info.js';
import type { DialogInfo } from './dialog-info.js';
import { statusOf } from './dialog-watch.js';
import type { BodyRefusal, WatchContent } from './dialog-watch.js';
import { EVENT_LIST } from './codec/capabilities.js';
import { mediaType, parseListBody, RESOURCES_MAX } from './rlmi.js';
import type { RlmiResource } from './rlmi.js';

/** A resource of the list, as its key shows it. */
export interface ListEntry {
  readonly uri: string;
  readonly name: string;
  readonly status: BlfStatus;
}

interface Resource {
  name: string;
  active: boolean;
  readonly tracker: DialogTracker;
}

const UNKNOWN: BlfStatus = { state: 'unknown' };

export class ListContent implements WatchContent {
  readonly accept = EVENT_LIST.accept.join(', ');
  readonly supported = EVENT_LIST.supported;
  private version: number | undefined;
  private resources = new Map<string, Resource>();

  constructor(
    /** Tells the keys the list's resources, in order, and what each does. */
    private readonly shown: (entries: readonly ListEntry[]) => void,
  ) {}

  read(contentType: string, body: Buffer): { readonly apply: () => 'applied' | 'stale' | 'refresh' } | BodyRefusal {
    if (mediaType(contentType) !== 'multipart/related')
      return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', this.accept]] };
    const list = parseListBody(contentType, body);
    if ('error' in list)
      return { status: 400, reason: 'Bad Request', headers: [['Warning', `399 polysim "resource list: ${list.error}"`]] };
    // every resource's document is read before anything is applied: a body with one unreadable part is refused whole
    const docs = new Map<string, DialogInfo>();
    for (const r of list.rlmi.resources) {
      const cid = active(r)?.cid;
      const part = cid ? list.parts.get(cid) : undefined;
      if (!part) continue;
      if (mediaType(part.headers.get('content-type')) !== DIALOG_INFO_TYPE)
        return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', this.accept]] };
      const info = parseDialogInfo(part.body);
      if ('error' in info)
        return { status: 400, reason: 'Bad Request', headers: [['Warning', `399 polysim "dialog-info: ${info.error}"`]] };
      docs.set(r.uri, info);
    }
    return { apply: () => this.apply(list.rlmi.version, list.rlmi.fullState, list.rlmi.resources, docs) };
  }

  private apply(
    version: number,
    full: boolean,
    listed: readonly RlmiResource[],
    docs: ReadonlyMap<string, DialogInfo>,
  ): 'applied' | 'stale' | 'refresh' {
    if (this.version !== undefined && version <= this.version) return 'stale';
    if (!full && (this.version === undefined || version !== this.version + 1)) return 'refresh';
    if (full) {
      // the list anew, in its order; what is known of a resource still listed is kept (its versions go on)
      const next = new Map<string, Resource>();
      for (const r of listed) {
        if (next.size >= RESOURCES_MAX) break;
        next.set(r.uri, this.resources.get(r.uri) ?? { name: '', active: false, tracker: new DialogTracker() });
      }
      this.resources = next;
    }
    let gap = false;
    for (const r of listed) {
      const known = this.resources.get(r.uri);
      if (!known) continue; // a partial state names only listed resources
      if (r.name) known.name = r.name;
      const instance = active(r);
      known.active = instance !== undefined;
      if (!instance) known.tracker.reset();
      const doc = docs.get(r.uri);
      if (doc && known.tracker.apply(doc) === 'refresh') gap = true;
    }
    this.version = version;
    return gap ? 'refresh' : 'applied';
  }

  show(subscriptionActive: boolean): void {
    this.shown(
      [...this.resources].map(([uri, r]) => ({
        uri,
        name: r.name,
        status: subscriptionActive && r.active ? statusOf(r.tracker.current) : UNKNOWN,
      })),
    );
  }

  reset(): void {
    this.version = undefined;
    for (const r of this.resources.values()) {
      r.tracker.reset();
      r.active = false;
    }
  }
}

/** The resource's active instance (the first), if it has one. */
const active = (r: RlmiResource): RlmiResource['instances'][number] | undefined => r.instances.find((i) => i.state === 'active');
