/** Faults asked for through the control API: the next matching request answers the given Status instead of running. */
import type { FaultPlan } from '../faults.js';
import type { Stage } from '../stage.js';

export function faultStage(faults: FaultPlan): Stage {
  return (ctx, next) => {
    const code = faults.take(ctx.req.path);
    return code ? { kind: 'status', code, detail: 'injected fault' } : next(ctx);
  };
}
