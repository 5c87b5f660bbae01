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
for (const op of operations) {
  for (const path of op.paths) {
    if (byPath.has(path)) throw new Error(`two operations claim ${path}`);
    byPath.set(path, op);
  }
}

/** The operation served at a path, whatever the method. */
export function operationAt(path: string): Operation | undefined {
  return byPath.get(path);
}

export function allPaths(): string[] {
  return [...byPath.keys()];
}
