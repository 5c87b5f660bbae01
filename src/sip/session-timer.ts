/**
 * Session timers (RFC 4028), with voIpProt.SIP.keepalive.sessionTimers on: what an INVITE, re-INVITE or UPDATE
 * asks (Session-Expires, Min-SE), what we answer to one (422 when it asks for less than our minimum, else a 2xx with
 * Session-Expires and who refreshes), and, once a dialog's session has an interval, the timer that runs it: the
 * refresher refreshes at half the interval, the other side ends the call when no refresh came by the expiry less
 * min(32 s, a third of it) (RFC 4028 10). Time only through the schedule given (the phone's clock).
 *
 * Hand-written: the negotiation is a few comparisons of two headers, tied to this user agent's dialogs; no library
 * of the project's stack implements RFC 4028 apart from a whole SIP stack.
 */
import type { SipHeaders } from './codec/message.js';
import { optionTags } from './reliable-provisional.js';

type Header = readonly [string, string];
export type Refresher = 'uac' | 'uas';

export interface SessionTimerPolicy {
  /** The interval we ask for, and give when a request names none (s). */
  readonly interval: number;
  /** The smallest interval we take (s): Min-SE, and the 422's. */
  readonly minSE: number;
}

/** The smallest Min-SE there is (RFC 4028 4: 90 s). */
export const RFC_MIN_SE = 90;

/**
 * polysim's choice (no Poly parameter sets them): 30 minutes, as RFC 4028 4 recommends for whoever inserts
 * Session-Expires, and the RFC's minimum.
 */
export const SESSION_TIMER_POLICY: SessionTimerPolicy = { interval: 1800, minSE: RFC_MIN_SE };

/** Intervals are timed as at most a day (a longer one is refreshed or given up on within a day) and at least 90 s. */
export const MAX_TIMED_INTERVAL = 86_400;

export interface SessionExpires {
  readonly interval: number;
  readonly refresher: Refresher | undefined;
}

/** delta-seconds of 1 to 10 digits (bounded: larger is not a number we take). */
const DELTA = /^\d{1,10}$/;

/**
 * A Session-Expires value (`1800;refresher=uac`, RFC 4028 4): undefined when absent, 'bad' when malformed (no
 * delta-seconds, or a refresher other than uac or uas). Other parameters are ignored.
 */
export function parseSessionExpires(value: string | undefined): SessionExpires | 'bad' | undefined {
  if (value === undefined) return undefined;
  const [delta = '', ...params] = value.split(';').map((s) => s.trim());
  if (!DELTA.test(delta)) return 'bad';
  let refresher: Refresher | undefined;
  for (const p of params) {
    const m = /^refresher\s*=\s*(.*)$/i.exec(p);
    if (!m) continue;
    const r = (m[1] ?? '').toLowerCase();
    if (r !== 'uac' && r !== 'uas') return 'bad';
    refresher = r;
  }
  return { interval: Number(delta), refresher };
}

/** A Min-SE value (`90`, parameters ignored): undefined when absent, 'bad' when malformed. */
export function parseMinSE(value: string | undefined): number | 'bad' | undefined {
  if (value === undefined) return undefined;
  const delta = (value.split(';')[0] ?? '').trim();
  return DELTA.test(delta) ? Number(delta) : 'bad';
}

/** Whether a request's sender supports session timers (`timer` in its Supported, or in its Require). */
export const supportsTimer = (h: SipHeaders): boolean => optionTags([...h.all('supported'), ...h.all('require')]).includes('timer');

export type UasAnswer =
  | { readonly kind: 'refuse'; readonly status: 400 | 422; readonly reason: string; readonly headers: Header[] }
  | { readonly kind: 'timer'; readonly interval: number; readonly refresher: Refresher; readonly headers: Header[] };

/**
 * What we answer to an INVITE, re-INVITE or UPDATE (RFC 4028 9), with our policy:
 * - a malformed Session-Expires or Min-SE: 400;
 * - a Session-Expires below our minimum from a sender that supports timers: 422 with our Min-SE (a sender that
 *   does not could not retry: its interval is raised to our minimum instead, as the RFC's errata 1687 has it);
 * - otherwise a 2xx with Session-Expires: the interval asked for (not below the request's Min-SE), or ours when it
 *   named none; the refresher it chose, `uac` when it supports timers and chose none (polysim's choice where 9
 *   leaves it open), `uas` (us) when it does not support them; and `Require: timer` when it supports them.
 */
export function answerRequest(h: SipHeaders, policy: SessionTimerPolicy): UasAnswer {
  const se = parseSessionExpires(h.get('session-expires'));
  const min = parseMinSE(h.get('min-se'));
  if (se === 'bad' || min === 'bad') {
    return {
      kind: 'refuse',
      status: 400,
      reason: 'Bad Request',
      headers: [['Warning', `399 polysim "malformed ${se === 'bad' ? 'Session-Expires' : 'Min-SE'}"`]],
    };
  }
  const supported = supportsTimer(h);
  if (se && se.interval < policy.minSE && supported) {
    return { kind: 'refuse', status: 422, reason: 'Session Interval Too Small', headers: [['Min-SE', String(policy.minSE)]] };
  }
  const floor = Math.max(policy.minSE, min ?? 0);
  const interval = Math.max(se?.interval ?? policy.interval, floor);
  const refresher: Refresher = supported ? (se?.refresher ?? 'uac') : 'uas';
  const headers: Header[] = [['Session-Expires', `${interval};refresher=${refresher}`]];
  if (supported) headers.push(['Require', 'timer']);
  return { kind: 'timer', interval, refresher, headers };
}

export interface TimerHandle {
  cancel(): void;
}

export interface SessionTimerEnv {
  readonly schedule: (ms: number, fn: () => void) => TimerHandle;
  /** Time to refresh (we are the refresher): send a re-INVITE or UPDATE with request(). */
  readonly refresh: () => void;
  /** The session expired without a refresh: end the call (BYE). */
  readonly expire: () => void;
}

/** One dialog's session timer: the interval negotiated, who refreshes, the Min-SE learnt, and the two deadlines. */
export class SessionTimer {
  private current: { readonly interval: number; readonly refresher: boolean; readonly timers: TimerHandle[] } | undefined;
  /** The largest Min-SE of the dialog: ours, a 422's, or one a request of the far end carried (7.4). */
  private minSE: number;

  constructor(
    private readonly policy: SessionTimerPolicy,
    private readonly env: SessionTimerEnv,
  ) {
    this.minSE = policy.minSE;
  }

  /** The session's interval and whether we refresh it, while one runs. */
  get running(): { readonly interval: number; readonly refresher: boolean } | undefined {
    const c = this.current;
    return c && { interval: c.interval, refresher: c.refresher };
  }

  /** The interval our next request asks for. */
  private asked(): number {
    return Math.max(this.current?.interval ?? this.policy.interval, this.minSE);
  }

  /**
   * The headers of an INVITE, re-INVITE or UPDATE we send: the interval running, with the refresher as it is (we
   * keep refreshing, or leave it to the far end: 7.4), or ours asked anew; and the Min-SE of the dialog.
   */
  request(): Header[] {
    const c = this.current;
    const se = c ? `${this.asked()};refresher=${c.refresher ? 'uac' : 'uas'}` : String(this.asked());
    return [
      ['Session-Expires', se],
      ['Min-SE', String(this.minSE)],
    ];
  }

  /** A 422 to our request: its Min-SE becomes ours; true when the request may go again asking more (7.3). */
  tooSmall(h: SipHeaders): boolean {
    const min = parseMinSE(h.get('min-se'));
    if (typeof min !== 'number' || min <= this.asked()) return false;
    this.minSE = min;
    return true;
  }

  /** A 2xx to our request: its Session-Expires starts the timer again; without one the session has no expiry (7.2). */
  answered(h: SipHeaders): void {
    const se = parseSessionExpires(h.get('session-expires'));
    if (se === undefined || se === 'bad') {
      this.stop();
      return;
    }
    // we sent the request: `uac` is us (a 2xx must name one; none read as us, so that the session is kept up)
    this.start(se.interval, (se.refresher ?? 'uac') === 'uac');
  }

  /** What to answer to the far end's INVITE, re-INVITE or UPDATE (answerRequest); its Min-SE is learnt. */
  answer(h: SipHeaders): UasAnswer {
    const min = parseMinSE(h.get('min-se'));
    if (typeof min === 'number') this.minSE = Math.max(this.minSE, min);
    return answerRequest(h, this.policy);
  }

  /** Our 2xx with that answer went: the timer starts again (`uas` is us). */
  accepted(a: UasAnswer & { kind: 'timer' }): void {
    this.start(a.interval, a.refresher === 'uas');
  }

  private start(interval: number, refresher: boolean): void {
    this.stop();
    const ms = Math.min(Math.max(interval, RFC_MIN_SE), MAX_TIMED_INTERVAL) * 1000;
    const timers: TimerHandle[] = [];
    if (refresher) timers.push(this.env.schedule(ms / 2, () => this.env.refresh()));
    // the refresher gives up when the session runs out with no refresh answered; the other side a little before
    timers.push(this.env.schedule(refresher ? ms : ms - Math.min(32_000, ms / 3), () => this.expired()));
    this.current = { interval, refresher, timers };
  }

  private expired(): void {
    this.stop();
    this.env.expire();
  }

  stop(): void {
    for (const t of this.current?.timers ?? []) t.cancel();
    this.current = undefined;
  }
}
