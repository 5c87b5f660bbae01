/**
 * The phone's file transfers, by the URL's scheme (device.prov.serverType or the scheme of device.prov.serverName):
 * HTTP and HTTPS (http-transfers.ts), FTP and FTPS (ftp-transfers.ts), TFTP (tftp-client.ts). Every transfer has
 * the same overall deadline and the same bound on what it receives; HTTPS and FTPS servers are verified as
 * transfer-trust.ts says. Results read as HTTP's: 200 for a file received or stored, 404 for one the server does
 * not have; anything else is an error with its reason.
 */
import type { TransferResult, Transfers } from '../phone/ports.js';
import { FtpTransfers } from './ftp-transfers.js';
import type { Credentials } from './http-auth.js';
import { HttpTransfers, MAX_DOWNLOAD, TRANSFER_DEADLINE_MS } from './http-transfers.js';
import { tftpGet, tftpPut, TftpError } from './tftp-client.js';
import { bareHost, DEFAULT_TRUST } from './transfer-trust.js';
import type { TransferTrust } from './transfer-trust.js';
import type { TransferRate } from './transfer-rate.js';

/** The well-known port of TFTP. */
const TFTP_PORT = 69;

export interface TransferOptions {
  /** The overall deadline of one transfer (--transfer-timeout-ms). */
  readonly deadlineMs?: number;
  /** The User-Agent of HTTP transfers. */
  readonly userAgent?: string;
  /** The phone's trust, read at each transfer (its configuration may have changed). */
  readonly trust?: () => TransferTrust;
  /** The most one transfer receives. */
  readonly maxBytes?: number;
  /** How long TFTP waits for an answer before sending its last packet again. */
  readonly tftpRetransmitMs?: number;
  /** A cap on transfers a second shared with other phones (a fleet's --transfer-rate). */
  readonly rate?: TransferRate;
}

/** A TFTP file name: the URL's path without its first slash, decoded (tftpd's --secure roots it at its directory). */
function tftpFile(url: URL): string {
  return url.pathname.replace(/^\//, '').split('/').map(decodeURIComponent).join('/');
}

/** TFTP as a Transfers: no credentials (the protocol has none), uploads by WRQ. */
export class TftpTransfers implements Transfers {
  constructor(
    private readonly deadlineMs = TRANSFER_DEADLINE_MS,
    private readonly maxBytes = MAX_DOWNLOAD,
    private readonly retransmitMs = 1000,
  ) {}

  private where(raw: string): { host: string; port: number; file: string } {
    const url = new URL(raw);
    if (url.protocol !== 'tftp:') throw new Error(`not a TFTP URL: ${raw}`);
    return { host: bareHost(url.hostname), port: url.port ? Number(url.port) : TFTP_PORT, file: tftpFile(url) };
  }

  async get(url: string): Promise<TransferResult> {
    const { host, port, file } = this.where(url);
    try {
      const body = await tftpGet(host, port, file, this.options());
      return { status: 200, body };
    } catch (err) {
      if (err instanceof TftpError && err.code === 1) return { status: 404, body: Buffer.alloc(0) };
      throw err;
    }
  }

  async upload(url: string, body: Buffer): Promise<TransferResult> {
    const { host, port, file } = this.where(url);
    await tftpPut(host, port, file, body, this.options());
    return { status: 200, body: Buffer.alloc(0) };
  }

  private options(): { deadlineMs: number; retransmitMs: number; maxBytes: number } {
    return { deadlineMs: this.deadlineMs, retransmitMs: this.retransmitMs, maxBytes: this.maxBytes };
  }
}

/** The schemes a phone transfers files with. */
export const TRANSFER_SCHEMES = ['http:', 'https:', 'ftp:', 'ftps:', 'tftp:'] as const;

export class PhoneTransfers implements Transfers {
  private readonly http: HttpTransfers;
  private readonly ftp: FtpTransfers;
  private readonly tftp: TftpTransfers;
  private readonly rate: TransferRate | undefined;

  constructor(o: TransferOptions = {}) {
    this.rate = o.rate;
    const deadline = o.deadlineMs ?? TRANSFER_DEADLINE_MS;
    const trust = o.trust ?? (() => DEFAULT_TRUST);
    const max = o.maxBytes ?? MAX_DOWNLOAD;
    this.http = new HttpTransfers(deadline, o.userAgent, trust, max);
    this.ftp = new FtpTransfers(deadline, trust, max);
    this.tftp = new TftpTransfers(deadline, max, o.tftpRetransmitMs);
  }

  private by(url: string): Transfers {
    let scheme: string;
    try {
      scheme = new URL(url).protocol;
    } catch {
      throw new Error(`not a URL: ${url}`);
    }
    switch (scheme) {
      case 'http:':
      case 'https:':
        return this.http;
      case 'ftp:':
      case 'ftps:':
        return this.ftp;
      case 'tftp:':
        return this.tftp;
      default:
        throw new Error(`no file transfers over ${scheme}`);
    }
  }

  async get(url: string, auth?: Credentials): Promise<TransferResult> {
    const by = this.by(url);
    await this.rate?.take();
    return by.get(url, auth);
  }

  async upload(url: string, body: Buffer, contentType: string, method?: 'PUT' | 'POST'): Promise<TransferResult> {
    const by = this.by(url);
    await this.rate?.take();
    return by.upload(url, body, contentType, method);
  }
}
