/**
 * The phone's log files and their uploads to the provisioning server, as log.render.file.* says:
 *
 * - the boot log, `<mac>-boot.log`: what the phone wrote from power-on (or reboot) until it was ready, uploaded once
 *   it is ready; its times are UTC;
 * - the application log, `<mac>-app.log`: what it wrote since, uploaded every log.render.file.upload.period seconds
 *   of the phone's clock and whenever it grows past log.render.file.size KB; its times are local
 *   (device.sntp.gmtOffset). With log.render.file.upload.append on (the default) the file on the server grows by
 *   each upload until log.render.file.upload.append.sizeLimit KB, where limitMode `delete` starts it afresh and
 *   `stop` uploads no more until the next boot; off, each upload replaces it with what was written since the last.
 *
 * Both go into the master configuration file's LOG_FILE_DIRECTORY (else the server's directory). A line is
 * `MMDDHHMMSS|module|level|missed events|message`, the layout clients read from real phones' servers parse
 * (docs/fidelity.md). Nothing is written with log.render.file off; the lines kept wait in memory, bounded.
 */
import type { TimerHandle } from './clock.js';
import { uploadFile, uploadUrl } from './file-upload.js';
import type { Phone } from './phone.js';
import type { ProvisioningReport } from './provisioning-report.js';
import type { TelephonyEvent } from './telephony.js';

/** The most bytes kept of either log in memory, whatever log.render.file.size says (it is in KB, up to 10 MB). */
const MAX_KEPT_BYTES = 1 << 20;

type LogName = 'app' | 'boot';

/** MMDDHHMMSS of a time, shifted by offsetMs (UTC for the boot log, local time for the application log). */
export function logTime(at: number, offsetMs: number): string {
  const iso = new Date(at + offsetMs).toISOString(); // 2026-12-02T15:04:05.000Z
  return `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** One line: the module name padded to 5, as the phones write it. */
export function logLine(time: string, module: string, level: number, message: string): string {
  return `${time}|${module.padEnd(5)}|${level}|00|${message.replace(/[\r\n]+/g, ' ')}\n`;
}

function telephonyLine(e: TelephonyEvent): [module: string, message: string] {
  switch (e.kind) {
    case 'incoming':
      return ['sip', `Incoming call ${e.call.handle} on line ${e.call.line} from ${e.call.remote.name} <${e.call.remote.number}>`];
    case 'outgoing':
      return ['sip', `Outgoing call ${e.call.handle} on line ${e.call.line} to ${e.call.remote.number}`];
    case 'callState':
      return ['app1', `Call ${e.call.handle} on line ${e.call.line}: ${e.call.state}`];
    case 'lineRegistration':
      return ['sip', `Line ${e.line} registered`];
    case 'lineUnregistration':
      return ['sip', `Line ${e.line} unregistered`];
    case 'userLogin':
    case 'userLogout':
      return ['app1', `${e.kind === 'userLogin' ? 'Login' : 'Logout'} of user ${e.user}`];
    default:
      return ['app1', e.kind];
  }
}

function provisioningLine(r: ProvisioningReport): string {
  if (!r.ok) return `Provisioning (${r.trigger}) failed: ${r.error ?? 'unknown error'}`;
  return `Provisioning (${r.trigger}): ${r.files.join(', ')}; ${r.changed.length} changed, ${r.ignored.length} ignored`;
}

export class PhoneLogs {
  private readonly kept: Record<LogName, string[]> = { app: [], boot: [] };
  private readonly bytes: Record<LogName, number> = { app: 0, boot: 0 };
  /** What the server holds of the application log (append mode), as last uploaded. */
  private onServer = '';
  private stopped = false;
  private uploading = false;
  private periodic: TimerHandle | undefined;
  private booting = false;

  constructor(private readonly phone: Phone) {
    phone.on('up', () => {
      this.booting = true;
      this.clear('boot');
      this.stopped = false;
      this.write('so', 3, `Booting ${phone.profile.model.name} ${phone.profile.firmware} (${phone.identity.mac})`);
    });
    phone.on('ready', () => {
      this.write('so', 3, 'Application ready');
      this.booting = false;
      void this.uploadBoot();
      this.schedule();
    });
    phone.on('down', (reason) => {
      this.write('so', 3, `Going down: ${reason}`);
      this.periodic?.cancel();
      this.periodic = undefined;
    });
    phone.on('telephony', (e) => {
      const [module, message] = telephonyLine(e);
      this.write(module, 3, message);
    });
    phone.on('provisioning', (r) => this.write('cfg', r.ok ? 3 : 1, provisioningLine(r)));
    phone.on('transfer', (t) => {
      // the log's own uploads are not written into it: each would make the next
      if (t.operation !== 'logUpload') this.write('copy', t.ok ? 3 : 1, `${t.operation} ${t.ok ? 'done' : 'failed'}: ${t.detail ?? ''}`);
    });
    phone.on('config', (change) => {
      if (change.names.includes('log.render.file.upload.period') && phone.isReady) this.schedule();
    });
  }

  /** What either log holds now (not yet uploaded). */
  text(name: LogName): string {
    return this.kept[name].join('');
  }

  urlOf(name: LogName): URL | undefined {
    return uploadUrl(this.phone, this.phone.uploadDirectories.logs, `${this.phone.identity.mac.toLowerCase()}-${name}.log`);
  }

  private get enabled(): boolean {
    return this.phone.config.bool('log.render.file');
  }

  private write(module: string, level: number, message: string): void {
    if (!this.enabled) return;
    const now = this.phone.clock.now();
    const name: LogName = this.booting ? 'boot' : 'app';
    const offset = name === 'boot' ? 0 : this.phone.config.int('device.sntp.gmtOffset') * 1000;
    const line = logLine(logTime(now, offset), module, level, message);
    const lines = this.kept[name];
    lines.push(line);
    this.bytes[name] += Buffer.byteLength(line);
    while (this.bytes[name] > MAX_KEPT_BYTES && lines.length > 1) this.bytes[name] -= Buffer.byteLength(lines.shift() as string);
    if (name === 'app' && this.bytes.app > this.phone.config.int('log.render.file.size') * 1024 && this.phone.isReady) {
      void this.uploadApp();
    }
  }

  private clear(name: LogName): void {
    this.kept[name] = [];
    this.bytes[name] = 0;
  }

  private schedule(): void {
    this.periodic?.cancel();
    this.periodic = undefined;
    const seconds = this.phone.config.int('log.render.file.upload.period');
    if (seconds <= 0) return;
    this.periodic = this.phone.clock.schedule(seconds * 1000, () => {
      this.periodic = undefined;
      void this.uploadApp().finally(() => {
        if (this.phone.isReady) this.schedule();
      });
    });
  }

  private async uploadBoot(): Promise<void> {
    const url = this.urlOf('boot');
    if (!url || !this.enabled) return;
    await uploadFile(this.phone, 'logUpload', url, Buffer.from(this.text('boot'), 'utf8'), 'text/plain');
  }

  /** Uploads what the application log holds; it is cleared once the server took it. */
  async uploadApp(): Promise<void> {
    const url = this.urlOf('app');
    if (!url || !this.enabled || this.stopped || this.uploading || this.bytes.app === 0) return;
    const c = this.phone.config;
    const fresh = this.text('app');
    let body = fresh;
    if (c.bool('log.render.file.upload.append')) {
      const limit = c.int('log.render.file.upload.append.sizeLimit') * 1024;
      const grown = this.onServer + fresh;
      if (Buffer.byteLength(grown) <= limit) body = grown;
      else if (c.value('log.render.file.upload.append.limitMode') === 'stop') {
        this.stopped = true;
        return;
      }
    }
    const sent = this.kept.app.length;
    this.uploading = true;
    try {
      if (!(await uploadFile(this.phone, 'logUpload', url, Buffer.from(body, 'utf8'), 'text/plain'))) return;
    } finally {
      this.uploading = false;
    }
    this.onServer = c.bool('log.render.file.upload.append') ? body : '';
    // what was written while the upload ran stays for the next one
    const rest = this.kept.app.slice(sent);
    this.clear('app');
    for (const line of rest) {
      this.kept.app.push(line);
      this.bytes.app += Buffer.byteLength(line);
    }
    // what was written meanwhile may already be past the size again: it goes now, not at the next line
    if (this.bytes.app > c.int('log.render.file.size') * 1024 && this.phone.isReady) void this.uploadApp();
  }
}
