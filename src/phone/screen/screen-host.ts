/**
 * What the screen needs of its phone: the parts it shows and drives. The Phone provides them; the screen does not
 * import the Phone (which composes the screen), so the two stay out of an import cycle.
 */
import type { BlfKeys } from '../blf.js';
import type { CallManager } from '../calls/call-manager.js';
import type { Clock } from '../clock.js';
import type { LayeredConfig } from '../config/layered-config.js';
import type { LineTable } from '../lines.js';
import type { MessageInbox } from '../messages.js';
import type { Profile } from '../models.js';
import type { CallLogRecord } from '../ports.js';

export interface ScreenHost {
  readonly profile: Profile;
  readonly clock: Clock;
  readonly config: LayeredConfig;
  readonly lines: LineTable;
  readonly calls: CallManager;
  readonly messages: MessageInbox;
  readonly blf: BlfKeys;
  audioPath: 'speaker' | 'handset' | 'headset';
  noteActivity(): void;
  /** Something the screen shows changed outside a call or a request (a push message shown later). */
  screenChanged(): void;
  callLog(): CallLogRecord[];
  on(event: 'calls', listener: () => void): unknown;
}
