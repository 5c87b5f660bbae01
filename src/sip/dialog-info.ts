/**
 * The dialog event package's document (RFC 4235, application/dialog-info+xml): read from a NOTIFY a busy lamp
 * field key is sent, and written for the NOTIFYs the phone sends watchers of its own lines. Read and written with
 * fast-xml-parser (a well-kept parser; nothing is hand-parsed here): a document over DIALOG_INFO_MAX_BYTES, one
 * with a DOCTYPE (RFC 4235 has none; entity tricks are refused outright), one that is not well-formed or not
 * dialog-info is refused whole, and only the first DIALOGS_MAX dialogs are read.
 *
 * What a watcher needs of it is summed up by `lampOf`: idle (no dialog that is not over), ringing (a dialog in
 * which the watched user is called and has not answered, with the caller, to pick the call up), or busy (a
 * dialog confirmed, or one the watched user is placing).
 */
import { XMLBuilder } from 'fast-xml-parser';
import { attr, eventXmlParser, isNode, readEventXml, text } from './xml-doc.js';
import type { XmlNode } from './xml-doc.js';

export const DIALOG_INFO_TYPE = 'application/dialog-info+xml';
const NS = 'urn:ietf:params:xml:ns:dialog-info';
/** The largest document read (a phone's handful of dialogs takes a few KB). */
export const DIALOG_INFO_MAX_BYTES = 32 * 1024;
/** The most dialogs read from one document. */
export const DIALOGS_MAX = 32;

export type DialogStateName = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
const STATES: readonly DialogStateName[] = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'];

export interface Participant {
  /** The identity URI (sip:2001@pbx), and its display name. */
  readonly identity: string;
  readonly display: string;
  /** The target URI (where the participant's UA is), when told. */
  readonly target?: string;
}

export interface DialogEntry {
  readonly id: string;
  readonly callId?: string;
  readonly localTag?: string;
  readonly remoteTag?: string;
  readonly direction?: 'initiator' | 'recipient';
  readonly state: DialogStateName;
  readonly local?: Participant;
  readonly remote?: Participant;
}

export interface DialogInfo {
  readonly version: number;
  readonly full: boolean;
  readonly entity: string;
  readonly dialogs: readonly DialogEntry[];
}

const parser = eventXmlParser(['dialog']);

function participant(v: unknown): Participant | undefined {
  if (!isNode(v)) return undefined;
  const identity = v['identity'];
  const target = isNode(v['target']) ? attr(v['target'], 'uri') : undefined;
  const uri = text(identity);
  if (!uri && !target) return undefined;
  return {
    identity: uri || (target ?? ''),
    display: isNode(identity) ? (attr(identity, 'display') ?? '') : '',
    ...(target ? { target } : {}),
  };
}

function entry(n: XmlNode): DialogEntry | undefined {
  const id = attr(n, 'id');
  const state = text(n['state']).toLowerCase() as DialogStateName;
  if (!id || !STATES.includes(state)) return undefined;
  const direction = attr(n, 'direction');
  const local = participant(n['local']);
  const remote = participant(n['remote']);
  const callId = attr(n, 'call-id');
  const localTag = attr(n, 'local-tag');
  const remoteTag = attr(n, 'remote-tag');
  return {
    id,
    state,
    ...(callId ? { callId } : {}),
    ...(localTag ? { localTag } : {}),
    ...(remoteTag ? { remoteTag } : {}),
    ...(direction === 'initiator' || direction === 'recipient' ? { direction } : {}),
    ...(local ? { local } : {}),
    ...(remote ? { remote } : {}),
  };
}

/** Reads a dialog-info document; undefined (with why) when it cannot be read. */
export function parseDialogInfo(body: Buffer): DialogInfo | { readonly error: string } {
  const read = readEventXml(body, DIALOG_INFO_MAX_BYTES, parser);
  if ('error' in read) return read;
  const doc = read.doc;
  const root = isNode(doc) ? doc['dialog-info'] : undefined;
  if (!isNode(root)) return { error: 'not a dialog-info document' };
  const version = Number(attr(root, 'version'));
  const state = attr(root, 'state');
  if (!Number.isSafeInteger(version) || version < 0 || (state !== 'full' && state !== 'partial'))
    return { error: 'dialog-info without a version or a state' };
  const list = Array.isArray(root['dialog']) ? (root['dialog'] as unknown[]) : [];
  const dialogs = list
    .slice(0, DIALOGS_MAX)
    .flatMap((d) => (isNode(d) ? [entry(d)] : []))
    .filter((d): d is DialogEntry => d !== undefined);
  return { version, full: state === 'full', entity: attr(root, 'entity') ?? '', dialogs };
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });

function participantXml(p: Participant): XmlNode {
  return {
    identity: { ...(p.display ? { '@_display': p.display } : {}), '#text': p.identity },
    ...(p.target ? { target: { '@_uri': p.target } } : {}),
  };
}

/** Writes a dialog-info document (what the phone's own line is doing, for its watchers). */
export function writeDialogInfo(info: DialogInfo): Buffer {
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'dialog-info': {
      '@_xmlns': NS,
      '@_version': String(info.version),
      '@_state': info.full ? 'full' : 'partial',
      '@_entity': info.entity,
      dialog: info.dialogs.map((d) => ({
        '@_id': d.id,
        ...(d.callId ? { '@_call-id': d.callId } : {}),
        ...(d.localTag ? { '@_local-tag': d.localTag } : {}),
        ...(d.remoteTag ? { '@_remote-tag': d.remoteTag } : {}),
        ...(d.direction ? { '@_direction': d.direction } : {}),
        state: d.state,
        ...(d.local ? { local: participantXml(d.local) } : {}),
        ...(d.remote ? { remote: participantXml(d.remote) } : {}),
      })),
    },
  };
  return Buffer.from(builder.build(doc) as string, 'utf8');
}

/**
 * The dialogs of a watched entity, kept across NOTIFYs in version order (RFC 4235 4.1): a full document replaces
 * them, a partial one changes the dialogs it names (a terminated one goes). A document whose version is not newer
 * is ignored; a partial one that skips a version cannot be applied (`refresh`: the watcher subscribes again for
 * full state). At most DIALOGS_MAX dialogs are kept.
 */
export class DialogTracker {
  private version: number | undefined;
  private readonly dialogs = new Map<string, DialogEntry>();

  /** Applies a document: 'applied', 'stale' (an old or repeated version) or 'refresh' (a partial one after a gap). */
  apply(info: DialogInfo): 'applied' | 'stale' | 'refresh' {
    if (this.version !== undefined && info.version <= this.version) return 'stale';
    if (!info.full && (this.version === undefined || info.version !== this.version + 1)) return 'refresh';
    if (info.full) this.dialogs.clear();
    for (const d of info.dialogs) {
      if (d.state === 'terminated') this.dialogs.delete(d.id);
      else if (this.dialogs.has(d.id) || this.dialogs.size < DIALOGS_MAX) this.dialogs.set(d.id, d);
    }
    this.version = info.version;
    return 'applied';
  }

  /** Forgets everything (a new subscription starts its versions again, RFC 4235 4.1). */
  reset(): void {
    this.version = undefined;
    this.dialogs.clear();
  }

  get current(): readonly DialogEntry[] {
    return [...this.dialogs.values()];
  }
}

/** What a busy lamp shows for a set of dialogs, with the ringing dialog (for its caller and a pickup). */
export type Lamp = { readonly state: 'idle' | 'busy' } | { readonly state: 'ringing'; readonly dialog: DialogEntry };

export function lampOf(dialogs: readonly DialogEntry[]): Lamp {
  const live = dialogs.filter((d) => d.state !== 'terminated');
  if (live.some((d) => d.state === 'confirmed')) return { state: 'busy' };
  // called and not answered: ringing (a dialog without a direction that is early is taken as called, as servers
  // that leave direction out send it for the callee)
  const ringing = live.find((d) => d.direction !== 'initiator' && d.state !== 'confirmed');
  if (ringing) return { state: 'ringing', dialog: ringing };
  // placing a call (trying, proceeding, early as the initiator): the line is in use
  if (live.length > 0) return { state: 'busy' };
  return { state: 'idle' };
}
