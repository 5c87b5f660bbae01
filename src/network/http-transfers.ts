/**
 * Outbound file transfers over HTTP and HTTPS with node's own clients: provisioning downloads (with Basic or Digest
 * credentials when device.prov.user is set) and uploads of exports and captures (transfers.ts picks FTP and TFTP). Every transfer has an overall
 * deadline (connect, send and receive together), so a server that drips a byte at a time cannot hold it open, and
 * a size bound on what it receives.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { TLS_GROUPS } from '../tls-groups.js';
import type { TransferResult, Transfers } from '../phone/ports.js';
import { ChallengeMemory } from './http-auth.js';
import type { Credentials, HttpSigner } from './http-auth.js';
import type { PostSender } from './post-queue.js';
import { certificateFailure, DEFAULT_TRUST, tlsOptions } from './transfer-trust.js';
import type { TransferTrust } from './transfer-trust.js';

/** The most a transfer receives (a provisioning file, an application image). */
export const MAX_DOWNLOAD = 16 * 1024 * 1024;
/** The default overall deadline of one transfer (--transfer-timeout-ms). */
export const TRANSFER_DEADLINE_MS = 30_000;

/** Connection pools for HTTP and HTTPS (node's Agents): keep-alive, with a bound on the sockets they open. */
export interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

/**
 * Pools that keep connections alive and open at most `maxSockets` to one receiver (`maxTotal` in all): what phones
 * that post many small documents to the same place share. The HTTPS pool does not check the receiver's certificate,
 * as a phone configured without a CA list for it does not (receivers under test mostly have self-signed ones).
 */
export function keepAliveAgents(maxSockets: number, maxTotal = maxSockets * 4): Agents {
  const options = { keepAlive: true, maxSockets, maxTotalSockets: maxTotal, maxFreeSockets: maxSockets, timeout: 30_000 };
  return { http: new HttpAgent(options), https: new HttpsAgent({ ...options, rejectUnauthorized: false, ecdhCurve: TLS_GROUPS }) };
}

/** An HTTP or HTTPS exchange's answer, read whole; repeated headers stay separate (headersDistinct). */
export interface BoundedAnswer {
  readonly status: number;
  readonly headers: NodeJS.Dict<string[]>;
  readonly body: Buffer;
}

/**
 * One request with an overall deadline (connect, send and receive together) and a bound on the answer's size: what
 * file transfers and the control port's forwarding both send.
 */
export function boundedRequest(
  url: string | URL,
  method: string,
  headers: Readonly<Record<string, string | string[]>>,
  body: Buffer | undefined,
  deadlineMs: number,
  limits: { readonly maxBytes?: number; readonly agents?: Agents; readonly tls?: ConnectionOptions; readonly agent?: false } = {},
): Promise<BoundedAnswer> {
  const maxBytes = limits.maxBytes ?? MAX_DOWNLOAD;
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`not a URL: ${String(url)}`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported scheme ${u.protocol}`));
      return;
    }
    const secure = u.protocol === 'https:';
    const agent = limits.agent ?? (secure ? limits.agents?.https : limits.agents?.http);
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      {
        method,
        headers,
        signal: AbortSignal.timeout(deadlineMs),
        ...(agent !== undefined ? { agent } : {}),
        ...(secure ? limits.tls : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) req.destroy(new Error(`response too large (over ${maxBytes} bytes)`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headersDistinct, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: Error) =>
      reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? new Error(`not done within ${deadlineMs} ms`) : err),
    );
    req.end(body);
  });
}

/** Credentials written in a URL (user:password@host), and the URL without them. */
export function splitUserinfo(u: URL): { url: URL; credentials: Credentials | undefined } {
  if (!u.username && !u.password) return { url: u, credentials: undefined };
  const bare = new URL(u.href);
  bare.username = '';
  bare.password = '';
  return { url: bare, credentials: { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } };
}

/**
 * The phone's transfers over HTTP and HTTPS. Credentials (device.prov.user and password for provisioning, those
 * written in an upload's URL) are sent when the server asks, Basic or Digest (http-auth.ts); HTTPS servers are
 * verified as transfer-trust.ts says, each transfer on a connection of its own (a pooled one could have been
 * verified under other settings).
 */
export class HttpTransfers implements Transfers {
  private readonly challenges = new ChallengeMemory();

  constructor(
    private readonly deadlineMs = TRANSFER_DEADLINE_MS,
    private readonly userAgent = 'polysim',
    private readonly trust: () => TransferTrust = () => DEFAULT_TRUST,
    private readonly maxBytes = MAX_DOWNLOAD,
  ) {}

  get(url: string, auth?: Credentials): Promise<TransferResult> {
    return this.exchange(url, 'GET', { 'user-agent': this.userAgent }, undefined, auth);
  }

  upload(url: string, body: Buffer, contentType: string, method: 'PUT' | 'POST' = 'PUT'): Promise<TransferResult> {
    const headers = { 'user-agent': this.userAgent, 'content-type': contentType, 'content-length': String(body.length) };
    return this.exchange(url, method, headers, body, undefined);
  }

  private async exchange(
    raw: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    auth: Credentials | undefined,
  ): Promise<TransferResult> {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`not a URL: ${raw}`);
    }
    const { url, credentials: inUrl } = splitUserinfo(parsed);
    const credentials = auth ?? inUrl;
    const deadline = Date.now() + this.deadlineMs;
    const uri = `${url.pathname}${url.search}`;
    const limits = {
      maxBytes: this.maxBytes,
      ...(url.protocol === 'https:' ? { tls: tlsOptions(this.trust(), url.hostname), agent: false as const } : {}),
    };
    const send = async (signer: HttpSigner | undefined): Promise<BoundedAnswer> => {
      const h = signer ? { ...headers, authorization: signer.authorization(method, uri) } : headers;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`not done within ${this.deadlineMs} ms`);
      try {
        return await boundedRequest(url, method, h, body, left, limits);
      } catch (err) {
        const why = certificateFailure(err, url.hostname);
        if (why) throw new Error(why);
        if (err instanceof Error && /^not done within/.test(err.message)) throw new Error(`not done within ${this.deadlineMs} ms`);
        throw err;
      }
    };
    const known = credentials ? this.challenges.get(url.origin, credentials) : undefined;
    let answer = await send(known);
    if (answer.status === 401 && credentials) {
      const signer = this.challenges.answer(url.origin, answer.headers['www-authenticate'] ?? [], credentials);
      if (signer) answer = await send(signer);
    }
    return { status: answer.status, body: answer.body };
  }
}

/** The answer a receiver of posted documents may give, at most (it is read and thrown away). */
const POST_ANSWER_MAX = 64 * 1024;

let postAgents: Agents | undefined;
/** The process's pools for posted documents: 64 connections to one receiver, 256 in all, kept alive. */
function sharedPostAgents(): Agents {
  postAgents ??= keepAliveAgents(64, 256);
  return postAgents;
}

/**
 * Sends a phone's posted documents (telephony events, polled state) as HTTP(S) POSTs with the phone's user agent,
 * through pools every phone of the process shares, so that a fleet posting to one receiver holds a bounded number
 * of connections to it.
 */
export function documentSender(userAgent: string | (() => string), agents: Agents = sharedPostAgents()): PostSender {
  return async (item, deadlineMs) => {
    const body = Buffer.from(item.body, 'utf8');
    // read at each post: the phone's release (and so its user agent) changes with a software update
    const ua = typeof userAgent === 'string' ? userAgent : userAgent();
    const headers = { 'content-type': item.contentType, 'content-length': String(body.length), 'user-agent': ua };
    const answer = await boundedRequest(item.url, 'POST', headers, body, deadlineMs, { maxBytes: POST_ANSWER_MAX, agents });
    return answer.status;
  };
}
