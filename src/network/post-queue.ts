/**
 * A phone's outbound documents (telephony events, polled state): a bounded queue, delivered one at a time in the
 * order they were raised, each POST with its own deadline. Nothing waits on it: a phone raises an event and goes
 * on; a receiver that is slow, down or answering 500 only makes this queue fill, and once it is full the oldest
 * waiting document is dropped (and counted) to make room for the newest, so that what arrives late still says how
 * the phone stands now.
 */

import type { Outbox, OutboxItem } from '../phone/ports.js';

export type PostItem = OutboxItem;

/** Sends one document; resolves with the receiver's HTTP status, rejects when there is no answer within the deadline. */
export type PostSender = (item: PostItem, deadlineMs: number) => Promise<number>;

export type PostResult =
  | { readonly item: PostItem; readonly result: 'delivered'; readonly status: number; readonly ms: number }
  | { readonly item: PostItem; readonly result: 'failed'; readonly status: number; readonly ms: number; readonly error: string }
  | { readonly item: PostItem; readonly result: 'dropped'; readonly reason: 'queue full' | 'phone stopped' };

export interface PostCounts {
  delivered: number;
  failed: number;
  dropped: number;
}

export interface PostQueueOptions {
  readonly send: PostSender;
  /** Documents waiting at most (the one in flight not counted). */
  readonly max?: number;
  readonly deadlineMs?: number;
  readonly now: () => number;
  readonly report?: (result: PostResult) => void;
}

export const POST_QUEUE_MAX = 64;
export const POST_DEADLINE_MS = 5000;

export class PostQueue implements Outbox {
  private readonly waiting: PostItem[] = [];
  private inFlight = false;
  readonly counts: PostCounts = { delivered: 0, failed: 0, dropped: 0 };
  /** The same counts per kind of document (its label: IncomingCallEvent, CallLineInfo, ...). */
  readonly countsByLabel = new Map<string, PostCounts>();
  private readonly max: number;
  private readonly deadlineMs: number;
  /** Idle resolvers: settled() waits for the queue to empty (tests, shutdown). */
  private idle: (() => void)[] = [];

  constructor(private readonly options: PostQueueOptions) {
    this.max = Math.max(1, options.max ?? POST_QUEUE_MAX);
    this.deadlineMs = options.deadlineMs ?? POST_DEADLINE_MS;
  }

  get length(): number {
    return this.waiting.length + (this.inFlight ? 1 : 0);
  }

  push(item: PostItem): void {
    if (this.waiting.length >= this.max) {
      const oldest = this.waiting.shift();
      if (oldest) this.drop(oldest, 'queue full');
    }
    this.waiting.push(item);
    if (!this.inFlight) void this.pump();
  }

  /** Drops every waiting document (the phone is stopped for good; what is in flight still ends by its deadline). */
  clear(): void {
    for (const item of this.waiting.splice(0)) this.drop(item, 'phone stopped');
    this.settle();
  }

  /** Resolves once nothing is waiting or in flight. */
  settled(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private drop(item: PostItem, reason: 'queue full' | 'phone stopped'): void {
    this.count(item, 'dropped');
    this.tell({ item, result: 'dropped', reason });
  }

  private count(item: PostItem, result: keyof PostCounts): void {
    this.counts[result]++;
    let of = this.countsByLabel.get(item.label);
    if (!of) this.countsByLabel.set(item.label, (of = { delivered: 0, failed: 0, dropped: 0 }));
    of[result]++;
  }

  /** Reports an outcome; a report that throws stops neither the caller nor the delivery of the rest. */
  private tell(result: PostResult): void {
    try {
      this.options.report?.(result);
    } catch {
      // nothing: what was reported is counted already
    }
  }

  private async pump(): Promise<void> {
    this.inFlight = true;
    for (let item = this.waiting.shift(); item; item = this.waiting.shift()) {
      const started = performance.now();
      let result: PostResult;
      try {
        const status = await this.options.send(item, this.deadlineMs);
        const ms = Math.round(performance.now() - started);
        result =
          status >= 200 && status < 300
            ? { item, result: 'delivered', status, ms }
            : { item, result: 'failed', status, ms, error: `answered ${status}` };
      } catch (err) {
        const ms = Math.round(performance.now() - started);
        result = { item, result: 'failed', status: 0, ms, error: err instanceof Error ? err.message : String(err) };
      }
      this.count(item, result.result);
      this.tell(result);
    }
    this.inFlight = false;
    this.settle();
  }

  private settle(): void {
    if (this.length > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
