/**
 * The override files a phone uploads to its provisioning server when settings change on the phone itself: the
 * LOCAL level (its menus and the REST API's config/set) as `<mac>-phone.cfg`, the WEB level (its web interface) as
 * `<mac>-web.cfg`, into prov.configUploadPath (relative to the server, or a URL of its own), else the master
 * configuration file's OVERRIDES_DIRECTORY, else the server's directory (file-upload.ts), while prov.autoConfigUpload.enabled is on (the default). Changes in quick succession go as one upload, a second on
 * the phone's clock after the last. Secrets (passwords, PINs) are never written, as in an export. Each upload is a
 * 'transfer' report of the phone: operation `configUpload`, its URL and outcome.
 */
import type { TimerHandle } from './clock.js';
import { renderCfg } from './config/cfg-xml.js';
import { uploadFile, uploadUrl } from './file-upload.js';
import type { Phone } from './phone.js';

const FILES = { LOCAL: 'phone', WEB: 'web' } as const;
type UploadedLayer = keyof typeof FILES;

/** How long after the last change the upload goes. */
export const UPLOAD_SETTLE_MS = 1000;

export class OverrideUploads {
  private readonly pending = new Map<UploadedLayer, TimerHandle>();

  constructor(private readonly phone: Phone) {
    phone.on('config', (change) => {
      const layer = change.layer;
      if (layer === 'LOCAL' || layer === 'WEB') this.changed(layer);
    });
    phone.on('down', () => this.cancel());
  }

  /** Where a layer's file goes; undefined when the phone has no server or does not upload. */
  urlOf(layer: UploadedLayer): URL | undefined {
    const c = this.phone.config;
    if (!c.bool('prov.autoConfigUpload.enabled')) return undefined;
    const path = c.value('prov.configUploadPath').trim() || this.phone.uploadDirectories.overrides;
    return uploadUrl(this.phone, path, `${this.phone.identity.mac.toLowerCase()}-${FILES[layer]}.cfg`);
  }

  /** Stops what waits (the phone goes down). */
  cancel(): void {
    for (const t of this.pending.values()) t.cancel();
    this.pending.clear();
  }

  private changed(layer: UploadedLayer): void {
    if (!this.phone.isReady || !this.urlOf(layer)) return;
    this.pending.get(layer)?.cancel();
    this.pending.set(
      layer,
      this.phone.clock.schedule(UPLOAD_SETTLE_MS, () => {
        this.pending.delete(layer);
        void this.upload(layer);
      }),
    );
  }

  private async upload(layer: UploadedLayer): Promise<void> {
    const url = this.urlOf(layer);
    if (!url || !this.phone.isReady) return;
    const c = this.phone.config;
    const entries = c.layerEntries(layer).filter(([name]) => !c.params.get(name)?.spec.secret);
    const when = new Date(this.phone.clock.now()).toISOString();
    const body = Buffer.from(renderCfg(entries, `${FILES[layer]} overrides of ${this.phone.identity.mac} ${when}`), 'utf8');
    await uploadFile(this.phone, 'configUpload', url, body, 'application/xml');
  }
}
