/**
 * A scripted far end: the other party of a call to or from a number that is not a phone of the process. It
 * follows its script (ring then answer, busy, reject, never answer, hang up after a while) and can be driven by
 * hand through the control API (answer, reject, hold, resume, hang up, send DTMF).
 */
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { Inbox, Party, Signal } from '../phone/calls/signal.js';

export interface FarEndScript {
  /** What the far end does with a call to it. */
  readonly behaviour: 'answer' | 'busy' | 'reject' | 'no-answer';
  /** How long it rings before answering or rejecting. */
  readonly answerAfterMs?: number;
  /** Hangs up this long after answering; absent: stays until the phone ends the call. */
  readonly hangupAfterMs?: number;
  /** The name it presents. */
  readonly name?: string;
}

export const DEFAULT_SCRIPT: FarEndScript = { behaviour: 'answer', answerAfterMs: 1500 };

export type FarEndState = 'calling' | 'ringing' | 'connected' | 'ended';

export class FarEnd implements Inbox {
  state: FarEndState;
  /** The phone's inbox for this call. */
  peer: Inbox | undefined;
  /** The phone holds this far end. */
  heldByPhone = false;
  /** This far end holds the call. */
  holding = false;
  dtmfReceived = '';
  referredTo: string | undefined;
  private timers: TimerHandle[] = [];

  constructor(
    readonly id: string,
    readonly direction: 'to-phone' | 'from-phone',
    readonly party: Party,
    readonly phoneNumber: string,
    readonly callId: string,
    private readonly clock: Clock,
    private readonly onEnd: (farEnd: FarEnd) => void,
    private readonly onRefer: (farEnd: FarEnd, target: string) => void,
  ) {
    this.state = direction === 'to-phone' ? 'calling' : 'ringing';
  }

  /** Plays a script for a call the phone placed to this far end. */
  play(script: FarEndScript): void {
    const wait = script.answerAfterMs ?? 0;
    if (script.behaviour === 'busy') {
      this.reject('busy');
      return;
    }
    this.send({ type: 'ringing' });
    if (script.behaviour === 'no-answer') return;
    this.timers.push(
      this.clock.schedule(wait, () => {
        if (this.state !== 'ringing') return;
        if (script.behaviour === 'reject') this.reject('declined');
        else {
          this.answer();
          if (script.hangupAfterMs !== undefined) this.timers.push(this.clock.schedule(script.hangupAfterMs, () => this.hangup()));
        }
      }),
    );
  }

  private send(signal: Signal): void {
    this.peer?.receive(signal);
  }

  /** Signals from the phone. */
  receive(signal: Signal): void {
    if (this.state === 'ended') return;
    switch (signal.type) {
      case 'ringing':
        if (this.state === 'calling') this.state = 'ringing';
        break;
      case 'answered':
        this.state = 'connected';
        break;
      case 'rejected':
      case 'ended':
        this.close();
        break;
      case 'hold':
        this.heldByPhone = true;
        break;
      case 'resume':
        this.heldByPhone = false;
        break;
      case 'dtmf':
        this.dtmfReceived += signal.digits;
        break;
      case 'replace':
        this.peer = signal.inbox;
        this.heldByPhone = false;
        break;
      case 'refer':
        this.referredTo = signal.target;
        this.close();
        this.onRefer(this, signal.target);
        break;
    }
  }

  /** Answers a call the phone placed to it. */
  answer(): boolean {
    if (this.direction !== 'from-phone' || this.state !== 'ringing') return false;
    this.state = 'connected';
    this.send({ type: 'answered' });
    return true;
  }

  reject(reason: 'busy' | 'declined' = 'declined'): boolean {
    if (this.direction !== 'from-phone' || this.state !== 'ringing') return false;
    this.send({ type: 'rejected', reason });
    this.close();
    return true;
  }

  hold(): boolean {
    if (this.state !== 'connected' || this.holding) return false;
    this.holding = true;
    this.send({ type: 'hold' });
    return true;
  }

  resume(): boolean {
    if (this.state !== 'connected' || !this.holding) return false;
    this.holding = false;
    this.send({ type: 'resume' });
    return true;
  }

  sendDtmf(digits: string): boolean {
    if (this.state !== 'connected') return false;
    this.send({ type: 'dtmf', digits });
    return true;
  }

  /** Hangs up (or, for a call it is still offering, gives up). */
  hangup(): boolean {
    if (this.state === 'ended') return false;
    this.send({ type: 'ended' });
    this.close();
    return true;
  }

  private close(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.onEnd(this);
  }
}
