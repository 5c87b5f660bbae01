/**
 * A request's body as the road sees it, whichever transport read it: the manual's 20 KB limit and the two markers a
 * transport puts in place of a body it could not give as JSON. The one place for both (transports read bodies up to
 * the limit, the gate answers an oversize body, operations refuse an unreadable one).
 */

/** The manual's limit on a request body, in bytes ("the maximum size of the payload is 20 KB"). */
export const BODY_LIMIT = 20 * 1024;

/** Marks a body that arrived over BODY_LIMIT (read no further). */
export const TOO_LARGE = Symbol('body too large');

/** Marks a body that was sent but could not be read as JSON (answered 4400). */
export const UNREADABLE = Symbol('unreadable body');

/** A body taken as text, with its declared type: what operations with inputFrom 'text' are given (push). */
export interface TextBody {
  readonly text: string;
  readonly contentType: string;
}

export function isTextBody(body: unknown): body is TextBody {
  return typeof body === 'object' && body !== null && typeof (body as TextBody).text === 'string';
}

/** How a body is shown to people (the journal): the markers by name, anything else undefined. */
export function markerText(body: unknown): string | undefined {
  if (body === TOO_LARGE) return '(over 20 KB)';
  if (body === UNREADABLE) return '(not JSON)';
  return undefined;
}
