/** The end of the road: the operation runs on the phone (api/dispatch checks its input against its schema). */
import { dispatch, extractInput } from '../../api/dispatch.js';
import type { Next } from '../stage.js';

const NONE = { method: 'none', user: '' } as const;
const ABSENT = { kind: 'absent' } as const;

export const dispatchStage: Next = (ctx) => {
  const { req, op, phone } = ctx;
  if (!op) return ABSENT;
  return dispatch(op, phone, extractInput(op, req.body, req.query), req.path, req.origin.transport, ctx.auth ?? NONE);
};
