/**
 * Stage 1: is the origin open? Its policy names its switches: the REST API's (apps.restapi.enabled, on a model that
 * has the API) for HTTP, SIP NOTIFY's own (apps.restapi.sipNotify.*) for NOTIFY. A shut origin's requests go no
 * further (over HTTP the web server answers 404 and closes).
 */
import type { Stage } from '../stage.js';

export const enabledStage: Stage = (ctx, next) => {
  const closed = ctx.req.origin.closed(ctx.phone);
  return closed ? { kind: 'closed', ...closed } : next(ctx);
};
