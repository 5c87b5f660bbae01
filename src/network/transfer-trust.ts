/**
 * How the phone checks the server of a file transfer over TLS (HTTPS, FTPS): provisioning, config export, uploads.
 * The chain must lead to a CA the phone trusts: the well-known CAs it is built with (a real phone ships Poly's
 * list; polysim has Node's, the Mozilla list) and the custom CAs its configuration gives (device.sec.TLS.customCaCert1
 * and 2, sec.TLS.customCaCert.1). With device.sec.TLS.prov.strictCertCommonNameValidation not 0 the certificate must
 * also name the host connected to (its subjectAltName, or its common name when it has none). A server whose
 * certificate fails either check fails the transfer with the reason (docs/fidelity.md).
 */
import { checkServerIdentity, rootCertificates } from 'node:tls';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { MAX_CAS, pemCertificates } from '../pem.js';
import { TLS_GROUPS } from '../tls-groups.js';

/** Where the custom CAs come from (all that are set are trusted). */
export const TRANSFER_CA_PARAMETERS = ['device.sec.TLS.customCaCert1', 'device.sec.TLS.customCaCert2', 'sec.TLS.customCaCert.1'] as const;
export const TRANSFER_STRICT_NAME_PARAMETER = 'device.sec.TLS.prov.strictCertCommonNameValidation';

export type TransferTrustParameter = (typeof TRANSFER_CA_PARAMETERS)[number] | typeof TRANSFER_STRICT_NAME_PARAMETER;

export interface TransferTrust {
  /** The custom CA certificates (PEM) trusted besides the built-in ones. */
  readonly customCas: readonly string[];
  /** The certificate must name the host connected to. */
  readonly strictName: boolean;
}

/** What a phone trusts before its configuration says anything: the built-in CAs, with the name checked. */
export const DEFAULT_TRUST: TransferTrust = { customCas: [], strictName: true };

/** The trust settings from the phone's configuration (`read` answers a parameter's value). */
export function transferTrust(read: (name: TransferTrustParameter) => string): TransferTrust {
  return {
    customCas: TRANSFER_CA_PARAMETERS.flatMap((p) => pemCertificates(read(p))).slice(0, MAX_CAS),
    strictName: read(TRANSFER_STRICT_NAME_PARAMETER).trim() !== '0',
  };
}

/** The host of a URL as a TLS name: IPv6 addresses without their brackets. */
export const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** The TLS options of a connection to `host` under `trust`. */
export function tlsOptions(trust: TransferTrust, host: string): ConnectionOptions {
  const name = bareHost(host);
  const sni = /^[\d.]+$|:/.test(name) ? undefined : name;
  return {
    rejectUnauthorized: true,
    ecdhCurve: TLS_GROUPS,
    ca: [...rootCertificates, ...trust.customCas],
    ...(sni ? { servername: sni } : {}),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => (trust.strictName ? checkServerIdentity(name, cert) : undefined),
  };
}

/** Why a TLS connection failed, when the server's certificate is why; undefined for other failures. */
export function certificateFailure(err: unknown, host: string): string | undefined {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: the server's certificate is not for ${bareHost(host)} (${code})`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|CHAIN/.test(code)) return `TLS: the server's certificate is not trusted (${code})`;
  return undefined;
}
