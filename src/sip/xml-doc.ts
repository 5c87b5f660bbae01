/**
 * How the SIP event bodies that are XML (dialog-info, RFC 4235; RLMI, RFC 4662) are read: one parser setup
 * (fast-xml-parser, attributes as `@_name`, namespaces dropped, nothing coerced, nesting bounded) and one gate in front
 * of it (a size bound, no DOCTYPE, well-formed), and the small accessors both readers use.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parser for one kind of document; `arrays` are the element names that are always lists. */
export function eventXmlParser(arrays: readonly string[]): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    processEntities: true,
    isArray: (name) => arrays.includes(name),
    maxNestedTags: 16,
  });
}

/** The parsed document, or why it was not read: over `maxBytes`, a DOCTYPE, not well-formed, unreadable. */
export function readEventXml(body: Buffer, maxBytes: number, parser: XMLParser): { readonly doc: unknown } | { readonly error: string } {
  if (body.length > maxBytes) return { error: `over ${maxBytes} bytes` };
  const xml = body.toString('utf8');
  if (/<!DOCTYPE/i.test(xml)) return { error: 'a DOCTYPE is not taken' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { error: `not well-formed XML: ${valid.err.msg}` };
  try {
    return { doc: parser.parse(xml) };
  } catch (err) {
    return { error: `unreadable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export type XmlNode = Record<string, unknown>;
export const isNode = (v: unknown): v is XmlNode => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An element's text, whether it has attributes or not. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : isNode(v) && typeof v['#text'] === 'string' ? v['#text'] : '');
export const attr = (n: XmlNode, name: string): string | undefined => {
  const v = n[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
};
