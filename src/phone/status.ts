/**
 * The one catalogue of the manual's Status codes. The phone throws PhoneError(code); the transports map a code to
 * their own wire form (HTTP status + JSON envelope in transport/http/envelope.ts, SIP reports later).
 * The SDK's copy (packages/client/src/status.ts) is generated from this table by `npm run openapi`
 * (src/openapi/client-facts.ts); the domain owns the catalogue and imports nothing from its client.
 */
export const Status = {
  OK: '2000',
  INVALID_INPUT: '4000',
  DEVICE_BUSY: '4001',
  LINE_NOT_REGISTERED: '4002',
  NOT_ALLOWED: '4003',
  NOT_SUPPORTED: '4004',
  LINE_DOES_NOT_EXIST: '4005',
  URLS_NOT_CONFIGURED: '4006',
  CALL_DOES_NOT_EXIST: '4007',
  EXPORT_FAILED: '4008',
  INPUT_SIZE_EXCEEDED: '4009',
  DEFAULT_PASSWORD: '4010',
  CONTACT_NOT_FOUND: '4011',
  BAD_REQUEST: '4400',
  FORBIDDEN: '4403',
  FAILED: '5000',
  INTERNAL_ERROR: '5500',
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

export const statusText: Readonly<Record<StatusCode, string>> = {
  '2000': 'API executed successfully',
  '4000': 'Invalid input parameters',
  '4001': 'Device busy',
  '4002': 'Line not registered',
  '4003': 'Operation not allowed',
  '4004': 'Operation not supported',
  '4005': 'Line does not exist',
  '4006': 'URLs not configured',
  '4007': 'Call does not exist',
  '4008': 'Configuration export failed',
  '4009': 'Input size limit exceeded',
  '4010': 'Default password not allowed',
  '4011': 'Contact not found',
  '4400': 'Bad request',
  '4403': 'Forbidden',
  '5000': 'Failed to process request',
  '5500': 'Internal Server Error',
};

export function isStatusCode(value: string): value is StatusCode {
  return Object.prototype.hasOwnProperty.call(statusText, value);
}

/** An operation's failure with one of the manual's Status codes; `detail` is for logs and the journal only. */
export class PhoneError extends Error {
  readonly code: StatusCode;
  readonly detail: string | undefined;

  constructor(code: StatusCode, detail?: string) {
    super(detail ? `${code} ${statusText[code]}: ${detail}` : `${code} ${statusText[code]}`);
    this.name = 'PhoneError';
    this.code = code;
    this.detail = detail;
  }
}
