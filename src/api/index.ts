/** The operation table: every operation of the API, looked up by path. HTTP and SIP NOTIFY both use it. */
import { callControlOperations } from './call-control.js';
import { callStatusOperations } from './call-status.js';
import { configOperations } from './config.js';
import { deviceInfoOperations } from './device-info.js';
import { lifecycleOperations } from './lifecycle.js';
import { lineOperations } from './lines.js';
import { mediaStatusOperations } from './media-status.js';
import { networkOperations } from './network-info.js';
import type { Operation } from './operation.js';
import { peripheralOperations } from './peripherals.js';
import { sessionOperations } from './sessions.js';
import { simulateOperations } from './simulate.js';
import { skypeOperations } from './skype.js';

export const operations: readonly Operation[] = [
  ...deviceInfoOperations,
  ...networkOperations,
  ...peripheralOperations,
  ...lineOperations,
  ...configOperations,
  ...lifecycleOperations,
  ...skypeOperations,
  ...sessionOperations,
  ...callControlOperations,
  ...callStatusOperations,
  ...mediaStatusOperations,
  ...simulateOperations,
];

const byPath = new Map<string, Operation>();
/**
 * Every path lower-cased: phones serve a path whatever its case (clients run against phones call
 * `/api/v1/WebCallControl/callStatus` and `/api/v1/mgmt/lineinfo`; docs/fidelity.md), so two paths may not differ
 * in case alone.
 */
const byLowerPath = new Map<string, Operation>();
for (const op of operations) {
  for (const path of op.paths) {
    if (byLowerPath.has(path.toLowerCase())) throw new Error(`two operations claim ${path} (in some case)`);
    byPath.set(path, op);
    byLowerPath.set(path.toLowerCase(), op);
  }
}

/**
 * The operation served at a path, whatever the method and the path's case. The path as the table spells it is
 * found at once; another case costs one lower-casing.
 */
export function operationAt(path: string): Operation | undefined {
  return byPath.get(path) ?? byLowerPath.get(path.toLowerCase());
}

export function allPaths(): string[] {
  return [...byPath.keys()];
}
