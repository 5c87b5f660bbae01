/**
 * The calls of one phone: dialling, answering, rejecting, holding, resuming, conferencing, transferring, muting,
 * DTMF, and what the far end signals. Every state change goes through the state machine (call-state.ts);
 * refusals are PhoneErrors with the manual's codes.
 */
import type { Clock } from '../clock.js';
import type { IdSource } from '../identity.js';
import type { LineTable } from '../lines.js';
import type { CallLogRecord } from '../ports.js';
import { PhoneError, Status } from '../status.js';
import { Call } from './call.js';
import { applyFarSignal } from './far-signal.js';
import { ReferredTransfers } from './referred-transfers.js';
import type { SignalTarget } from './far-signal.js';
import type { Direction } from './call.js';
import type { CallNetwork, Inbox, Offer, Party, Signal } from './signal.js';

/** An ended call stays in sipStatus this long, as on real phones. */
export const ENDED_CALL_VISIBLE_MS = 40_000;
const DTMF_RE = /^[0-9*#A-Da-d]+$/;

export interface CallManagerDeps {
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly lines: LineTable;
  readonly network: () => CallNetwork;
  /** How this phone presents itself on a line. */
  readonly self: (line: number) => Party;
  readonly log: (record: CallLogRecord) => void;
  readonly changed: () => void;
  /** Calls one line may hold at once (its call appearances); an incoming call past them is refused busy. */
  readonly appearances: (line: number) => number;
  /** How long an incoming call rings unanswered before it ends as missed, in ms. */
  readonly ringNoAnswerMs: (line: number) => number;
}

/** "sip:1002@pbx;user=phone" -> "1002"; "1002" -> "1002". */
export function numberOf(dest: string): string {
  const m = /^(?:sips?:|tel:)?([^@;>]+)/i.exec(dest.trim());
  return m?.[1] ?? dest.trim();
}

export class CallManager {
  private list: Call[] = [];
  private ended: Call[] = [];
  private focus: Call | undefined;
  private nextRtp = 2222;
  private conferenceSeq = 0;
  muted = false;
  /** When the last call ended (pollForStatus reports it while idle). */
  lastCallEndedAt: number | undefined;

  constructor(private readonly d: CallManagerDeps) {}

  /** Every change ends here: media segments are closed, then the phone is told. */
  private changed(): void {
    const now = this.d.clock.now();
    for (const c of this.list) c.noteMedia(now);
    this.d.changed();
  }

  /** Live calls in the order they appeared (their UI appearance order). */
  all(): readonly Call[] {
    return this.list;
  }

  /** Calls that ended within the last 40 s. */
  recentlyEnded(): readonly Call[] {
    this.forgetEnded();
    return this.ended;
  }

  /**
   * Lets go of calls that ended over 40 s ago: at every end too, not only when sipStatus is read, or a phone nobody
   * asks keeps every call it ever made (with its dialog and media: the soak saw 3 KB a call a phone).
   */
  private forgetEnded(): void {
    const now = this.d.clock.now();
    this.ended = this.ended.filter((c) => now - (c.endedAt ?? now) < ENDED_CALL_VISIBLE_MS);
  }

  /** The call in focus: the one the phone's screen and the no-Ref operations act on. */
  active(): Call | undefined {
    return this.focus?.live ? this.focus : this.list[this.list.length - 1];
  }

  onLine(line: number): Call[] {
    return this.list.filter((c) => c.line === line);
  }

  /** A call by CallHandle (with or without 0x) or SIP Call-ID; 4007 when there is none. */
  find(ref: string): Call {
    const r = ref.trim().toLowerCase().replace(/^0x/, '');
    const call = this.list.find((c) => c.handle === r || c.callId.toLowerCase() === ref.trim().toLowerCase());
    if (!call) throw new PhoneError(Status.CALL_DOES_NOT_EXIST, `no call ${ref}`);
    return call;
  }

  private pick(ref: string | undefined, fallback: () => Call | undefined): Call {
    if (ref !== undefined && ref !== '') return this.find(ref);
    const call = fallback();
    if (!call) throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no call');
    return call;
  }

  private members(call: Call): Call[] {
    return call.conference ? this.list.filter((c) => c.conference === call.conference) : [call];
  }

  private create(direction: Direction, line: number, remote: Party, callId: string, state: Call['state']): Call {
    const used = new Set(this.onLine(line).map((c) => c.sequence));
    let sequence = 1;
    while (used.has(sequence)) sequence++;
    const call = new Call({
      handle: this.d.ids.hex(4),
      callId,
      line,
      sequence,
      direction,
      remote,
      createdAt: this.d.clock.now(),
      rtpPort: this.nextRtp,
      state,
    });
    this.nextRtp = this.nextRtp >= 2222 + 2 * 1000 ? 2222 : this.nextRtp + 2;
    this.list.push(call);
    return call;
  }

  private inbox(call: Call): Inbox {
    return { receive: (signal) => this.onSignal(call, signal) };
  }

  /** Puts the call in focus on hold before another one takes the focus, as a phone does. */
  private holdFocused(except?: Call): void {
    const f = this.focus;
    if (f && f !== except && f.live && f.state === 'Connected') this.holdCalls(this.members(f));
  }

  private holdCalls(calls: Call[]): void {
    for (const c of calls) {
      if (c.state !== 'Connected') continue;
      c.apply('hold', this.d.clock.now());
      c.far?.receive({ type: 'hold' });
    }
  }

  private resumeCalls(calls: Call[]): void {
    for (const c of calls) {
      if (c.state !== 'Hold') continue;
      c.apply('resume', this.d.clock.now());
      c.far?.receive({ type: 'resume' });
    }
  }

  dial(lineNumber: number, dest: string): Call {
    const line = this.d.lines.get(lineNumber);
    if (!line.registered) throw new PhoneError(Status.LINE_NOT_REGISTERED, `line ${lineNumber}`);
    const number = numberOf(dest);
    if (!number) throw new PhoneError(Status.INVALID_INPUT, 'empty destination');
    const call = this.offHook(lineNumber);
    this.dialFrom(call, dest);
    return call;
  }

  /** Off hook with no number yet: a call in Dialtone on the line, waiting for digits. */
  offHook(lineNumber: number): Call {
    const line = this.d.lines.get(lineNumber);
    if (!line.registered) throw new PhoneError(Status.LINE_NOT_REGISTERED, `line ${lineNumber}`);
    this.holdFocused();
    const callId = `${this.d.ids.hex(12)}@${this.d.self(lineNumber).address}`;
    const call = this.create('Outgoing', lineNumber, { number: '', name: '', address: '' }, callId, 'Dialtone');
    this.focus = call;
    this.changed();
    return call;
  }

  /** Dials `dest` from a call in Dialtone. */
  dialFrom(call: Call, dest: string): void {
    const number = numberOf(dest);
    if (!number) throw new PhoneError(Status.INVALID_INPUT, 'empty destination');
    call.apply('dial', this.d.clock.now());
    call.remote = { number, name: '', address: '' };
    const offer: Offer = { from: this.d.self(call.line), callId: call.callId, caller: this.inbox(call), line: call.line };
    const { inbox, party } = this.d.network().connect(dest, offer);
    if (call.live) {
      call.far = inbox;
      call.remote = { ...party, number: party.number || number };
    }
    this.changed();
  }

  /** A call arrives from the network on a line. */
  incoming(line: number, offer: Offer): Inbox {
    if (this.onLine(line).length >= this.d.appearances(line)) {
      offer.caller.receive({ type: 'rejected', reason: 'busy' });
      return { receive: () => undefined };
    }
    const call = this.create('Incoming', line, offer.from, offer.callId, 'Offering');
    call.far = offer.caller;
    if (!this.focus?.live) this.focus = call;
    call.far.receive({ type: 'ringing' });
    // A call nobody answers stops ringing after the no-answer time and is missed; the caller is told.
    const timer = this.d.clock.schedule(this.d.ringNoAnswerMs(line), () => {
      if (!call.live || call.state !== 'Offering') return;
      call.far?.receive({ type: 'rejected', reason: 'no-answer' });
      call.apply('farEnded', this.d.clock.now());
      call.endReason = 'remote';
      this.finish(call);
    });
    call.onEnd = () => timer.cancel();
    this.changed();
    return this.inbox(call);
  }

  answer(ref?: string): void {
    const call = this.pick(ref, () => this.list.find((c) => c.state === 'Offering'));
    if (call.state !== 'Offering') throw new PhoneError(Status.NOT_ALLOWED, 'the call is not incoming');
    this.holdFocused(call);
    call.apply('answer', this.d.clock.now());
    this.focus = call;
    call.far?.receive({ type: 'answered' });
    this.changed();
  }

  reject(ref?: string): void {
    const call = this.pick(ref, () => this.list.find((c) => c.state === 'Offering'));
    if (call.state !== 'Offering') throw new PhoneError(Status.NOT_ALLOWED, 'the call is not incoming');
    call.apply('reject', this.d.clock.now());
    call.endReason = 'rejected';
    call.far?.receive({ type: 'rejected', reason: 'declined' });
    this.finish(call);
  }

  ignore(ref?: string): void {
    const call = this.pick(ref, () => this.list.find((c) => c.state === 'Offering' && c.ringing));
    if (call.state !== 'Offering') throw new PhoneError(Status.NOT_ALLOWED, 'the call is not incoming');
    call.ringing = false;
    this.changed();
  }

  end(ref?: string): void {
    const call = this.pick(ref, () => this.active());
    if (call.state === 'Offering') throw new PhoneError(Status.NOT_ALLOWED, 'an incoming call is rejected, not ended');
    call.apply('end', this.d.clock.now());
    call.endReason = 'local';
    call.far?.receive({ type: 'ended' });
    this.finish(call);
  }

  /** Ends every call (before a reboot or restart). */
  endAll(): void {
    for (const call of [...this.list]) {
      if (!call.live) continue;
      if (call.state === 'Offering') this.reject(call.handle);
      else this.end(call.handle);
    }
  }

  hold(ref?: string): void {
    const call = this.pick(ref, () => this.active());
    if (!call.established) throw new PhoneError(Status.NOT_ALLOWED, `cannot hold a call in ${call.state}`);
    this.holdCalls(this.members(call));
    this.changed();
  }

  resume(ref?: string): void {
    const call = this.pick(ref, () => this.active());
    if (call.state !== 'Hold') throw new PhoneError(Status.NOT_ALLOWED, 'the call is not on hold');
    const group = this.members(call);
    if (!this.focus || !group.includes(this.focus)) this.holdFocused();
    this.resumeCalls(group);
    this.focus = call;
    this.changed();
  }

  /** Joins the active call with the held calls (or conference) into one conference. */
  join(): void {
    const active = this.active();
    if (!active || active.state !== 'Connected') throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no active call to join');
    const held = this.list.filter((c) => c.state === 'Hold' && !this.members(active).includes(c));
    if (held.length === 0) throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no held call to join');
    const id = active.conference ?? held.find((c) => c.conference)?.conference ?? `conf-${++this.conferenceSeq}`;
    const group = new Set([...this.members(active), ...held.flatMap((c) => this.members(c))]);
    this.resumeCalls([...group]);
    for (const c of group) c.conference = id;
    this.changed();
  }

  /** Blind transfer: the far end is asked to call `dest`, and this call ends. */
  transfer(ref: string, dest: string): void {
    const call = this.find(ref);
    if (!call.established) throw new PhoneError(Status.NOT_ALLOWED, `cannot transfer a call in ${call.state}`);
    if (!numberOf(dest)) throw new PhoneError(Status.INVALID_INPUT, 'empty transfer destination');
    const far = call.far;
    call.apply('transferred', this.d.clock.now());
    call.endReason = 'transferred';
    this.finish(call);
    far?.receive({ type: 'refer', target: dest });
  }

  /**
   * Warm transfer: the far ends of calls A and B are connected to each other (A's far end replaces this phone in
   * B, and the other way round), and both calls leave this phone.
   */
  warmTransfer(refA: string, refB: string): void {
    const a = this.find(refA);
    const b = this.find(refB);
    if (a === b) throw new PhoneError(Status.INVALID_INPUT, 'Ref-A and Ref-B are the same call');
    for (const c of [a, b]) if (!c.established) throw new PhoneError(Status.NOT_ALLOWED, `cannot transfer a call in ${c.state}`);
    const [fa, fb] = [a.far, b.far];
    const now = this.d.clock.now();
    for (const c of [a, b]) {
      c.apply('transferred', now);
      c.endReason = 'transferred';
      this.finish(c);
    }
    if (fa && fb) {
      fa.receive({ type: 'replace', inbox: fb, party: b.remote });
      fb.receive({ type: 'replace', inbox: fa, party: a.remote });
    }
  }

  setMute(on: boolean): void {
    const active = this.active();
    if (!active || !active.established) throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no call to mute');
    if (active.state === 'Hold') throw new PhoneError(Status.NOT_ALLOWED, 'the call is on hold');
    if (this.muted === on) throw new PhoneError(Status.NOT_ALLOWED, `already ${on ? 'muted' : 'unmuted'}`);
    this.muted = on;
    this.changed();
  }

  sendDtmf(digits: string): void {
    if (!DTMF_RE.test(digits)) throw new PhoneError(Status.INVALID_INPUT, 'Digits: 0-9, *, #, A-D');
    const active = this.active();
    if (!active || active.state !== 'Connected') throw new PhoneError(Status.CALL_DOES_NOT_EXIST, 'no connected call');
    active.far?.receive({ type: 'dtmf', digits: digits.toUpperCase() });
  }

  private onSignal(call: Call, s: Signal): void {
    applyFarSignal(call, s, this.signals);
    if (s.type === 'answered' && call.state === 'Connected') this.referred.answered(call);
  }

  /** Transfers a far end asks for and stays on the call for (referred-transfers.ts). */
  private readonly referred = new ReferredTransfers({
    schedule: (ms, fn) => this.d.clock.schedule(ms, fn),
    hold: (call) => this.holdCalls([call]),
    dial: (line, target) => this.dial(line, target),
    leave: (call) => {
      call.apply('transferred', this.d.clock.now());
      call.endReason = 'transferred';
      call.far?.receive({ type: 'ended' });
      this.finish(call);
    },
  });

  private readonly signals: SignalTarget = {
    now: () => this.d.clock.now(),
    finish: (call) => this.finish(call),
    changed: () => this.changed(),
    redial: (line, target) => {
      this.dial(line, target);
    },
    referred: (call, target) => this.referred.refer(call, target),
  };

  private finish(call: Call): void {
    const now = this.d.clock.now();
    call.onEnd?.();
    call.noteMedia(now);
    this.list = this.list.filter((c) => c !== call);
    this.forgetEnded();
    this.ended.push(call);
    this.lastCallEndedAt = now;
    if (call.conference) {
      const rest = this.list.filter((c) => c.conference === call.conference);
      if (rest.length === 1 && rest[0]) rest[0].conference = undefined;
    }
    if (this.focus === call) this.focus = this.list[this.list.length - 1];
    if (this.list.length === 0) this.muted = false;
    const kind = call.direction === 'Outgoing' ? 'placed' : call.connectedAt !== undefined ? 'received' : 'missed';
    // Dial tone that never dialled anything is no call: nothing is logged.
    if (call.direction === 'Outgoing' && call.remote.number === '') {
      this.changed();
      return;
    }
    this.d.log({
      kind,
      line: call.line,
      startTime: call.createdAt,
      remoteName: call.remote.name,
      remoteNumber: call.remote.number,
      durationSeconds: call.durationSeconds(now),
    });
    this.changed();
  }
}
