/** Stage 1: with the REST API off (or on a model without one) the phone's web server answers 404 and closes. */
import type { Stage } from '../stage.js';
import { restApiOn } from '../rules.js';

const OFF = { kind: 'off' } as const;

/** SIP NOTIFY has its own switches (apps.restapi.sipNotify.*), checked by its transport before the command. */
export const enabledStage: Stage = (ctx, next) =>
  (ctx.req.transport === 'sip' || restApiOn(ctx.phone) ? next(ctx) : OFF);
