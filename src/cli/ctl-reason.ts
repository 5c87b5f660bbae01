/**
 * Why a phone answered a Status error, for `polysim ctl --control <url>`. A Poly phone's answer carries only the
 * Status code (`{"Status": "4000"}`, no reason, no header): polysim writes the reason ("VVX 450 has no key Home") in
 * the phone's request journal, which its control API serves. So the reason can be shown only for a polysim phone
 * whose control API the user names; a real phone's error stays the code and its meaning.
 */
import type { ControlJournalEntry, ControlPhone, PolyError } from '@polysim/client';

export interface ControlAccess {
  readonly url: string;
  readonly token?: string;
}

/** How far back the journal is searched, and how long each look-up may take (the error is shown either way). */
const JOURNAL_DEPTH = 50;
const LOOKUP_TIMEOUT_MS = 3_000;

async function getJson<T>(control: ControlAccess, path: string): Promise<T> {
  const res = await fetch(new URL(path, control.url), {
    headers: { accept: 'application/json', ...(control.token ? { authorization: `Bearer ${control.token}` } : {}) },
    signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The phone of the control API that `phoneUrl` reaches: same origin, or (one only) the same scheme and port. */
export function phoneAt(phones: readonly ControlPhone[], phoneUrl: URL): ControlPhone | undefined {
  const urls = (p: ControlPhone): URL[] => [new URL(p.httpUrl), new URL(p.httpsUrl)];
  const same = phones.find((p) => urls(p).some((u) => u.origin === phoneUrl.origin));
  if (same) return same;
  // The user named the host otherwise than polysim does (localhost for 127.0.0.1).
  const byPort = phones.filter((p) => urls(p).some((u) => u.protocol === phoneUrl.protocol && u.port === phoneUrl.port));
  return byPort.length === 1 ? byPort[0] : undefined;
}

const pathOf = (url: string): string => url.split('?')[0] ?? url;

/** The newest journal entry that answered this request with this Status, and its reason. */
export function reasonIn(journal: readonly ControlJournalEntry[], err: PolyError): string | undefined {
  const req = err.request;
  if (req === undefined) return undefined;
  for (let i = journal.length - 1; i >= 0; i--) {
    const e = journal[i] as ControlJournalEntry;
    if (e.direction === undefined && e.status === err.code && e.method === req.method && pathOf(e.url) === pathOf(req.path))
      return e.detail;
  }
  return undefined;
}

/** The reason for `err` of phone `index` of a control API (a phone of a shard, asked through it). */
export async function reasonOfPhone(control: ControlAccess, index: number, err: PolyError): Promise<string | undefined> {
  try {
    return reasonIn(await getJson<ControlJournalEntry[]>(control, `/phones/${index}/journal?limit=${JOURNAL_DEPTH}`), err);
  } catch {
    return undefined;
  }
}

/**
 * The phone's reason for `err`, from the journal of the phone at `phoneUrl` in the control API; undefined when
 * there is none or the control API cannot say (it is not asked again, and the Status error is shown without it).
 */
export async function phoneReason(control: ControlAccess, phoneUrl: URL, err: PolyError): Promise<string | undefined> {
  try {
    const phone = phoneAt(await getJson<ControlPhone[]>(control, '/phones'), phoneUrl);
    if (!phone) return undefined;
    return reasonIn(await getJson<ControlJournalEntry[]>(control, `/phones/${phone.index}/journal?limit=${JOURNAL_DEPTH}`), err);
  } catch {
    return undefined;
  }
}
