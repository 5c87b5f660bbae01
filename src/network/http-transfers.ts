/**
 * Outbound file transfers over HTTP and HTTPS with node's own clients: provisioning downloads (with Basic
 * credentials when device.prov.user is set) and uploads of exports and captures. Every transfer has a deadline.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TransferResult, Transfers } from '../phone/ports.js';

const MAX_DOWNLOAD = 16 * 1024 * 1024;

function send(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<TransferResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported scheme ${u.protocol}`));
      return;
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method, headers, timeout: timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_DOWNLOAD) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class HttpTransfers implements Transfers {
  constructor(private readonly timeoutMs = 10_000, private readonly userAgent = 'polysim') {}

  get(url: string, auth?: { user: string; password: string }): Promise<TransferResult> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (auth) headers['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    return send(url, 'GET', headers, undefined, this.timeoutMs);
  }

  upload(url: string, body: Buffer, contentType: string, method: 'PUT' | 'POST' = 'PUT'): Promise<TransferResult> {
    const headers = { 'user-agent': this.userAgent, 'content-type': contentType, 'content-length': String(body.length) };
    return send(url, method, headers, body, this.timeoutMs);
  }
}
