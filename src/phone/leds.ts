/** The phone's LEDs, from its state: line keys (lines, then busy lamp field keys), message waiting, mute, speaker and headset. */
import { blfLineKeys } from './blf.js';
import type { BlfState } from './blf.js';
import type { Call } from './calls/call.js';
import type { Phone } from './phone.js';

export type Led = { State: string; Color?: string };

export interface Leds {
  readonly Lines: readonly ({ LineNumber: string } & Led)[];
  readonly MWI: Led;
  readonly Mute: Led;
  readonly Speaker: Led;
  readonly Headset: Led;
}

/** A line key's LED: flashing green while a call rings, green while a call is up, slow flashing when all are held. */
function lineLed(calls: readonly Call[]): Led {
  if (calls.length === 0) return { State: 'off' };
  if (calls.some((c) => c.state === 'Offering' && c.ringing)) return { Color: 'green', State: 'flashing' };
  if (calls.every((c) => c.state === 'Hold')) return { Color: 'green', State: 'slowFlashing' };
  return { Color: 'green', State: 'active' };
}

/**
 * A busy lamp field key's LED: red, flashing while the watched line rings, on while it is busy, off while it is idle
 * or its state is not known (docs/fidelity.md).
 */
const BLF_LEDS: Readonly<Record<BlfState, Led>> = {
  idle: { State: 'off' },
  unknown: { State: 'off' },
  ringing: { Color: 'red', State: 'flashing' },
  busy: { Color: 'red', State: 'on' },
};

export function ledsOf(phone: Phone): Leds {
  const talking = phone.calls.all().some((c) => c.established || c.state === 'Setup' || c.state === 'RingBack');
  const on = (b: boolean, color: string): Led => (b ? { Color: color, State: 'on' } : { State: 'off' });
  return {
    Lines: phone.lines
      .all()
      .filter((l) => l.assigned)
      .map((l) => ({ LineNumber: String(l.number), ...lineLed(phone.calls.onLine(l.number)) }))
      .concat(blfLineKeys(phone.lines, phone.blf).map(({ key, blf }) => ({ LineNumber: String(key), ...BLF_LEDS[blf.state] }))),
    // voice messages waiting on a line (a voicemail server's NOTIFY): the message LED flashes red
    MWI: phone.lines.all().some((l) => phone.lines.messages(l.number)?.waiting) ? { Color: 'red', State: 'flashing' } : { State: 'off' },
    Mute: on(phone.calls.muted, 'red'),
    Speaker: on(talking && phone.audioPath === 'speaker', 'green'),
    Headset: on(phone.audioPath === 'headset', 'green'),
  };
}
