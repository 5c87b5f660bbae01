/**
 * `<CallLineInfo>`: a line and its calls, as the call state handler answers it and the call state change event
 * carries it. Element order and values follow captured answers of VVX phones (docs/fidelity.md, "web applications"):
 * CallReference first in CallInfo, then state, type, appearance (`1*` for the call in focus), the parties as
 * `sip:` URIs, the duration, and Protocol, Muted and Ringing as newer firmware adds them.
 */
import type { Line } from '../phone/lines.js';
import type { Phone } from '../phone/phone.js';
import type { CallSnapshot } from '../phone/telephony.js';
import type { XmlElement } from './xml-document.js';

/** The call states of the interface: the phone's states, with hold and conference spelt as the handler does. */
export function callStateName(call: CallSnapshot): string {
  if (call.state === 'Hold') return call.inConference ? 'CallConfHold' : 'CallHold';
  if (call.state === 'Connected' && call.remoteHeld) return call.inConference ? 'CallConfHeld' : 'CallHeld';
  if (call.state === 'Connected' && call.inConference) return 'CallConference';
  return call.state;
}

/** The domain of a line: its address's (`1001@pbx.example.com`), else its call server's, else none. */
export function lineDomain(line: Line): string {
  const at = line.address.indexOf('@');
  if (at >= 0) return line.address.slice(at + 1);
  return line.servers[0]?.address ?? '';
}

/** A party as a `sip:` URI: a number without a host takes the line's domain; an IP-dialled party keeps its host. */
export function dirNum(number: string, domain: string): string {
  if (number === '') return '';
  if (/^sips?:/i.test(number)) return number;
  if (number.includes('@') || domain === '') return `sip:${number}`;
  return `sip:${number}@${domain}`;
}

/** The user part of an address (`1001@pbx` -> `1001`): a line's directory number. */
export function userOf(address: string): string {
  const at = address.indexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

export interface Party {
  readonly name: string;
  /** As a `sip:` URI (dirNum). */
  readonly uri: string;
}

/** Who calls and who is called in a call on a line: the line itself and the far end, by the call's direction. */
export function partiesOf(line: Line, call: CallSnapshot): { readonly calling: Party; readonly called: Party; readonly remote: Party } {
  const domain = lineDomain(line);
  const self = { name: line.displayName || line.label || userOf(line.address), uri: dirNum(line.address, domain) };
  const remote = { name: call.remote.name, uri: dirNum(call.remote.number, domain) };
  return call.direction === 'Incoming' ? { calling: remote, called: self, remote } : { calling: self, called: remote, remote };
}

export function callInfo(phone: Phone, line: Line, call: CallSnapshot): XmlElement {
  const parties = partiesOf(line, call);
  // The far end without a name shows its number (as the call state handler does).
  const named = (p: Party): string => (p === parties.remote ? p.name || call.remote.number : p.name);
  const { called, calling } = parties;
  return {
    CallReference: call.handle,
    CallState: callStateName(call),
    CallType: call.direction,
    UIAppearanceIndex: `${call.appearance}${call.active ? '*' : ''}`,
    CalledPartyName: named(called),
    CalledPartyDirNum: called.uri,
    CallingPartyName: named(calling),
    CallingPartyDirNum: calling.uri,
    CallDuration: call.durationSeconds,
    Protocol: 'SIP',
    Muted: phone.calls.muted && call.active ? 1 : 0,
    Ringing: call.ringing ? 1 : 0,
  };
}

/**
 * One line's block: Active with a CallInfo per call while it has calls, Inactive without. An event about a call
 * that ended passes that call too: it is shown (Disconnected) though the line is Inactive again.
 */
export function callLineInfo(phone: Phone, line: Line, calls: readonly CallSnapshot[]): XmlElement {
  const own = calls.filter((c) => c.line === line.number);
  const block: Record<string, XmlElement[] | string | number> = {
    LineKeyNum: line.number,
    LineDirNum: userOf(line.address),
    LineState: own.some((c) => c.state !== 'Disconnected') ? 'Active' : 'Inactive',
  };
  if (own.length > 0) block['CallInfo'] = own.map((c) => callInfo(phone, line, c));
  return block;
}
