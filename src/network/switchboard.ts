/**
 * The virtual network of a process: it routes a dialled number to the phone whose line has that number, or to a
 * scripted far end. Phones of one fleet call each other through it; the control API drives its far ends.
 */
import type { Clock } from '../phone/clock.js';
import { numberOf } from '../phone/calls/call-manager.js';
import type { CallNetwork, Inbox, Offer, Party } from '../phone/calls/signal.js';
import type { IdSource } from '../phone/identity.js';
import type { Phone } from '../phone/phone.js';
import { DEFAULT_SCRIPT, FarEnd } from './far-end.js';
import type { FarEndScript } from './far-end.js';

interface Station {
  readonly phone: Phone;
  readonly line: number;
}

export class Switchboard {
  private readonly phones = new Set<Phone>();
  private index: Map<string, Station> | undefined;
  readonly scripts = new Map<string, FarEndScript>();
  readonly farEnds = new Map<string, FarEnd>();
  defaultScript: FarEndScript = DEFAULT_SCRIPT;
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** Where the phones of this network place their calls (a phone's line router, for its lines on no real SIP server). */
  readonly network: CallNetwork = { connect: (dest, offer) => this.connect(dest, offer) };

  /** Puts a phone on this network: its registered lines become reachable numbers. */
  attach(phone: Phone): void {
    this.phones.add(phone);
    const dirty = (): void => {
      this.index = undefined;
    };
    phone.on('config', dirty);
    phone.on('up', dirty);
    phone.on('down', dirty);
    phone.lines.onRegistrationChange(dirty);
    this.index = undefined;
  }

  /** The phone and line that answer a number, if any (registered lines of phones that are up). */
  station(number: string): Station | undefined {
    if (!this.index) {
      this.index = new Map();
      for (const phone of this.phones) {
        if (!phone.isUp) continue;
        for (const line of phone.lines.all()) {
          const n = line.address.split('@')[0];
          if (line.registered && !line.sip && n && !this.index.has(n)) this.index.set(n, { phone, line: line.number });
        }
      }
    }
    return this.index.get(number);
  }

  scriptFor(number: string): FarEndScript {
    return this.scripts.get(number) ?? this.defaultScript;
  }

  private farEnd(direction: FarEnd['direction'], party: Party, phoneNumber: string, callId: string): FarEnd {
    const id = `fe-${++this.seq}`;
    const fe = new FarEnd(
      id,
      direction,
      party,
      phoneNumber,
      callId,
      this.clock,
      (f) => this.farEnds.delete(f.id),
      (f, target) => this.referred(f, target),
    );
    this.farEnds.set(id, fe);
    return fe;
  }

  private connect(dest: string, offer: Offer): { inbox: Inbox; party: Party } {
    const number = numberOf(dest);
    const station = this.station(number);
    if (station) {
      const line = station.phone.lines.get(station.line);
      const party: Party = { number, name: line.displayName || line.label, address: station.phone.ipv4 || station.phone.ipv6 };
      return { inbox: station.phone.calls.incoming(station.line, offer), party };
    }
    const script = this.scriptFor(number);
    const fe = this.farEnd('from-phone', { number, name: script.name ?? '', address: '127.0.0.1' }, offer.from.number, offer.callId);
    fe.peer = offer.caller;
    fe.play(script);
    return { inbox: fe, party: fe.party };
  }

  /** Makes a call from a far end (any number and name) arrive at a phone's line. */
  callPhone(phone: Phone, line: number, from: { number: string; name?: string }): FarEnd {
    const callId = `${this.ids.hex(12)}@127.0.0.1`;
    const l = phone.lines.get(line);
    const fe = this.farEnd(
      'to-phone',
      { number: from.number, name: from.name ?? '', address: '127.0.0.1' },
      l.address.split('@')[0] ?? '',
      callId,
    );
    fe.peer = phone.calls.incoming(line, { from: fe.party, callId, caller: fe });
    return fe;
  }

  /** A far end transferred by a phone calls the transfer target. */
  private referred(fe: FarEnd, target: string): void {
    const number = numberOf(target);
    const station = this.station(number);
    if (station) this.callPhone(station.phone, station.line, { number: fe.party.number, name: fe.party.name });
  }
}
