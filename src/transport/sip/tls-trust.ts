/**
 * How a phone checks the certificate of a SIP server it connects to over TLS: against the CA certificates the
 * configuration gives (sec.TLS.customCaCert.1, device.sec.TLS.customCaCert1 and 2), and, with
 * sec.TLS.SIP.strictCertCommonNameValidation=1, that the certificate names the host connected to (its name, when
 * DNS found the address). Without a configured CA nothing is checked (a real phone checks against Poly's platform
 * CA list, which polysim cannot ship: docs/fidelity.md).
 */
import { checkServerIdentity } from 'node:tls';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { MAX_CAS, pemCertificates } from '../../pem.js';
import { TLS_GROUPS } from '../../tls-groups.js';

/** The parameters read (first those set). */
export const CA_PARAMETERS = ['sec.TLS.customCaCert.1', 'device.sec.TLS.customCaCert1', 'device.sec.TLS.customCaCert2'] as const;
export const STRICT_NAME_PARAMETER = 'sec.TLS.SIP.strictCertCommonNameValidation';

export interface SipTlsTrust {
  /** PEM certificates to verify against; undefined: none configured (nothing is verified); [] configured but unreadable. */
  readonly ca: readonly string[] | undefined;
  readonly strictName: boolean;
}

export type TrustParameter = (typeof CA_PARAMETERS)[number] | typeof STRICT_NAME_PARAMETER;

/** The trust settings from the phone's configuration (`read` answers a parameter's value). */
export function sipTlsTrust(read: (name: TrustParameter) => string): SipTlsTrust {
  const values = CA_PARAMETERS.map(read).filter((v) => v.trim() !== '');
  return {
    ca: values.length === 0 ? undefined : values.flatMap(pemCertificates).slice(0, MAX_CAS),
    strictName: read(STRICT_NAME_PARAMETER) === '1',
  };
}

/** The TLS options of a connection to `host` (found from `serverName`, when DNS gave the address). */
export function trustOptions(trust: SipTlsTrust, host: string, serverName: string | undefined): ConnectionOptions {
  const name = serverName ?? host;
  const sni = /^[\d.]+$|:/.test(name) ? undefined : name;
  const common = { ecdhCurve: TLS_GROUPS, servername: sni };
  // Servers are often reached by address with certificates of their own CA: verified only when a CA is configured.
  if (trust.ca === undefined) return { ...common, rejectUnauthorized: false };
  return {
    ...common,
    rejectUnauthorized: true,
    ca: [...trust.ca],
    checkServerIdentity: (_host: string, cert: PeerCertificate) => (trust.strictName ? checkServerIdentity(name, cert) : undefined),
  };
}

/** Why a TLS connection failed, in the words the line shows; undefined for failures that are not the certificate's. */
export function certificateFailure(err: unknown, name: string): string | undefined {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: the server's certificate is not for ${name} (${code})`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|CHAIN/.test(code)) return `TLS: the server's certificate is not trusted (${code})`;
  return undefined;
}
