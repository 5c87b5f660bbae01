/**
 * The phone's transfers over FTP and FTPS with basic-ftp (passive mode, binary): provisioning downloads (RETR) and
 * uploads (STOR). The user and password are those given (device.prov.user and password), else those written in
 * the URL, else anonymous. A URL's path is taken from the login directory (RFC 1738: `ftp://host/dir/f.cfg` is
 * dir/f.cfg there). `ftps:` is explicit TLS (AUTH TLS) on the port given, implicit TLS on port 990, with the
 * server verified as transfer-trust.ts says and the data connections protected too (PROT P).
 * Data connections go to the control connection's host only, whatever PASV says (basic-ftp's default: no FTP bounce).
 *
 * Each transfer has one connection of its own, an overall deadline (connect, login and transfer together) and a
 * size bound on what it receives. A file the server does not have (550) answers 404, as HTTP would; any other
 * failure (refused login, a reply that is not FTP) is an error with the server's words.
 */
import { Writable, Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import type { AccessOptions } from 'basic-ftp';
import type { TransferResult, Transfers } from '../phone/ports.js';
import type { Credentials } from './http-auth.js';
import { MAX_DOWNLOAD, TRANSFER_DEADLINE_MS } from './http-transfers.js';
import { bareHost, certificateFailure, DEFAULT_TRUST, tlsOptions } from './transfer-trust.js';
import type { TransferTrust } from './transfer-trust.js';

/** The implicit-TLS port of FTPS (RFC 4217 leaves implicit TLS to history; servers on 990 still use it). */
const IMPLICIT_FTPS_PORT = 990;

/** A file's path on the server: the URL's path from the login directory, its segments decoded. */
export function ftpPath(url: URL): string {
  const segments = url.pathname.replace(/^\//, '').split('/').map(decodeURIComponent);
  const path = segments.join('/');
  if (path === '' || /[\r\n\0]/.test(path)) throw new Error(`no file to transfer in ${url.href}`);
  return path;
}

/** The login of a URL: the credentials given, else the URL's own, else anonymous (basic-ftp's default). */
function login(url: URL, auth: Credentials | undefined): { user?: string; password?: string } {
  if (auth) return { user: auth.user, password: auth.password };
  if (url.username) return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  return {};
}

/** Collects what a download receives, failing once it exceeds `max` bytes. */
class BoundedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      done(new Error(`file too large (over ${this.max} bytes)`));
      return;
    }
    this.chunks.push(chunk);
    done();
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export class FtpTransfers implements Transfers {
  constructor(
    private readonly deadlineMs = TRANSFER_DEADLINE_MS,
    private readonly trust: () => TransferTrust = () => DEFAULT_TRUST,
    private readonly maxBytes = MAX_DOWNLOAD,
  ) {}

  get(url: string, auth?: Credentials): Promise<TransferResult> {
    return this.session(url, auth, async (client, path) => {
      const sink = new BoundedSink(this.maxBytes);
      try {
        await client.downloadTo(sink, path);
      } catch (err) {
        if (err instanceof FTPError && err.code === 550) return { status: 404, body: Buffer.alloc(0) };
        throw err;
      }
      return { status: 200, body: sink.body };
    });
  }

  upload(url: string, body: Buffer): Promise<TransferResult> {
    return this.session(url, undefined, async (client, path) => {
      await client.uploadFrom(Readable.from([body]), path);
      return { status: 200, body: Buffer.alloc(0) };
    });
  }

  private async session(
    raw: string,
    auth: Credentials | undefined,
    work: (client: Client, path: string) => Promise<TransferResult>,
  ): Promise<TransferResult> {
    const url = new URL(raw);
    if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:') throw new Error(`not an FTP URL: ${raw}`);
    const path = ftpPath(url);
    const host = bareHost(url.hostname);
    const port = url.port ? Number(url.port) : 21;
    const secure = url.protocol === 'ftps:' ? (port === IMPLICIT_FTPS_PORT ? 'implicit' : true) : false;
    // basic-ftp's own timeout ends a connection idle for that long; the timer below ends the whole transfer
    const client = new Client(this.deadlineMs);
    const timeUp = new Error(`not done within ${this.deadlineMs} ms`);
    const timer = setTimeout(() => client.ftp.closeWithError(timeUp), this.deadlineMs);
    const options: AccessOptions = {
      host,
      port,
      secure,
      ...login(url, auth),
      ...(secure ? { secureOptions: tlsOptions(this.trust(), url.hostname) } : {}),
    };
    try {
      try {
        await client.access(options);
      } catch (err) {
        if (err instanceof FTPError && (err.code === 530 || err.code === 331 || err.code === 332))
          throw new Error(`FTP login refused: ${err.message}`);
        throw err;
      }
      return await work(client, path);
    } catch (err) {
      const why = certificateFailure(err, url.hostname);
      if (why) throw new Error(why);
      if (err instanceof FTPError) throw new Error(`FTP: ${err.message}`);
      throw err instanceof Error ? err : new Error(String(err));
    } finally {
      clearTimeout(timer);
      client.close();
    }
  }
}
