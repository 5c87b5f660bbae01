/** What can go wrong talking to a phone, as typed errors. */

/** The phone answered with a Status other than 2000. */
export class PolyError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly meaning: string;

  constructor(code: string, httpStatus: number) {
    const meaning = MEANINGS[code] ?? 'Unknown status';
    super(`Status ${code}: ${meaning} (HTTP ${httpStatus})`);
    this.name = 'PolyError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.meaning = meaning;
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
  constructor(message: string, readonly httpStatus?: number) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The manual's Status codes and their meaning. */
export const MEANINGS: Readonly<Record<string, string>> = {
  '2000': 'API executed successfully', '4000': 'Invalid input parameters', '4001': 'Device busy',
  '4002': 'Line not registered', '4003': 'Operation not allowed', '4004': 'Operation not supported',
  '4005': 'Line does not exist', '4006': 'URLs not configured', '4007': 'Call does not exist',
  '4008': 'Configuration export failed', '4009': 'Input size limit exceeded', '4010': 'Default password not allowed',
  '4011': 'Contact not found', '4400': 'Bad request', '4403': 'Forbidden', '5000': 'Failed to process request',
  '5500': 'Internal Server Error',
};
