/**
 * CA certificates given in the phone's configuration (sec.TLS.customCaCert.1, device.sec.TLS.customCaCert1 and 2):
 * PEM blocks whose line breaks may have become spaces (an XML attribute's newlines are read as spaces). Read here
 * once for every client that verifies a server with them: SIP over TLS and the file transfers of provisioning.
 */
import { X509Certificate } from 'node:crypto';

/** The most certificates read from the configuration. */
export const MAX_CAS = 8;

/**
 * The certificates of a configured value, each rewritten as PEM; blocks that are not certificates are left out.
 */
export function pemCertificates(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const body = (m[1] ?? '').replace(/\s+/g, '');
    const pem = `-----BEGIN CERTIFICATE-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
    try {
      new X509Certificate(pem);
      out.push(pem);
    } catch {
      // not a certificate: left out
    }
    if (out.length >= MAX_CAS) break;
  }
  return out;
}
