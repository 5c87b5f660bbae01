/**
 * The XML of Poly's web application interface: every document is a `<PolycomIPPhone>` wrapper around one element,
 * one element a line, no declaration, as the phones send them (docs/web-applications.md). Written with
 * fast-xml-parser's builder; element order is the order of the object's keys.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Phone } from '../phone/phone.js';

/** An element's content: text, nested elements, or a list of repeated elements (attributes as `@_name` keys). */
export type XmlValue = string | number | XmlElement | readonly XmlElement[];
export interface XmlElement {
  readonly [name: string]: XmlValue;
}

const options = { format: true, indentBy: '', ignoreAttributes: false, attributeNamePrefix: '@_' };
/** Events write an empty element as `<X></X>` (captured event posts) ... */
const eventBuilder = new XMLBuilder({ ...options, suppressEmptyNode: false });
/** ... and the polling handlers as `<X/>` (captured poll answers). */
const pollBuilder = new XMLBuilder({ ...options, suppressEmptyNode: true });

export function polycomDocument(root: string, body: XmlElement | readonly XmlElement[], empty: 'open-close' | 'self-closing'): string {
  const builder = empty === 'open-close' ? eventBuilder : pollBuilder;
  return builder.build({ PolycomIPPhone: { [root]: body } }) as string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The phone's local time with its UTC offset, as events and polls carry it: `2013-10-23T13:50:56-05:00`. The offset
 * is device.sntp.gmtOffset (seconds), the zone the phone is configured with.
 */
export function timeStamp(phone: Phone, at = phone.clock.now()): string {
  const offset = phone.config.int('device.sntp.gmtOffset');
  const local = new Date(at + offset * 1000).toISOString().slice(0, 19);
  const minutes = Math.round(Math.abs(offset) / 60);
  return `${local}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
