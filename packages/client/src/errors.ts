/** What can go wrong talking to a phone, as typed errors. */
import { MEANINGS } from './status.js';

/** The phone answered with a Status other than 2000. */
export class PolyError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly meaning: string;
  /** The request the phone answered so (when the client sent one): to find the phone's reason in its journal. */
  readonly request: { readonly method: string; readonly path: string } | undefined;

  constructor(code: string, httpStatus: number, request?: { readonly method: string; readonly path: string }) {
    const meaning = MEANINGS[code] ?? 'Unknown status';
    super(`Status ${code}: ${meaning} (HTTP ${httpStatus})`);
    this.name = 'PolyError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.meaning = meaning;
    this.request = request;
  }
}

/** The phone refused the credentials (HTTP 401); never retried with the same credentials. */
export class AuthError extends Error {
  constructor(readonly challenges: readonly string[]) {
    super(`authentication failed${challenges.length ? ` (phone offers: ${challenges.map((c) => c.split(/[ ,]/)[0]).join(', ')})` : ''}`);
    this.name = 'AuthError';
  }
}

/** The phone could not be reached, or answered what is not the Poly API (e.g. 404: REST API off). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
