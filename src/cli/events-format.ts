/**
 * `polysim events listen`'s output: one line per request received, as text (time, sender, path, the document's type
 * and its main fields) or as a JSON line (the parsed document with `receivedAt`, `from` and `path`).
 */
import type { PhoneDocument } from '@polysim/client';

/** Where a request came from and when. */
export interface Receipt {
  /** ISO 8601, UTC. */
  readonly receivedAt: string;
  /** The sender's address. */
  readonly from: string;
  /** The request's path and query, as the phone wrote its URL. */
  readonly path: string;
}

/** A value for a `key=value` pair: quoted when it has spaces or is empty. */
const v = (s: string): string => (s === '' || /[\s"]/.test(s) ? JSON.stringify(s) : s);

const party = (name: string, number: string): string => (name && name !== number ? `${v(name)} <${number}>` : v(number));

/** The main fields of a document, one line. */
export function summary(doc: PhoneDocument): string {
  const mac = 'PhoneIP' in doc ? `mac=${v(doc.MACAddress)} ip=${v(doc.PhoneIP)}` : '';
  const fields = ((): string => {
    switch (doc.type) {
      case 'IncomingCallEvent':
      case 'OutgoingCallEvent':
        return `${party(doc.CallingPartyName, doc.CallingPartyNumber)} -> ${party(doc.CalledPartyName, doc.CalledPartyNumber)}`;
      case 'CallStateChangeEvent': {
        const calls = doc.CallLineInfo?.CallInfo.length ?? 0;
        const line = doc.LineNumber ?? doc.CallLineInfo?.LineKeyNum;
        return `call=${v(doc.CallReference)} state=${v(doc.CallState)}${line === undefined ? '' : ` line=${line}`} calls=${calls}`;
      }
      case 'LineRegistrationEvent':
      case 'LineUnregistrationEvent':
        return doc.LineNumber === undefined ? '' : `line=${doc.LineNumber}`;
      case 'UserLoginOutEvent':
        return doc.LoggedIn ? `login user=${v(doc.UserLoggedIn)}` : 'logout';
      case 'CallLineInfo':
        return doc.CallLineInfo.map(
          (l) => `line=${l.LineKeyNum}:${l.LineState || '?'}${l.CallInfo.map((c) => ` ${c.CallReference}:${c.CallState}`).join('')}`,
        ).join(' ');
      case 'DeviceInformation':
        return `mac=${v(doc.MACAddress)} model=${v(doc.ModelNumber)} dn=${v(doc.PhoneDN)} app=${v(doc.AppLoadID)}`;
      case 'NetworkConfiguration':
        return `mac=${v(doc.MACAddress)} ip=${v(doc.IPAddress)} mask=${v(doc.SubnetMask)} router=${v(doc.DefaultRouter)} dhcp=${
          doc.DHCPEnabled === undefined ? '?' : doc.DHCPEnabled ? 'yes' : 'no'
        }`;
      default:
        return '';
    }
  })();
  return [doc.type, mac, fields].filter(Boolean).join(' ');
}

/** The line for a document. */
export function documentLine(receipt: Receipt, doc: PhoneDocument, json: boolean): string {
  if (json) return JSON.stringify({ ...receipt, ...doc });
  return `${receipt.receivedAt} ${receipt.from} ${receipt.path} ${summary(doc)}`;
}

/** The line for a request that brought no document: what was wrong, and the HTTP status it was answered. */
export function errorLine(receipt: Receipt, error: string, status: number, json: boolean): string {
  if (json) return JSON.stringify({ ...receipt, error, status });
  return `${receipt.receivedAt} ${receipt.from} ${receipt.path} error ${status}: ${error}`;
}
