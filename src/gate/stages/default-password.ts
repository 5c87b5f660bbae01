/** While the admin password is the factory default (456), every request answers Status 4010. */
import { Status } from '../../phone/status.js';
import type { Stage } from '../stage.js';
import { DEFAULT_ADMIN_PASSWORD } from '../rules.js';

const DEFAULT = { kind: 'status', code: Status.DEFAULT_PASSWORD } as const;

export const defaultPasswordStage: Stage = (ctx, next) =>
  ctx.phone.config.value('device.auth.localAdminPassword') === DEFAULT_ADMIN_PASSWORD ? DEFAULT : next(ctx);
