/** A phone's request journal: the last requests of its Poly API with their answers, oldest first. */
export interface JournalEntry {
  readonly at: string;
  readonly method: string;
  readonly url: string;
  readonly httpStatus: number;
  readonly status?: string;
  readonly ms: number;
}

export class Journal {
  private readonly entries: JournalEntry[] = [];
  /** Requests recorded since the phone started, including those no longer kept. */
  total = 0;

  constructor(readonly capacity = 200) {}

  add(entry: JournalEntry): void {
    this.total++;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  last(n = this.capacity): JournalEntry[] {
    return this.entries.slice(-Math.max(0, n));
  }
}
