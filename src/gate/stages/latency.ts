/** Extra processing time per request (control API), holding the slot as a slow phone would. */
import type { Stage } from '../stage.js';

export function latencyStage(ms: () => number): Stage {
  return (ctx, next) => {
    const wait = ms();
    if (wait <= 0) return next(ctx);
    return new Promise<void>((resolve) => setTimeout(resolve, wait)).then(() => next(ctx));
  };
}
