/**
 * Poly's configuration file form: XML whose elements carry parameters as attributes,
 * e.g. <PHONE_CONFIG><ALL apps.restapi.enabled="1"/></PHONE_CONFIG>, and the master configuration file
 * <APPLICATION APP_FILE_PATH="..." CONFIG_FILES="a.cfg, b.cfg"/>.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { CfgError } from '../../errors.js';

const ATTR = '@_';
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  allowBooleanAttributes: true,
});

/** What the parsers throw (one entry of the error catalogue, src/errors.ts). */
export { CfgError };

function parse(xml: string): unknown {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new CfgError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  try {
    return parser.parse(xml);
  } catch (err) {
    // The parser's own limits (nesting depth, entity expansion) make a file unreadable, as any bad file is.
    throw new CfgError(`unreadable configuration file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Every attribute of every element, in document order: the parameters a .cfg file sets. */
export function parseCfg(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key.startsWith(ATTR)) out[key.slice(ATTR.length)] = String(value);
      else walk(value);
    }
  };
  walk(parse(xml));
  return out;
}

/** Where the master configuration file says the phone puts what it uploads: relative to the server, or URLs. */
export interface UploadDirectories {
  /** OVERRIDES_DIRECTORY: <mac>-phone.cfg and <mac>-web.cfg. */
  readonly overrides: string;
  /** LOG_FILE_DIRECTORY: <mac>-app.log and <mac>-boot.log. */
  readonly logs: string;
  /** CALL_LISTS_DIRECTORY: <mac>-calls.xml. */
  readonly callLists: string;
  /** CONTACTS_DIRECTORY: <mac>-directory.xml (and 000000000000-directory.xml, read only). */
  readonly contacts: string;
}

export const NO_UPLOAD_DIRECTORIES: UploadDirectories = { overrides: '', logs: '', callLists: '', contacts: '' };

export interface MasterConfig {
  readonly appFilePath: string;
  readonly configFiles: readonly string[];
  readonly directories: UploadDirectories;
}

/** The master configuration file's APPLICATION element; [PHONE_MAC_ADDRESS] is replaced by the phone's MAC. */
export function parseMasterConfig(xml: string, mac: string): MasterConfig {
  const doc = parse(xml) as Record<string, unknown>;
  const app = doc['APPLICATION'];
  if (!app || typeof app !== 'object') throw new CfgError('no APPLICATION element');
  const attrs = app as Record<string, unknown>;
  const sub = (s: string): string => s.replaceAll('[PHONE_MAC_ADDRESS]', mac.toLowerCase());
  const files = String(attrs[`${ATTR}CONFIG_FILES`] ?? '')
    .split(',')
    .map((f) => sub(f.trim()))
    .filter((f) => f !== '');
  const dir = (name: string): string => sub(String(attrs[`${ATTR}${name}`] ?? '').trim());
  return {
    appFilePath: sub(String(attrs[`${ATTR}APP_FILE_PATH`] ?? '')),
    configFiles: files,
    directories: {
      overrides: dir('OVERRIDES_DIRECTORY'),
      logs: dir('LOG_FILE_DIRECTORY'),
      callLists: dir('CALL_LISTS_DIRECTORY'),
      contacts: dir('CONTACTS_DIRECTORY'),
    },
  };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  format: true,
  suppressEmptyNode: true,
  processEntities: true,
});

/** Renders parameters as a Poly .cfg file. */
export function renderCfg(entries: readonly (readonly [string, string])[], comment: string): string {
  const all: Record<string, string> = {};
  for (const [name, value] of entries) all[`${ATTR}${name}`] = value;
  const body = builder.build({ PHONE_CONFIG: { ALL: all } }) as string;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- ${comment.replaceAll('--', '-')} -->\n${body}`;
}
