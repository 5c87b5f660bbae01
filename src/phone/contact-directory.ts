/**
 * The phone's local contact directory, as VVX phones keep it: contacts with a first and last name, a contact number
 * and an optional speed-dial index. It comes from the provisioning server (`<mac>-directory.xml`, else the template
 * `000000000000-directory.xml`, in the master file's CONTACTS_DIRECTORY: directory-sync.ts) and is edited on the
 * phone (its Directory menu; here, the control API standing in for the user), and is kept across reboots in the
 * phone's store. The file's layout is the phones' own `<directory><item_list><item><fn/><ln/><ct/><sd/></item>...`.
 */
import { XMLParser } from 'fast-xml-parser';

export interface Contact {
  /** First name. */
  readonly fn: string;
  /** Last name. */
  readonly ln: string;
  /** The contact: a number or SIP URI. */
  readonly ct: string;
  /** Speed-dial index, 1 up; absent for none. */
  readonly sd?: number;
}

/** The most contacts kept (a VVX's local directory holds a few hundred to a few thousand, by model and memory). */
export const CONTACTS_MAX = 1000;
/** The longest field kept, in characters. */
export const CONTACT_FIELD_MAX = 128;
/** The largest directory file read. */
export const DIRECTORY_BYTES_MAX = 512 * 1024;

export type DirectorySource = 'phone' | 'server';

export interface DirectoryStore {
  getBlob(name: string): string | undefined;
  putBlob(name: string, value: string): void;
}

const BLOB = 'directory';

export class DirectoryError extends Error {}

function clean(c: Partial<Record<keyof Contact, unknown>>, at: string): Contact {
  const text = (v: unknown, name: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string' && typeof v !== 'number') throw new DirectoryError(`${at}: ${name} is not text`);
    const s = String(v).trim();
    if (s.length > CONTACT_FIELD_MAX) throw new DirectoryError(`${at}: ${name} is longer than ${CONTACT_FIELD_MAX} characters`);
    return s;
  };
  const ct = text(c.ct, 'ct');
  if (!ct) throw new DirectoryError(`${at}: no contact (ct)`);
  const sdText = text(c.sd, 'sd');
  const sd = sdText === '' ? undefined : Number(sdText);
  if (sd !== undefined && !(Number.isInteger(sd) && sd >= 1 && sd <= 9999)) throw new DirectoryError(`${at}: sd is not 1-9999`);
  return { fn: text(c.fn, 'fn'), ln: text(c.ln, 'ln'), ct, ...(sd === undefined ? {} : { sd }) };
}

/** Checks contacts given whole (a file or an edit); throws DirectoryError naming the first problem. */
export function checkContacts(list: readonly Partial<Record<keyof Contact, unknown>>[]): Contact[] {
  if (list.length > CONTACTS_MAX) throw new DirectoryError(`more than ${CONTACTS_MAX} contacts`);
  const out = list.map((c, i) => clean(c, `contact ${i + 1}`));
  const seen = new Map<number, number>();
  out.forEach((c, i) => {
    if (c.sd === undefined) return;
    const prior = seen.get(c.sd);
    if (prior !== undefined) throw new DirectoryError(`contact ${i + 1}: speed dial ${c.sd} is contact ${prior + 1}'s`);
    seen.set(c.sd, i);
  });
  return out;
}

/** Reads a directory file; throws DirectoryError when it is not one. */
export function parseDirectoryXml(xml: string): Contact[] {
  if (Buffer.byteLength(xml) > DIRECTORY_BYTES_MAX) throw new DirectoryError(`larger than ${DIRECTORY_BYTES_MAX} bytes`);
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({ isArray: (name) => name === 'item', parseTagValue: false, processEntities: true }).parse(xml, true) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw new DirectoryError(`not XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const dir = doc['directory'];
  if (dir === undefined || dir === null || typeof dir !== 'object') {
    if (dir === '') return [];
    throw new DirectoryError('no <directory> element');
  }
  const list = (dir as Record<string, unknown>)['item_list'];
  if (list === undefined || list === '' || list === null) return [];
  const items = (list as Record<string, unknown>)['item'];
  return checkContacts(Array.isArray(items) ? (items as Partial<Record<keyof Contact, unknown>>[]) : []);
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** The directory as the phones write it. */
export function directoryXml(contacts: readonly Contact[]): string {
  const items = contacts.map(
    (c) =>
      `    <item>\n      <fn>${escapeXml(c.fn)}</fn>\n      <ln>${escapeXml(c.ln)}</ln>\n      <ct>${escapeXml(c.ct)}</ct>\n` +
      (c.sd === undefined ? '' : `      <sd>${c.sd}</sd>\n`) +
      '    </item>\n',
  );
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<directory>\n  <item_list>\n${items.join('')}  </item_list>\n</directory>\n`;
}

export class ContactDirectory {
  private list: readonly Contact[];

  constructor(
    private readonly store: DirectoryStore,
    /** Told of every change, with where it came from (an edit on the phone is uploaded; one from the server is not). */
    private readonly changed: (source: DirectorySource) => void,
  ) {
    const kept = store.getBlob(BLOB);
    let list: Contact[] = [];
    try {
      list = kept ? checkContacts(JSON.parse(kept) as Partial<Record<keyof Contact, unknown>>[]) : [];
    } catch {
      list = []; // a store from an older release or damaged: the phone starts with an empty directory
    }
    this.list = list;
  }

  all(): readonly Contact[] {
    return this.list;
  }

  /** Replaces the directory (checked first: a bad list changes nothing). */
  replace(contacts: readonly Partial<Record<keyof Contact, unknown>>[], source: DirectorySource): void {
    const next = checkContacts(contacts);
    if (JSON.stringify(next) === JSON.stringify(this.list)) return;
    this.list = next;
    this.store.putBlob(BLOB, JSON.stringify(next));
    this.changed(source);
  }
}
