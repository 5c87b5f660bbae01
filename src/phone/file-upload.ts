/**
 * How a phone puts a file on its provisioning server: into a directory the master configuration file names
 * (relative to the server, or a URL of its own) or the server's own, by PUT (POST where the server refuses PUT, as
 * some HTTP servers do), over whatever protocol the server speaks (Transfers). Every upload is a 'transfer' report
 * of the phone: its operation, URL and outcome.
 */
import type { Phone } from './phone.js';
import { provisioningBase } from './prov-server.js';

/** The URL of `file` in `directory` on the phone's provisioning server; undefined without a server or for a bad path. */
export function uploadUrl(phone: Phone, directory: string, file: string): URL | undefined {
  const base = provisioningBase(phone);
  if (!base) return undefined;
  try {
    const dir = directory ? new URL(directory.endsWith('/') ? directory : `${directory}/`, base) : base;
    return new URL(file, dir);
  } catch {
    return undefined;
  }
}

/** Uploads `body` to `url`; reports it as a transfer named `operation`; true when the server took it. */
export async function uploadFile(phone: Phone, operation: string, url: URL, body: Buffer, contentType: string): Promise<boolean> {
  let detail = url.href;
  let ok = false;
  try {
    let res = await phone.transfers.upload(url.href, body, contentType, 'PUT');
    if (res.status === 405 || res.status === 501) res = await phone.transfers.upload(url.href, body, contentType, 'POST');
    ok = res.status >= 200 && res.status < 300;
    if (!ok) detail = `${url.href}: HTTP ${res.status}`;
  } catch (err) {
    detail = `${url.href}: ${err instanceof Error ? err.message : String(err)}`;
  }
  phone.emit('transfer', { operation, ok, detail });
  return ok;
}
