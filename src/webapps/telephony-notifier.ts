/**
 * Telephony event notification: each event the phone raises (telephony.ts) whose switch is on becomes its document
 * at once, and goes to every configured URL (apps.telNotification.URL, .1.URL, .2.URL) through the phone's
 * outbound queue. Raising never waits on delivery; a phone going down drops what is still waiting.
 */
import type { ParamName } from '../phone/config/param-names.js';
import type { Phone } from '../phone/phone.js';
import type { TelephonyEvent } from '../phone/telephony.js';
import { eventDocument } from './event-documents.js';

const URL_PARAMS: readonly ParamName[] = ['apps.telNotification.URL', 'apps.telNotification.1.URL', 'apps.telNotification.2.URL'];

/** Content type of posted documents: the guide names none and no capture shows one (docs/fidelity.md). */
export const DOCUMENT_TYPE = 'application/xml';

/** The configured receivers: each http(s) URL once, in the order of the parameters. */
export function receivers(phone: Phone, params: readonly ParamName[] = URL_PARAMS): string[] {
  const urls: string[] = [];
  for (const name of params) {
    const url = phone.config.value(name).trim();
    if (url === '' || urls.includes(url)) continue;
    if (!/^https?:\/\/[^\s]+$/i.test(url)) continue;
    urls.push(url);
  }
  return urls;
}

export class TelephonyNotifier {
  constructor(private readonly phone: Phone) {
    phone.on('telephony', (event) => this.raise(event));
  }

  private raise(event: TelephonyEvent): void {
    const urls = receivers(this.phone);
    if (urls.length === 0) return;
    const doc = eventDocument(this.phone, event);
    if (!doc) return;
    const raisedAt = this.phone.clock.now();
    for (const url of urls) this.phone.outbox.push({ url, body: doc.xml, contentType: DOCUMENT_TYPE, label: doc.element, raisedAt });
  }
}
