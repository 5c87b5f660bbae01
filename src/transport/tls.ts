/**
 * The phone's HTTPS identity: a self-signed certificate with CN = the MAC (as clients pin on real phones), made on
 * first start (certificate.ts) and kept in the phone's store; or the user's own certificate and key.
 */
import type { Phone } from '../phone/phone.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TlsError } from '../errors.js';
import { readSmallFile } from '../small-file.js';
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
    text = readSmallFile(file);
  } catch (err) {
    throw new TlsError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN')) throw new TlsError(`${what} ${file} is not PEM`);
  return text;
}

/** The user's certificate and key, checked here: a TLS listener given a bad one would fail later, with a stack. */
function ownMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`certificate ${certFile} is not a PEM certificate: ${(err as Error).message.replace(/^error:\S+\s*/, '')}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsError(`key ${keyFile} is not a PEM private key: ${(err as Error).message.replace(/^error:\S+\s*/, '')}`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsError(`key ${keyFile} is not the key of certificate ${certFile}`);
  return { cert, key };
}

export async function phoneCertificate(phone: Phone, own?: { certFile: string; keyFile: string }): Promise<TlsMaterial> {
  if (own) return ownMaterial(own.certFile, own.keyFile);
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
