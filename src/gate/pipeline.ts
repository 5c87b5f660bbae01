/**
 * The one road every command takes to a phone, whichever transport carried it (HTTP, HTTPS, SIP NOTIFY):
 *
 *   journal( enabled → route → accept → auth → default password → method → size → one at a time → faults →
 *            latency → dispatch )
 *
 * Each stage is a small function of the request context and the rest of the road (`next`), in the manner of Koa's and
 * Hono's compose; the journal stands around the others and records what they decided. Stages read the request's
 * origin policy (origin.ts), never the name of its transport. Transports build a PhoneRequest, call run(), and write
 * the Decision; none of them calls a stage itself. Stages that need nothing
 * asynchronous answer synchronously, so a plain GET never waits on the promise queue.
 */
import type { Transport } from '../api/operation.js';
import type { Phone } from '../phone/phone.js';
import type { StatusCode } from '../phone/status.js';
import { FaultPlan } from './faults.js';
import { Journal } from './journal.js';
import { statusOf } from './request.js';
import type { Decision, PhoneRequest } from './request.js';
import type { Context, Next, Result, Stage } from './stage.js';
import { RequestSlot } from './slot.js';
import type { SlotMode } from './slot.js';
import { acceptStage } from './stages/accept.js';
import { authStage, AuthState } from './stages/auth.js';
import { defaultPasswordStage } from './stages/default-password.js';
import { dispatchStage } from './stages/dispatch.js';
import { enabledStage } from './stages/enabled.js';
import { faultStage } from './stages/faults.js';
import { journalStage } from './stages/journal.js';
import { latencyStage } from './stages/latency.js';
import { methodStage, routeStage } from './stages/route.js';
import { sizeStage } from './stages/size.js';
import { slotStage } from './stages/slot.js';

export type { Context, Next, Result, Stage } from './stage.js';

/** A request as it was answered, for the pipeline's observers (metrics), whatever stage answered it. */
export interface Answered {
  readonly transport: Transport;
  /** The operation that took it; undefined when none serves its path (or the origin was shut before one was found). */
  readonly operation: string | undefined;
  /** The HTTP status of the answer (for SIP NOTIFY, as in the journal: the status the same answer has over HTTP). */
  readonly httpStatus: number;
  /** The JSON Status, when the answer carries one. */
  readonly status: StatusCode | undefined;
  readonly ms: number;
}

/** Composes stages into one function; the last `next` is `end`. */
export function compose(stages: readonly Stage[], end: Next): Next {
  return stages.reduceRight<Next>((next, stage) => (ctx) => stage(ctx, next), end);
}

export interface PipelineOptions {
  readonly slotMode?: SlotMode;
  readonly latencyMs?: number;
  readonly journal?: Journal;
  readonly faults?: FaultPlan;
}

/** One phone's pipeline and the state its stages keep: the request slot, faults, latency, journal, logins. */
export class PhonePipeline {
  readonly slot: RequestSlot;
  readonly faults: FaultPlan;
  readonly journal: Journal;
  readonly auth: AuthState;
  /** Extra processing time per request, to make the one-at-a-time rule observable. */
  latencyMs: number;
  private readonly road: Next;
  private readonly observers = new Set<(a: Answered) => void>();

  constructor(
    readonly phone: Phone,
    options: PipelineOptions = {},
  ) {
    this.slot = new RequestSlot(options.slotMode ?? 'reject');
    this.faults = options.faults ?? new FaultPlan();
    this.journal = options.journal ?? new Journal();
    this.latencyMs = options.latencyMs ?? 0;
    this.auth = new AuthState(phone);
    this.road = compose(
      [
        journalStage(
          this.journal,
          () => phone.clock.now(),
          (ctx, d, ms) => this.tell(ctx, d, ms),
        ),
        enabledStage,
        routeStage,
        acceptStage,
        authStage(this.auth),
        defaultPasswordStage,
        methodStage,
        sizeStage,
        slotStage(this.slot),
        faultStage(this.faults),
        latencyStage(() => this.latencyMs),
      ],
      dispatchStage,
    );
  }

  /** Calls `observe` with every request answered from now on; returns the way to stop. */
  onAnswered(observe: (a: Answered) => void): () => void {
    this.observers.add(observe);
    return () => this.observers.delete(observe);
  }

  private tell(ctx: Context, d: Decision, ms: number): void {
    if (this.observers.size === 0) return;
    const a: Answered = {
      transport: ctx.req.origin.transport,
      operation: ctx.op?.name,
      httpStatus: ctx.req.origin.answerStatus(d),
      status: statusOf(d),
      ms,
    };
    for (const observe of this.observers) observe(a);
  }

  run(req: PhoneRequest): Result {
    return this.road({ req, phone: this.phone });
  }
}
