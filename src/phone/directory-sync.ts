/**
 * The contact directory and the provisioning server: in every provisioning run, once the configuration files are in
 * (at boot, polled or asked for; provisioning.ts), the phone reads `<mac>-directory.xml` from the master file's CONTACTS_DIRECTORY, else the template
 * `000000000000-directory.xml`; found and valid, it becomes the directory. Neither there: the phone keeps its own.
 * An edit on the phone goes back as `<mac>-directory.xml`, a second (of the phone's clock) after the last change, so
 * the next boot reads what the user left. Each read that fails and each upload is a transfer report
 * (`directoryDownload`, `directoryUpload`).
 */
import type { TimerHandle } from './clock.js';
import { directoryXml, parseDirectoryXml } from './contact-directory.js';
import { uploadFile, uploadUrl } from './file-upload.js';
import type { Phone } from './phone.js';
import { credentials } from './prov-server.js';

/** How long after the last edit the upload goes. */
export const DIRECTORY_SETTLE_MS = 1000;

/** Reads the phone's directory file, else the template; a failure keeps the directory the phone has (never throws). */
export async function downloadDirectory(phone: Phone): Promise<void> {
  const mac = phone.identity.mac.toLowerCase();
  // both addresses now: the configuration may change while the first is read
  const urls = [`${mac}-directory.xml`, '000000000000-directory.xml'].map((f) => uploadUrl(phone, phone.uploadDirectories.contacts, f));
  for (const url of urls) {
    if (!url) return;
    try {
      const res = await phone.transfers.get(url.href, credentials(phone));
      if (res.status === 404) continue;
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      phone.directory.replace(parseDirectoryXml(res.body.toString('utf8')), 'server');
    } catch (err) {
      phone.emit('transfer', {
        operation: 'directoryDownload',
        ok: false,
        detail: `${url.href}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    return;
  }
}

export class DirectorySync {
  private pending: TimerHandle | undefined;

  constructor(private readonly phone: Phone) {
    phone.on('directory', (source) => {
      if (source === 'phone') this.edited();
    });
    phone.on('down', () => this.cancel());
  }

  private url(file: string): URL | undefined {
    return uploadUrl(this.phone, this.phone.uploadDirectories.contacts, file);
  }

  cancel(): void {
    this.pending?.cancel();
    this.pending = undefined;
  }

  private edited(): void {
    if (!this.url('x')) return;
    this.cancel();
    this.pending = this.phone.clock.schedule(DIRECTORY_SETTLE_MS, () => {
      this.pending = undefined;
      void this.upload();
    });
  }

  private async upload(): Promise<void> {
    const url = this.url(`${this.phone.identity.mac.toLowerCase()}-directory.xml`);
    if (!url || !this.phone.isReady) return;
    await uploadFile(this.phone, 'directoryUpload', url, Buffer.from(directoryXml(this.phone.directory.all()), 'utf8'), 'application/xml');
  }
}
