/**
 * HTTP and HTTPS as origins of the road: their policy (the REST API's switch, logins, methods, the web server's
 * 413 for an oversize body on operations without 4009) and the HTTP status each Decision is answered with.
 */
import type { OriginPolicy } from '../../gate/origin.js';
import { restApiClosed } from '../../gate/origin.js';
import { operationAt } from '../../api/index.js';
import type { Decision } from '../../gate/request.js';
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
