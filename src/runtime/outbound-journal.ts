/** A posted document's fate as a journal entry: the phone's own requests sit in its journal beside those it received. */
import type { JournalRecord } from '../gate/journal.js';
import type { PostResult } from '../network/post-queue.js';

export function outboundRecord(r: PostResult, now: number): JournalRecord {
  const { item } = r;
  const base = {
    at: now,
    transport: /^https:/i.test(item.url) ? ('https' as const) : ('http' as const),
    method: 'POST',
    url: item.url,
    from: '',
    direction: 'out' as const,
  };
  switch (r.result) {
    case 'delivered':
      return { ...base, httpStatus: r.status, ms: r.ms, detail: item.label };
    case 'failed':
      return { ...base, httpStatus: r.status, ms: r.ms, detail: `${item.label}: ${r.error}` };
    case 'dropped':
      return { ...base, httpStatus: 0, ms: 0, detail: `${item.label}: dropped (${r.reason})` };
  }
}
