/**
 * The phone's HTTPS identity: a self-signed certificate with CN = the MAC (as clients pin on real phones), made when
 * it is first needed (certificate.ts) and kept in the phone's store; or the user's own certificate and key. And the
 * TLS servers that present it (HTTPS, SIP over TLS): made, with the certificate, on their first connection.
 */
import type { Phone } from '../phone/phone.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { TlsError } from '../errors.js';
import { readSmallFile } from '../small-file.js';
import { selfSignedCertificate } from './certificate.js';
import type { CertificateRequest } from './certificate.js';

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

/** What a phone's own certificate says: CN and DNS name its MAC, its IPv4 address, valid from yesterday for 20 years. */
export function certificateRequest(phone: Phone): CertificateRequest {
  const mac = phone.identity.mac.toLowerCase();
  const notBefore = new Date(phone.clock.now() - 86_400_000);
  return {
    commonName: mac,
    organization: 'Polycom Inc.',
    dnsNames: [mac],
    ipAddresses: /^[\d.]+$/.test(phone.ipv4) ? [phone.ipv4] : [],
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * 365 * 86_400_000),
  };
}

/**
 * The phone's certificate: the user's own pair, or the phone's kept one, or `ahead` (made on a worker while the
 * fleet started: certificate-pool.ts), or one made now; a new one is kept in the phone's store.
 */
export function phoneCertificate(phone: Phone, own?: { certFile: string; keyFile: string }, ahead?: TlsMaterial): TlsMaterial {
  if (own) return ownMaterial(own.certFile, own.keyFile);
  const stored = phone.store.getBlob(BLOB);
  if (stored) return JSON.parse(stored) as TlsMaterial;
  const material: TlsMaterial = ahead ?? selfSignedCertificate(certificateRequest(phone));
  phone.store.putBlob(BLOB, JSON.stringify(material));
  return material;
}

/** Whether the phone keeps a certificate of its own (from an earlier start, or made on a connection). */
export function hasCertificate(phone: Phone): boolean {
  return phone.store.getBlob(BLOB) !== undefined;
}

/** Makes certificates elsewhere (certificate-pool.ts: a worker thread); undefined when it could not. */
export interface CertificateMaker {
  make(request: CertificateRequest): Promise<TlsMaterial | undefined>;
}

/**
 * A TLS server made on its first connection, with the certificate in its one context. A phone's HTTPS and SIP over
 * TLS listen at once on a plain socket (or a fleet's shared port) that hands every connection to `feed`: nothing
 * of TLS is made for a listener until a client connects. Making the certificate (0.3 ms), and a TLS server with it
 * (an OpenSSL context: about 1 ms, most of it OpenSSL 3's decoders), cost a fleet of 1,000 phones with HTTPS and SIP
 * over TLS seconds before every phone answered; a TLS server made at start without a certificate still cost an
 * empty context each (0.2 ms), and a second one when the certificate came.
 */
export class TlsOnFirstConnection<S extends TlsServer> {
  private server: S | undefined;

  constructor(
    /** Makes the server with this material (its cert and key in the options); throws when it cannot. */
    private readonly make: (material: TlsMaterial) => S,
    private readonly source: TlsSource,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /**
   * Hands a connection to the server (its 'connection' event, as its own listening socket would), making it first
   * if this is the first. Should the material not load (it is checked before it gets here: ownMaterial, or made by
   * certificate.ts), the connection is closed and the next one tries again.
   */
  readonly feed = (socket: Socket): void => {
    let server = this.server;
    if (!server) {
      try {
        server = this.make(this.source());
      } catch (err) {
        socket.destroy();
        this.onError?.(err);
        return;
      }
      this.server = server;
    }
    server.emit('connection', socket);
  };

  /** Forgets the server (its listener closed: the phone went away) and gives it, to be closed; the next connection makes another. */
  take(): S | undefined {
    const s = this.server;
    this.server = undefined;
    return s;
  }
}

/** A plain listening socket that hands its connections to `feed` (TLS servers made when first needed; HTTPS wants no half-open). */
export function plainListener(feed: (socket: Socket) => void): NetServer {
  return createNetServer({ allowHalfOpen: false, noDelay: true }, feed);
}
