/** One HTTP(S) exchange with a phone, with the TLS trust the caller chose. */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { TransportError } from './errors.js';

export interface TlsTrust {
  /** PEM of a CA (or the phone's own certificate) to trust. */
  readonly ca?: string;
  /** The phone certificate's SHA-256 fingerprint (AA:BB:...), pinned. */
  readonly pinSha256?: string;
  /** Accept a self-signed certificate whose CN is this MAC (as real phones present: CN = MAC). */
  readonly selfSignedMac?: string;
  /** Accept any certificate (as curl -k): for looking at a phone, never for sending secrets you care about. */
  readonly insecure?: boolean;
}

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Each WWW-Authenticate header on its own (node joins repeated headers into one string). */
  readonly challenges: readonly string[];
  readonly body: Buffer;
}

const norm = (s: string): string => s.replace(/[^0-9a-f]/gi, '').toLowerCase();

export class HttpClient {
  private readonly agent: HttpAgent | HttpsAgent;

  /** The base URL's path, put before every request's path (a phone behind a proxy, under a path). */
  private readonly prefix: string;

  constructor(
    private readonly base: URL,
    private readonly tls: TlsTrust = {},
    private readonly timeoutMs = 30_000,
    /** Headers sent with every request, under each request's own (its Authorization wins). */
    private readonly extraHeaders: Readonly<Record<string, string>> = {},
  ) {
    this.prefix = base.pathname.replace(/\/+$/, '');
    const custom = tls.pinSha256 !== undefined || tls.selfSignedMac !== undefined || tls.insecure === true;
    this.agent =
      base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: tls.ca, rejectUnauthorized: !custom })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  private checkPeer(socket: TLSSocket): string | undefined {
    const cert = socket.getPeerCertificate();
    if (this.tls.pinSha256 !== undefined && norm(cert.fingerprint256 ?? '') !== norm(this.tls.pinSha256))
      return 'certificate does not match the pinned fingerprint';
    if (this.tls.selfSignedMac !== undefined && norm(String(cert.subject?.CN ?? '')) !== norm(this.tls.selfSignedMac))
      return `certificate CN is not the MAC ${this.tls.selfSignedMac}`;
    return undefined;
  }

  send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Exchange> {
    const url = new URL(this.prefix + path, this.base);
    const fn = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = fn(
        url,
        {
          method,
          headers: { ...this.extraHeaders, ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const challenges = res.rawHeaders.filter((_, i) => i % 2 === 1 && /^www-authenticate$/i.test(res.rawHeaders[i - 1] ?? ''));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, challenges, body: Buffer.concat(chunks) }));
          res.on('error', (e) => reject(new TransportError(e.message)));
        },
      );
      req.on('socket', (socket) => {
        if (url.protocol !== 'https:' || (this.tls.pinSha256 === undefined && this.tls.selfSignedMac === undefined)) return;
        const tlsSocket = socket as TLSSocket;
        const check = (): void => {
          const problem = this.checkPeer(tlsSocket);
          if (problem) req.destroy(new TransportError(problem));
        };
        if (tlsSocket.authorized !== undefined && tlsSocket.getPeerCertificate?.()?.fingerprint256) check();
        else tlsSocket.once('secureConnect', check);
      });
      req.on('timeout', () => req.destroy(new TransportError(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof TransportError ? e : new TransportError(e.message)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
