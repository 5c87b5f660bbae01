/**
 * HTTP and HTTPS as origins of the road: their policy (the REST API's switch, logins, methods, the web server's
 * 413 for an oversize body on operations without 4009) and the HTTP status each Decision is answered with.
 */
import type { OriginPolicy } from '../../gate/origin.js';
import { restApiClosed } from '../../gate/origin.js';
import { operationAt } from '../../api/index.js';
import type { Decision } from '../../gate/request.js';
import { Status } from '../../phone/status.js';
import { webAppOperationAt } from '../../webapps/index.js';
import { HTTP_STATUS } from './envelope.js';

/** The HTTP status a decision is answered with (app.ts writes it; the journal records it). */
export function httpStatusOf(d: Decision): number {
  switch (d.kind) {
    case 'ok':
      return 200;
    case 'status':
      return HTTP_STATUS[d.code];
    case 'wrong-method':
      return 405;
    case 'absent':
    case 'closed':
      return 404;
    case 'unauthorized':
      return 401;
    case 'locked':
      return 403;
    case 'too-large':
      return 413;
  }
}

const web = (transport: 'http' | 'https'): OriginPolicy => ({
  transport,
  route: operationAt,
  closed: restApiClosed,
  authenticates: true,
  checksMethods: true,
  oversize: 'by-operation',
  answerStatus: httpStatusOf,
});

export const HTTP_ORIGIN = web('http');
export const HTTPS_ORIGIN = web('https');

/**
 * The HTTP status of a web application handler's answer (state polling, push): their own, not the REST API's
 * envelope. Wrong credentials are refused (403), as clients of the polling handlers read it; a phone busy with
 * another request (one at a time) 403 too; a phone not ready 503.
 */
export function webAppStatusOf(d: Decision): number {
  switch (d.kind) {
    case 'ok':
      return d.reply.document?.httpStatus ?? 200;
    case 'status':
      if (d.code === Status.FORBIDDEN) return 403;
      if (d.code === Status.FAILED) return 503;
      return HTTP_STATUS[d.code];
    case 'unauthorized':
      return d.failed ? 403 : 401;
    default:
      return httpStatusOf(d);
  }
}

const webApp = (transport: 'http' | 'https'): OriginPolicy => ({
  transport,
  route: webAppOperationAt,
  // Their own switches are their accounts (no user or password: not served), not the REST API's.
  closed: () => undefined,
  authenticates: true,
  checksMethods: true,
  oversize: 'by-operation',
  answerStatus: webAppStatusOf,
});

export const WEB_APP_HTTP_ORIGIN = webApp('http');
export const WEB_APP_HTTPS_ORIGIN = webApp('https');

/** Whether a path is one of the web application handlers' (/push, /polling/...): a first letter, then the table. */
export function isWebAppPath(path: string): boolean {
  return (path.charCodeAt(1) | 0x20) === 0x70 && webAppOperationAt(path) !== undefined;
}
