/**
 * The polysim client: `import { PolyPhone } from 'polysim/client'`. Works with real Poly phones and polysim alike;
 * depends on nothing of the server (only node's http, https and crypto).
 */
import { callControlApi, managementApi, networkApi } from './operations.js';
import { PolyPhoneBase } from './poly-phone.js';
import type { PolyPhoneOptions } from './poly-phone.js';

export class PolyPhone extends PolyPhoneBase {
  /** Management.* operations. */
  readonly mgmt: ReturnType<typeof managementApi>;
  /** WebCallControl.* operations. */
  readonly callctrl: ReturnType<typeof callControlApi>;
  /** Network.* operations. */
  readonly network: ReturnType<typeof networkApi>;

  constructor(options: PolyPhoneOptions) {
    super(options);
    this.mgmt = managementApi(this);
    this.callctrl = callControlApi(this);
    this.network = networkApi(this);
  }
}

export { AuthError, PolyError, TransportError } from './errors.js';
/** Facts generated from the server's tables: the manual's Status codes, each operation's path, the body limit. */
export { MEANINGS } from './status.js';
export type { StatusCode } from './status.js';
export { PATH_SUFFIXES, PATHS } from './paths.js';
export type { OperationName, PathSuffix } from './paths.js';
export type { TlsTrust } from './http.js';
export type { PolyPhoneOptions } from './poly-phone.js';
export { BODY_LIMIT } from './body-limit.js';
export type { Data, Input, Operations } from './types.js';
export { polysimEvents } from './events.js';
export { polysimClock } from './clock.js';
export type { ClockOptions, PolysimClock } from './clock.js';
export type { EventsOptions } from './events.js';
/** The events' types and the control API's answers (generated from the server's schemas). */
export type * from './types-control.js';
/** The signing parts, for those who make their own requests (polysim's control port forwards with them). */
export { basicHeader, bestChallenge, DigestSigner, parseChallenges } from './digest.js';
export type { Challenge } from './digest.js';
/** The documents phones POST to web applications (telephony events) and answer for state polling, typed. */
export * from './phone-documents.js';
