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
import type { Phone } from '../phone/phone.js';
import { FaultPlan } from './faults.js';
import { Journal } from './journal.js';
import type { PhoneRequest } from './request.js';
import type { Next, Result, Stage } from './stage.js';
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
        journalStage(this.journal, () => phone.clock.now()),
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

  run(req: PhoneRequest): Result {
    return this.road({ req, phone: this.phone });
  }
}
