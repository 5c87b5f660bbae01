/**
 * A phone's self-signed certificate (EC P-256, ECDSA with SHA-256, CN = its MAC), made with node:crypto.
 *
 * Hand-written DER rather than the selfsigned or @peculiar/x509 packages: those take 12 to 16 ms of CPU per
 * certificate here (their ASN.1 layers are general and reflective), so a fleet of 1,000 phones waited 13 s for
 * HTTPS; node makes the key and the signature natively, and the few structures a server certificate needs
 * (RFC 5280: TBSCertificate, Name, Validity, four extensions) are written below in well under a millisecond.
 * The result is checked by node's own X509Certificate parser and by TLS handshakes with curl and Python in the tests.
 *
 * The key's public half (SubjectPublicKeyInfo) and the PKCS #8 private key are written here too, from the key's point
 * and scalar: node's DER and PEM exporters go through OpenSSL 3's encoders, which took 0.3 and 0.2 ms a key, more
 * than the key and the signature together.
 */
import { createECDH, createPrivateKey, createSign, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** One DER element: tag, definite length, content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const extension = (id: string, value: Buffer, critical = false): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

// What every phone's certificate holds alike, encoded once (a fleet makes a thousand certificates).
const EC_P256 = seq(oid(OID.ecPublicKey), oid(OID.prime256v1));
const ECDSA_SHA256 = seq(oid(OID.ecdsaWithSha256));
const VERSION_3 = explicit(0, tlv(0x02, Buffer.from([2])));
const COMMON_NAME = oid(OID.commonName);
const ORGANIZATION = oid(OID.organization);
const FIXED_EXTENSIONS = [
  extension(OID.basicConstraints, seq()),
  // digitalSignature (bit 0) and keyEncipherment (bit 2): 0b101 in the top bits, 5 unused bits.
  extension(OID.keyUsage, bits(Buffer.from([0xa0]), 5), true),
  extension(OID.extKeyUsage, seq(oid(OID.serverAuth))),
];

/** A P-256 coordinate or scalar in base64url, as 32 bytes (left-padded: big numbers lose their leading zeros). */
function coordinate(b64url: string | undefined): Buffer {
  const b = Buffer.from(b64url ?? '', 'base64url');
  if (b.length > 32 || b.length === 0) throw new Error(`not a P-256 key coordinate (${b.length} bytes)`);
  return b.length === 32 ? b : Buffer.concat([Buffer.alloc(32 - b.length), b]);
}

const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

/**
 * A new P-256 key: its SubjectPublicKeyInfo (RFC 5480) and its PKCS #8 private key (RFC 5208, RFC 5915) in PEM.
 * Made with an ECDH object and signed with a Sign object, not generateKeyPairSync and sign(): those leave crypto job
 * objects whose collection takes a lock that node 20, exiting while a worker thread collects them
 * (certificate-pool.ts), also holds: the process then never ends (test/certificates-ahead.test.ts exits mid-work).
 */
function p256Key(): { privateKey: KeyObject; spki: Buffer; pkcs8: string } {
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys(); // uncompressed: 0x04, x, y
  const d = coordinate(ecdh.getPrivateKey().toString('base64url'));
  const privateKey = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
  });
  const spki = seq(EC_P256, bits(point));
  const ecPrivateKey = seq(tlv(0x02, Buffer.from([1])), octets(d), tlv(0xa1, bits(point)));
  const pkcs8 = seq(tlv(0x02, Buffer.from([0])), EC_P256, octets(ecPrivateKey));
  return { privateKey, spki, pkcs8: pem('PRIVATE KEY', pkcs8) };
}

function ipBytes(ip: string): Buffer | undefined {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? Buffer.from(parts) : undefined;
}

export interface CertificateRequest {
  readonly commonName: string;
  readonly organization: string;
  /** DNS names and IPv4 addresses the certificate names besides its CN. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function selfSignedCertificate(r: CertificateRequest): { cert: string; key: string } {
  const { privateKey, spki, pkcs8 } = p256Key();
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01; // positive, no leading zero byte
  const name = seq(set(seq(COMMON_NAME, utf8(r.commonName))), set(seq(ORGANIZATION, utf8(r.organization))));
  const altNames = [
    ...r.dnsNames.map((n) => tlv(0x82, Buffer.from(n, 'ascii'))),
    ...r.ipAddresses
      .map(ipBytes)
      .filter((b): b is Buffer => b !== undefined)
      .map((b) => tlv(0x87, b)),
  ];
  const extensions = explicit(3, seq(...FIXED_EXTENSIONS, extension(OID.subjectAltName, seq(...altNames))));
  const tbs = seq(VERSION_3, tlv(0x02, serial), ECDSA_SHA256, name, seq(time(r.notBefore), time(r.notAfter)), name, spki, extensions);
  const signature = createSign('sha256').update(tbs).sign(privateKey);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  return { cert: pem('CERTIFICATE', der), key: pkcs8 };
}
