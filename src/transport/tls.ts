/**
 * The phone's HTTPS identity: a self-signed certificate with CN = the MAC (as clients pin on real phones), made when
 * it is first needed (certificate.ts) and kept in the phone's store; or the user's own certificate and key. And the
 * TLS servers that present it (HTTPS, SIP over TLS), which listen at once and make the certificate and their OpenSSL
 * context on their first connection.
 */
import type { Phone } from '../phone/phone.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import { TlsError } from '../errors.js';
import { readSmallFile } from '../small-file.js';
import { selfSignedCertificate } from './certificate.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/** Gives the material when a TLS server first needs it; may throw (TlsError) when the material cannot be had. */
export type TlsSource = () => TlsMaterial;

/** A source that makes its material once, on first use, and gives the same from then on (a failure is tried again). */
export function lazyMaterial(make: () => TlsMaterial): TlsSource {
  let made: TlsMaterial | undefined;
  return () => (made ??= make());
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

/**
 * The user's certificates checked so far, by content: a fleet started with --tls-cert gives the same one to every
 * phone, parsed and checked once (files are read each time: a changed file is checked again). Bounded: a process is
 * given one pair, a handful at most; past that every start checks again.
 */
const checked = new Map<string, TlsMaterial>();
const CHECKED_MAX = 16;

/** The user's certificate and key, checked here: a TLS listener given a bad one would fail later, with a stack. */
function ownMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  const id = `${cert}\n${key}`;
  const known = checked.get(id);
  if (known) return known;
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
  const material = { cert, key };
  if (checked.size < CHECKED_MAX) checked.set(id, material);
  return material;
}

export function phoneCertificate(phone: Phone, own?: { certFile: string; keyFile: string }): TlsMaterial {
  if (own) return ownMaterial(own.certFile, own.keyFile);
  const stored = phone.store.getBlob(BLOB);
  if (stored) return JSON.parse(stored) as TlsMaterial;
  const mac = phone.identity.mac.toLowerCase();
  const notBefore = new Date(phone.clock.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 20 * 365 * 86_400_000);
  const material: TlsMaterial = selfSignedCertificate({
    commonName: mac,
    organization: 'Polycom Inc.',
    dnsNames: [mac],
    ipAddresses: /^[\d.]+$/.test(phone.ipv4) ? [phone.ipv4] : [],
    notBefore,
    notAfter,
  });
  phone.store.putBlob(BLOB, JSON.stringify(material));
  return material;
}

/**
 * Makes `server` present the material of `source` from its first connection on, and not before: making a certificate
 * (0.7 ms) and parsing it and its key into an OpenSSL context (about 1 ms, OpenSSL 3's decoders) cost a fleet of 1,000
 * phones with HTTPS and SIP over TLS seconds before every phone answered, for listeners most of which never see a
 * connection. Create the server without cert and key (node then makes an empty context, 0.15 ms) and pass here where
 * the material comes from. The listener goes before node's own (prependListener), which wraps the connection in TLS
 * with the server's context of that moment: the first handshake already has the certificate.
 */
export function secureOnFirstConnection<S extends TlsServer>(
  server: S,
  source: TlsSource,
  options: SecureContextOptions = {},
  onError?: (err: unknown) => void,
): S {
  const onConnection = (_socket: Socket): void => {
    try {
      const material = source();
      server.setSecureContext({ ...options, cert: material.cert, key: material.key });
      server.off('connection', onConnection);
    } catch (err) {
      // Material is checked before it gets here (ownMaterial, or made by certificate.ts); should it still not load,
      // this handshake fails without a certificate (the server closes it) and the next connection tries again.
      onError?.(err);
    }
  };
  server.prependListener('connection', onConnection);
  return server;
}
