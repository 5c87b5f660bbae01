/** Skype for Business: sign-in and out, web sign-in, presence. 4004 unless the phone runs a Skype/Teams profile. */
import { Type } from '@sinclair/typebox';
import type { Phone } from '../phone/phone.js';
import { signIn, signOut, skypeSession } from '../phone/skype.js';
import { Status } from '../phone/status.js';
import type { Availability } from './operation.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S } from './schema.js';

function skypeProfile(phone: Phone): Availability {
  const profile = phone.config.value('device.baseProfile');
  return profile === 'SkypeForBusiness' || profile === 'MicrosoftTeams' ? 'yes' : Status.NOT_SUPPORTED;
}

const skypeSignIn = defineOperation({
  name: 'Management.SkypeSignIn',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/skype/signIn'],
  inputFrom: 'body',
  input: Type.Object(
    {
      Address: Type.String({ minLength: 1 }),
      User: Type.String({ minLength: 1 }),
      Password: Type.String(),
      Domain: Type.String(),
      LockCode: Type.Optional(Type.String()),
    },
    { examples: [{ Address: 'alice@example.com', User: 'alice@example.com', Password: 'secret', Domain: 'example.com' }] },
  ),
  returnCodes: [...STANDARD_CODES, 4000, 4002, 4003, 4004],
  available: skypeProfile,
  handler: async ({ phone, input }) => {
    await signIn(phone, input.Address, input.User, input.Password);
    return {};
  },
});

const skypeSignOut = defineOperation({
  name: 'Management.SkypeSignOut',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/skype/signOut'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4003, 4004],
  available: skypeProfile,
  handler: ({ phone }) => {
    signOut(phone);
    return {};
  },
});

const getPresence = defineOperation({
  name: 'WebCallControl.GetCurrentPresence',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/getPresence'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4004],
  available: skypeProfile,
  outputTop: Type.Object({ Presence: S }),
  handler: ({ phone }) => ({ top: { Presence: skypeSession(phone)?.presence ?? 'Offline' } }),
});

const webSignIn = defineOperation({
  name: 'Management.WebSignIn',
  methods: ['POST'],
  paths: ['/api/v1/mgmt/webSignIn'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4004],
  available: skypeProfile,
  output: Type.Object({ Url: S, Code: S }),
  handler: ({ phone }) => {
    const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
    const code = [...Buffer.from(phone.ids.hex(9), 'hex')]
      .map((b) => alphabet[b % alphabet.length])
      .join('')
      .slice(0, 9);
    phone.boot.webSignInCode = code;
    return { data: { Url: 'http://aka.ms/sphone', Code: code } };
  },
});

const webSignInCancel = defineOperation({
  name: 'Management.WebSignInCancel',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/webSignInCancel'],
  inputFrom: 'none',
  returnCodes: [...STANDARD_CODES, 4004],
  available: skypeProfile,
  output: Type.Object({ result: S }),
  handler: ({ phone }) => {
    phone.boot.webSignInCode = undefined;
    return { data: { result: 'Canceled' } };
  },
});

export const skypeOperations = [skypeSignIn, skypeSignOut, getPresence, webSignIn, webSignInCancel];
