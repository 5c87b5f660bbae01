/** One call on a phone: its identity, its state (through the state machine), its far end and its media. */
import type { CallEvent, CallState } from './call-state.js';
import { next } from './call-state.js';
import type { Inbox, Party } from './signal.js';

export type Direction = 'Incoming' | 'Outgoing';

export interface CallInit {
  readonly handle: string;
  readonly callId: string;
  readonly line: number;
  readonly sequence: number;
  readonly direction: Direction;
  readonly remote: Party;
  readonly createdAt: number;
  readonly rtpPort: number;
  readonly state: CallState;
}

export class Call {
  readonly handle: string;
  readonly callId: string;
  readonly line: number;
  readonly sequence: number;
  readonly direction: Direction;
  readonly createdAt: number;
  readonly rtpPort: number;
  remote: Party;
  state: CallState;
  /** The far end holds this call. */
  remoteHeld = false;
  /** Incoming and still alerting (false once ignored). */
  ringing: boolean;
  connectedAt: number | undefined;
  endedAt: number | undefined;
  /** The conference this call belongs to, if any. */
  conference: string | undefined;
  /** The far end's inbox; absent until connected to the network. */
  far: Inbox | undefined;
  /** DTMF digits received from the far end. */
  dtmfReceived = '';
  /** Media time so far: milliseconds sending and receiving, and since when the current direction holds. */
  private media = { sendMs: 0, recvMs: 0, since: 0, dir: 'inactive' as Call['mediaDirection'] };
  /** A transfer its far end asked for went through (the new call was answered): the call ends as transferred. */
  handedOn = false;
  /** How the call ended, for the call log and sipStatus. */
  endReason: 'local' | 'remote' | 'rejected' | 'transferred' | undefined;
  /** Runs once when the call ends (cancels its timers). */
  onEnd: (() => void) | undefined;

  constructor(init: CallInit) {
    this.handle = init.handle;
    this.callId = init.callId;
    this.line = init.line;
    this.sequence = init.sequence;
    this.direction = init.direction;
    this.remote = init.remote;
    this.createdAt = init.createdAt;
    this.rtpPort = init.rtpPort;
    this.state = init.state;
    this.ringing = init.state === 'Offering';
  }

  /** Moves through the state machine; 4003 (or 4007 once ended) for a move it does not allow. */
  apply(event: CallEvent, now: number): CallState {
    const to = next(this.state, event);
    if (to === 'Connected' && this.connectedAt === undefined) this.connectedAt = now;
    if (to === 'Disconnected') this.endedAt = now;
    if (to !== 'Offering') this.ringing = false;
    this.state = to;
    return to;
  }

  /** Closes the current media segment; call after every change of state or remote hold. */
  noteMedia(now: number): void {
    const span = now - this.media.since;
    if (this.media.dir === 'sendrecv' || this.media.dir === 'sendonly') this.media.sendMs += span;
    if (this.media.dir === 'sendrecv' || this.media.dir === 'recvonly') this.media.recvMs += span;
    this.media.since = now;
    this.media.dir = this.live ? this.mediaDirection : 'inactive';
  }

  /** Milliseconds of media sent and received up to `now`. */
  mediaTotals(now: number): { sendMs: number; recvMs: number } {
    const span = now - this.media.since;
    const d = this.media.dir;
    return {
      sendMs: this.media.sendMs + (d === 'sendrecv' || d === 'sendonly' ? span : 0),
      recvMs: this.media.recvMs + (d === 'sendrecv' || d === 'recvonly' ? span : 0),
    };
  }

  get live(): boolean {
    return this.state !== 'Disconnected';
  }

  /** In a conversation: connected or on hold. */
  get established(): boolean {
    return this.state === 'Connected' || this.state === 'Hold';
  }

  /** SDP media direction as the phone sees it. */
  get mediaDirection(): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' {
    if (!this.established) return 'inactive';
    const localHold = this.state === 'Hold';
    if (localHold && this.remoteHeld) return 'inactive';
    if (localHold) return 'sendonly';
    if (this.remoteHeld) return 'recvonly';
    return 'sendrecv';
  }

  /** Seconds connected so far (or in all, once ended). */
  durationSeconds(now: number): number {
    if (this.connectedAt === undefined) return 0;
    return Math.floor(((this.endedAt ?? now) - this.connectedAt) / 1000);
  }

  /** The label callStatus shows: the state, or Held when only the far end holds the call. */
  get stateLabel(): string {
    return this.state === 'Connected' && this.remoteHeld ? 'Held' : this.state;
  }
}
