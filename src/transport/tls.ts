/**
 * The phone's HTTPS identity: a self-signed certificate with CN = the MAC (as clients pin on real phones), made on
 * first start with the selfsigned package and kept in the phone's store; or the user's own certificate and key.
 */
import { readFileSync } from 'node:fs';
import selfsigned from 'selfsigned';
import type { Phone } from '../phone/phone.js';
import { TlsError } from '../errors.js';

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
  const altNames: ({ type: 2; value: string } | { type: 7; ip: string })[] = [{ type: 2, value: mac }];
  if (/^[\d.]+$/.test(phone.ipv4)) altNames.push({ type: 7, ip: phone.ipv4 });
  // EC P-256 keys are made in about a millisecond, which keeps a fleet of a thousand phones quick to start.
  const pems = await selfsigned.generate(
    [{ name: 'commonName', value: mac }, { name: 'organizationName', value: 'Polycom Inc.' }],
    {
      keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate: notBefore, notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  );
  const material: TlsMaterial = { cert: pems.cert, key: pems.private };
  phone.store.putBlob(BLOB, JSON.stringify(material));
  return material;
}
