/**
 * The call list a phone keeps on its provisioning server: `<mac>-calls.xml` in the master configuration file's
 * CALL_LISTS_DIRECTORY (else the server's directory), written callLists.writeDelay.terminated seconds (60) after
 * the list last changed, on the phone's clock: calls in quick succession go as one upload. Nothing is uploaded
 * without a provisioning server.
 *
 * The document's shape follows what a client that reads these files from real phones' servers parses (Posh-UCS,
 * docs/fidelity.md): a `Saved` processing instruction with the time, then `<callList>` of `<call>` elements with
 * direction (In, Out), disposition (of that client's set: Normal, Partial, ...), line, protocol, startTime (local
 * time), duration (ISO 8601) and count, each with `<source>`, `<destination>` and `<connection>` carrying a name
 * and an address.
 */
import type { TimerHandle } from './clock.js';
import { uploadFile, uploadUrl } from './file-upload.js';
import type { Phone } from './phone.js';
import type { CallLogRecord } from './ports.js';

export class CallListUploads {
  private pending: TimerHandle | undefined;

  constructor(private readonly phone: Phone) {
    phone.on('callLog', () => this.changed());
    phone.on('down', () => this.cancel());
  }

  urlOf(): URL | undefined {
    return uploadUrl(this.phone, this.phone.uploadDirectories.callLists, `${this.phone.identity.mac.toLowerCase()}-calls.xml`);
  }

  cancel(): void {
    this.pending?.cancel();
    this.pending = undefined;
  }

  private changed(): void {
    if (!this.urlOf()) return;
    this.cancel();
    const delayMs = Math.max(0, this.phone.config.int('callLists.writeDelay.terminated')) * 1000;
    this.pending = this.phone.clock.schedule(delayMs, () => {
      this.pending = undefined;
      void this.upload();
    });
  }

  private async upload(): Promise<void> {
    const url = this.urlOf();
    if (!url || !this.phone.isReady) return;
    const body = Buffer.from(callListXml(this.phone, this.phone.callLog()), 'utf8');
    await uploadFile(this.phone, 'callListUpload', url, body, 'application/xml');
  }
}

/** ISO 8601 duration as the phones write it: PT1M3S, P1DT2H (PT0S for none). */
export function isoDuration(totalSeconds: number): string {
  let s = Math.max(0, Math.round(totalSeconds));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!d && !h && !m) ? `${s}S` : ''}`;
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
}

/** A time of the phone's clock as its local time (device.sntp.gmtOffset seconds), without a zone: 2026-12-02T15:04:05. */
function localTime(phone: Phone, at: number): string {
  const offsetMs = phone.config.int('device.sntp.gmtOffset') * 1000;
  return new Date(at + offsetMs).toISOString().slice(0, 19);
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** The call list as `<mac>-calls.xml`: newest first, as the phone's list shows it. */
export function callListXml(phone: Phone, records: readonly CallLogRecord[]): string {
  const party = (tag: string, name: string, address: string): string =>
    `    <${tag} name="${escapeXml(name)}" address="${escapeXml(address)}"/>`;
  const calls = [...records]
    .sort((a, b) => b.startTime - a.startTime)
    .map((r) => {
      const line = phone.lines.get(r.line);
      const self = { name: line?.label ?? '', address: line?.address ?? '' };
      const remote = { name: r.remoteName, address: r.remoteNumber };
      const incoming = r.kind !== 'placed';
      const [source, destination] = incoming ? [remote, self] : [self, remote];
      // Normal: the call was connected; Partial: it never was (a missed call, a placed call nobody answered).
      const disposition = r.kind === 'received' || (r.kind === 'placed' && r.durationSeconds > 0) ? 'Normal' : 'Partial';
      return [
        `  <call direction="${incoming ? 'In' : 'Out'}" disposition="${disposition}" line="${r.line}" protocol="Sip" ` +
          `startTime="${localTime(phone, r.startTime)}" duration="${isoDuration(r.durationSeconds)}" count="1">`,
        party('source', source.name, source.address),
        party('destination', destination.name, destination.address),
        party('connection', remote.name, remote.address),
        '  </call>',
      ].join('\n');
    });
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    `<?Saved @ ${localTime(phone, phone.clock.now())} --?>`,
    '<callList>',
    ...calls,
    '</callList>',
    '',
  ].join('\n');
}
