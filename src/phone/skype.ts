/**
 * Skype for Business sign-in against polysim's simulated directory. An address with the right password signs in;
 * a wrong password fails; an address whose domain the directory does not serve gets no answer, so the attempt
 * times out (150 s on a real phone). With an empty directory every sign-in with a password succeeds.
 */
import type { Phone } from './phone.js';
import type { BootState } from './boot-state.js';
import { PhoneError, Status } from './status.js';

export type { SkypeSession } from './boot-state.js';

export function skypeSession(phone: Phone): BootState['skype'] {
  return phone.boot.skype;
}

const domainOf = (address: string): string => address.replace(/^sip:/i, '').split('@')[1]?.toLowerCase() ?? '';

export function signIn(phone: Phone, address: string, user: string, password: string): Promise<void> {
  if (skypeSession(phone)) return Promise.reject(new PhoneError(Status.NOT_ALLOWED, 'already signed in'));
  const directory = phone.skypeDirectory;
  const key = address.toLowerCase();
  const served = directory.size === 0 || [...directory.keys()].some((a) => domainOf(a) === domainOf(key));
  return new Promise((resolve, reject) => {
    if (!served) {
      phone.clock.schedule(phone.timing.skypeSignInTimeoutMs, () =>
        reject(new PhoneError(Status.FAILED, `sign-in to ${address} timed out`)),
      );
      return;
    }
    const expected = directory.size === 0 ? undefined : directory.get(key);
    if (password === '' || (directory.size > 0 && expected !== password)) {
      reject(new PhoneError(Status.FAILED, `sign-in to ${address} refused: wrong user or password`));
      return;
    }
    phone.boot.skype = { address, user, signedInAt: phone.clock.now(), presence: 'Available' };
    resolve();
  });
}

export function signOut(phone: Phone): void {
  if (!skypeSession(phone)) throw new PhoneError(Status.NOT_ALLOWED, 'not signed in');
  phone.boot.skype = undefined;
}
