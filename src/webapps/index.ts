/**
 * The web application handlers (state polling, push): their own operation table, served over HTTP and HTTPS beside
 * the REST API but with their own switches, accounts and answers (transport/http/origin.ts). Paths match without
 * regard to case: the guide writes /polling/callstateHandler, clients also callStateHandler.
 */
import type { Operation } from '../api/operation.js';
import { pollingOperations } from './polling.js';
import { pushOperations } from './push.js';

export const webAppOperations: readonly Operation[] = [...pollingOperations, ...pushOperations];

const byPath = new Map<string, Operation>(webAppOperations.flatMap((op) => op.paths.map((p) => [p.toLowerCase(), op] as const)));

/** The web application handler at a path, if any. */
export function webAppOperationAt(path: string): Operation | undefined {
  return byPath.get(path.toLowerCase());
}
