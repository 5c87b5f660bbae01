/** REST sessions: create after SHA-256 Digest authentication, list, delete (PVOS 9.2.0+ CCX/Trio C60, 8.3.0+ Edge E). */
import { Type } from '@sinclair/typebox';
import type { Phone } from '../phone/phone.js';
import { PhoneError, Status } from '../phone/status.js';
import type { Availability } from './operation.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S } from './schema.js';

const sessionsExist = (phone: Phone): Availability => (phone.profile.sessions ? 'yes' : 'absent');

const create = defineOperation({
  name: 'Management.SessionCreate',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/session/create'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  available: sessionsExist,
  output: Type.Object({ sessionId: S, authLevel: S }),
  handler: ({ phone, auth }) => {
    if (auth?.method !== 'digest-sha256') {
      throw new PhoneError(Status.FORBIDDEN, 'sessions are created after SHA-256 Digest authentication only');
    }
    const duration = phone.config.int('httpd.rest.session.duration.sec');
    const session = phone.sessions.create(duration);
    const maxAge = duration > 0 ? `; Max-Age=${duration}` : '';
    return {
      data: { sessionId: session.id, authLevel: session.authLevel },
      headers: { 'set-cookie': `session=${session.id}; Path=/; Secure; HttpOnly${maxAge}` },
    };
  },
});

const list = defineOperation({
  name: 'Management.SessionList',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/session/get'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  available: sessionsExist,
  output: Type.Object({ Sessions: Type.Array(Type.Object({ sessionId: S, remainingSeconds: S, createdSecondsAgo: S, authLevel: S })) }),
  handler: ({ phone }) => ({
    data: {
      Sessions: phone.sessions.list().map((s) => ({
        sessionId: s.id,
        remainingSeconds: String(phone.sessions.remainingSeconds(s) ?? 'unlimited'),
        createdSecondsAgo: String(phone.sessions.ageSeconds(s)),
        authLevel: s.authLevel,
      })),
    },
  }),
});

const remove = defineOperation({
  name: 'Management.SessionDelete',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/session/delete'],
  inputFrom: 'body',
  input: Type.Array(Type.String(), { minItems: 1, examples: [['f1c2a3b4d5e6f708']] }),
  returnCodes: [...STANDARD_CODES, 4000],
  available: sessionsExist,
  output: Type.Object({ sessionsDeleted: Type.Array(S), sessionsNotFound: Type.Optional(Type.Array(S)) }),
  handler: ({ phone, input, auth }) => {
    // SHA-256 Digest or an admin session may delete sessions; other methods' deletions fail.
    const allowed = auth?.method === 'digest-sha256' || auth?.method === 'session';
    const { deleted, notFound } = allowed ? phone.sessions.delete(input) : { deleted: [], notFound: [...input] };
    return { data: notFound.length > 0 ? { sessionsDeleted: deleted, sessionsNotFound: notFound } : { sessionsDeleted: deleted } };
  },
});

export const sessionOperations = [create, list, remove];
