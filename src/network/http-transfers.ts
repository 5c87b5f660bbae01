/**
 * Outbound file transfers over HTTP and HTTPS with node's own clients: provisioning downloads (with Basic
 * credentials when device.prov.user is set) and uploads of exports and captures. Every transfer has an overall
 * deadline (connect, send and receive together), so a server that drips a byte at a time cannot hold it open, and
 * a size bound on what it receives.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TransferResult, Transfers } from '../phone/ports.js';
import type { PostSender } from './post-queue.js';

const MAX_DOWNLOAD = 16 * 1024 * 1024;
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
  return { http: new HttpAgent(options), https: new HttpsAgent({ ...options, rejectUnauthorized: false }) };
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
  limits: { readonly maxBytes?: number; readonly agents?: Agents } = {},
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
    const agent = secure ? limits.agents?.https : limits.agents?.http;
    const req = (secure ? httpsRequest : httpRequest)(
      u,
      { method, headers, signal: AbortSignal.timeout(deadlineMs), ...(agent ? { agent } : {}) },
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

async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  deadlineMs: number,
): Promise<TransferResult> {
  const answer = await boundedRequest(url, method, headers, body, deadlineMs);
  return { status: answer.status, body: answer.body };
}

export class HttpTransfers implements Transfers {
  constructor(
    private readonly deadlineMs = TRANSFER_DEADLINE_MS,
    private readonly userAgent = 'polysim',
  ) {}

  get(url: string, auth?: { user: string; password: string }): Promise<TransferResult> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (auth) headers['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    return send(url, 'GET', headers, undefined, this.deadlineMs);
  }

  upload(url: string, body: Buffer, contentType: string, method: 'PUT' | 'POST' = 'PUT'): Promise<TransferResult> {
    const headers = { 'user-agent': this.userAgent, 'content-type': contentType, 'content-length': String(body.length) };
    return send(url, method, headers, body, this.deadlineMs);
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
export function documentSender(userAgent: string, agents: Agents = sharedPostAgents()): PostSender {
  return async (item, deadlineMs) => {
    const body = Buffer.from(item.body, 'utf8');
    const headers = { 'content-type': item.contentType, 'content-length': String(body.length), 'user-agent': userAgent };
    const answer = await boundedRequest(item.url, 'POST', headers, body, deadlineMs, { maxBytes: POST_ANSWER_MAX, agents });
    return answer.status;
  };
}
