/** The phone's provisioning server, as device.prov.* configures it: its base URL and the credentials it takes. */
import type { Phone } from './phone.js';

const SCHEMES = ['ftp', 'tftp', 'http', 'https', 'ftps'];

/** The provisioning server's base URL, or undefined when none is configured. */
export function provisioningBase(phone: Phone): URL | undefined {
  const name = phone.config.value('device.prov.serverName').trim();
  if (!name) return undefined;
  const withScheme = /^[a-z]+:\/\//i.test(name) ? name : `${SCHEMES[phone.config.int('device.prov.serverType')] ?? 'http'}://${name}`;
  try {
    const url = new URL(withScheme.endsWith('/') ? withScheme : `${withScheme}/`);
    return url;
  } catch {
    return undefined;
  }
}

/** The provisioning server's user and password (device.prov.user, .password), when a user is configured. */
export function credentials(phone: Phone): { user: string; password: string } | undefined {
  const user = phone.config.value('device.prov.user');
  return user ? { user, password: phone.config.value('device.prov.password') } : undefined;
}
