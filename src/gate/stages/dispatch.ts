/** The end of the road: the operation runs on the phone (api/dispatch checks its input against its schema). */
import { dispatch, extractInput } from '../../api/dispatch.js';
import type { Next } from '../stage.js';

const NONE = { method: 'none', user: '' } as const;

export const dispatchStage: Next = (ctx) => {
  const { req, op, phone } = ctx;
  if (!op) return { kind: 'absent' };
  return dispatch(op, phone, extractInput(op, req.body, req.query), req.path, req.transport, ctx.auth ?? NONE);
};
