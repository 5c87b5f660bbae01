/**
 * The phone's HTTPS identity: a self-signed certificate with CN = the MAC (as clients pin on real phones), made on
 * first start (certificate.ts) and kept in the phone's store; or the user's own certificate and key.
 */
import { readFileSync } from 'node:fs';
import type { Phone } from '../phone/phone.js';
import { TlsError } from '../errors.js';
import { selfSignedCertificate } from './certificate.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

const BLOB = 'tls';

export { TlsError };

function readPem(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TlsError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!text.includes('-----BEGIN')) throw new TlsError(`${what} ${file} is not PEM`);
  return text;
}

export async function phoneCertificate(phone: Phone, own?: { certFile: string; keyFile: string }): Promise<TlsMaterial> {
  if (own) return { cert: readPem(own.certFile, 'certificate'), key: readPem(own.keyFile, 'key') };
  const stored = phone.store.getBlob(BLOB);
  if (stored) return JSON.parse(stored) as TlsMaterial;
  const mac = phone.identity.mac.toLowerCase();
  const notBefore = new Date(phone.clock.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 20 * 365 * 86_400_000);
  const material: TlsMaterial = selfSignedCertificate({
    commonName: mac, organization: 'Polycom Inc.', dnsNames: [mac], ipAddresses: /^[\d.]+$/.test(phone.ipv4) ? [phone.ipv4] : [], notBefore, notAfter,
  });
  phone.store.putBlob(BLOB, JSON.stringify(material));
  return material;
}
