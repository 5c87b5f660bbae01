/**
 * The event stream of a fleet: what its phones do, as typed events (PolysimEvent, the schemas of event-schemas.ts;
 * the SDK's types are generated from them), fanned out to subscribers. A subscriber gets a snapshot per phone first, then changes: the phone's life (down,
 * initialising, ready), its calls, its LEDs and registrations when they change, configuration changes and every
 * request answered. Bounded: at most MAX_SUBSCRIBERS at once; a subscriber that cannot keep up is dropped by its
 * transport (send answers false), never buffered without limit here.
 */
import type { EventCall, EventLeds, EventLine, EventScreen, PolysimEvent } from './event-schemas.js';
import type { Clock } from '../phone/clock.js';
import { systemClock } from '../phone/clock.js';
import { ledsOf } from '../phone/leds.js';
import type { Phone } from '../phone/phone.js';
import type { ProvisioningReport } from '../phone/provisioning-report.js';
import type { Fleet } from './fleet.js';
import type { Journal, JournalEntry } from '../gate/journal.js';

export const MAX_SUBSCRIBERS = 64;

/** Distributes Omit over the union, so that each event keeps its own fields. */
type Unstamped<E> = E extends unknown ? Omit<E, 'seq' | 'at' | 'phone'> : never;
type EventBody = Unstamped<PolysimEvent>;

interface Subscriber {
  readonly phone: number | undefined;
  readonly send: (event: PolysimEvent) => boolean;
}

function callsOf(phone: Phone): EventCall[] {
  return phone.calls.all().map((c) => ({
    handle: c.handle,
    line: c.line,
    state: c.state,
    direction: c.direction,
    remoteNumber: c.remote.number,
    remoteName: c.remote.name,
    ringing: c.ringing,
    ...(c.connectedAt === undefined ? {} : { connectedAt: new Date(c.connectedAt).toISOString() }),
  }));
}

function ledsOfPhone(phone: Phone): EventLeds {
  const leds = ledsOf(phone);
  return { ...leds, Lines: [...leds.Lines] };
}

function screenOf(phone: Phone): EventScreen {
  const s = phone.screen;
  return {
    view: s.view(),
    softkeys: s.visibleSoftkeys().map((k) => k.label),
    dialBuffer: s.dialBuffer,
    text: s.text,
    selectedLine: s.selectedLine,
    offHook: s.offHook,
    ...(s.push.shown
      ? {
          push: {
            priority: s.push.shown.priority,
            text: s.push.shown.text,
            ...(s.push.shown.url ? { url: s.push.shown.url } : {}),
            waiting: s.push.queued.length,
          },
        }
      : {}),
    ...instantMessageOf(phone),
    ...(phone.locked ? { locked: true } : {}),
  };
}

/** Unread instant messages: how many, and the newest (the screen's notification). */
function instantMessageOf(phone: Phone): Pick<EventScreen, 'message'> {
  const latest = phone.messages.latestUnread();
  return latest ? { message: { unread: phone.messages.unread, line: latest.line, from: latest.peer, text: latest.text } } : {};
}

function linesOf(phone: Phone): EventLine[] {
  return phone.lines
    .all()
    .filter((l) => l.assigned)
    .map((l) => {
      const sip = l.sip;
      if (!sip) return { line: l.number, address: l.address, label: l.label, registered: l.registered };
      const s = l.servers.find((x) => x.index === sip.server) ?? l.servers[0];
      return {
        line: l.number,
        address: l.address,
        label: l.label,
        registered: l.registered,
        ...(s ? { server: `${s.address}:${s.port}` } : {}),
        ...(sip.reason ? { reason: sip.reason } : {}),
      };
    });
}

/** A journal entry as the snapshot's last request: what the fleet page shows before any request event. */
function requestOf(e: JournalEntry): NonNullable<Extract<PolysimEvent, { type: 'snapshot' }>['lastRequest']> {
  return {
    at: e.at,
    transport: e.transport,
    method: e.method,
    url: e.url,
    httpStatus: e.httpStatus,
    ms: e.ms,
    ...(e.auth ? { auth: e.auth } : {}),
    ...(e.status ? { status: e.status } : {}),
  };
}

export class EventHub {
  private seq = 0;
  /**
   * Events written to readers (one per reader it went to, snapshots included), and events a reader did not get
   * because it was cut off right then (it fell behind, or had gone): each ends that reader's subscription.
   */
  readonly counts = { delivered: 0, dropped: 0 };
  private readonly subscribers = new Set<Subscriber>();
  private readonly detach: (() => void)[] = [];
  /** The phones' journals, read only while someone subscribes (the journal then makes request details). */
  private readonly journals: { readonly i: number; readonly phone: Phone; readonly journal: Journal; stop?: () => void }[] = [];
  /** What was last sent of each phone's LEDs, registrations and screen (JSON), to send only changes. */
  private readonly last = new Map<string, string>();

  constructor(
    private readonly fleet: Fleet,
    private readonly clock: Clock = systemClock,
  ) {
    fleet.phones.forEach((r, i) => this.watch(i + 1, r.phone, r.journal));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Subscribes to one phone's events (or all with phone undefined); the snapshots are sent at once. */
  subscribe(phone: number | undefined, send: (event: PolysimEvent) => boolean): () => void {
    const sub: Subscriber = { phone, send };
    for (const [i, r] of this.fleet.phones.entries()) {
      if (phone !== undefined && phone !== i + 1) continue;
      const p = r.phone;
      const last = r.journal.lastReceived();
      if (
        !this.deliver(
          send,
          this.stamp(i + 1, {
            type: 'snapshot',
            state: p.state,
            model: p.profile.model.name,
            firmware: p.profile.firmware,
            number: p.lines.exists(1) ? p.lines.get(1).address : '',
            calls: callsOf(p),
            leds: ledsOfPhone(p),
            lines: linesOf(p),
            screen: screenOf(p),
            ...(last ? { lastRequest: requestOf(last) } : {}),
          }),
        )
      )
        return () => undefined;
    }
    if (this.subscribers.size === 0) this.wake();
    this.subscribers.add(sub);
    return () => this.drop(sub);
  }

  close(): void {
    for (const d of this.detach.splice(0)) d();
    this.subscribers.clear();
    this.sleep();
  }

  /**
   * The first subscriber: what was last sent is what the phones show now (nothing was computed while nobody
   * listened), and the journals are read.
   */
  private wake(): void {
    for (const j of this.journals) {
      this.differs(`leds:${j.i}`, ledsOfPhone(j.phone));
      this.differs(`lines:${j.i}`, linesOf(j.phone));
      this.differs(`screen:${j.i}`, screenOf(j.phone));
      j.stop ??= j.journal.onRecord((e, detail) => {
        this.publish(j.i, {
          type: 'request',
          transport: e.transport,
          method: e.method,
          url: e.url,
          httpStatus: e.httpStatus,
          ms: e.ms,
          ...(e.auth ? { auth: e.auth } : {}),
          ...(e.status ? { status: e.status } : {}),
          ...(e.direction ? { direction: e.direction, ...(e.detail ? { detail: e.detail } : {}) } : {}),
          ...detail,
        });
        // A key, the hook or text typed changes the screen without changing calls.
        this.changed(j.i, j.phone);
      });
    }
  }

  /** Nobody listens: no request details are made, no states compared. */
  private sleep(): void {
    for (const j of this.journals) {
      j.stop?.();
      j.stop = undefined;
    }
  }

  private drop(sub: Subscriber): void {
    if (this.subscribers.delete(sub) && this.subscribers.size === 0) this.sleep();
  }

  private stamp(phone: number, body: EventBody): PolysimEvent {
    return { ...body, seq: ++this.seq, at: new Date(this.clock.now()).toISOString(), phone } as PolysimEvent;
  }

  private publish(phone: number, body: EventBody): void {
    if (this.subscribers.size === 0) return;
    const event = this.stamp(phone, body);
    for (const sub of [...this.subscribers]) {
      if (sub.phone !== undefined && sub.phone !== phone) continue;
      if (!this.deliver(sub.send, event)) this.drop(sub);
    }
  }

  private deliver(send: (event: PolysimEvent) => boolean, event: PolysimEvent): boolean {
    const ok = send(event);
    this.counts[ok ? 'delivered' : 'dropped']++;
    return ok;
  }

  /** Publishes LEDs, registrations and the screen when they differ from what was last published. */
  private changed(i: number, phone: Phone): void {
    if (this.subscribers.size === 0) return;
    const leds = ledsOfPhone(phone);
    const lines = linesOf(phone);
    const screen = screenOf(phone);
    if (this.differs(`leds:${i}`, leds)) this.publish(i, { type: 'leds', leds });
    if (this.differs(`lines:${i}`, lines)) this.publish(i, { type: 'registration', lines });
    if (this.differs(`screen:${i}`, screen)) this.publish(i, { type: 'screen', screen });
  }

  private differs(key: string, value: unknown): boolean {
    const json = JSON.stringify(value);
    if (this.last.get(key) === json) return false;
    this.last.set(key, json);
    return true;
  }

  private watch(i: number, phone: Phone, journal: Journal): void {
    this.journals.push({ i, phone, journal });
    const onCalls = (): void => {
      if (this.subscribers.size === 0) return;
      this.publish(i, { type: 'calls', calls: callsOf(phone) });
      this.changed(i, phone);
    };
    const onDown = (reason: 'reboot' | 'restart'): void => {
      this.publish(i, { type: 'state', state: 'down', reason });
    };
    const onUp = (): void => this.publish(i, { type: 'state', state: 'initializing' });
    const onReady = (): void => {
      this.publish(i, { type: 'state', state: 'ready' });
      this.changed(i, phone);
    };
    const onConfig = (change: { layer: string; names: readonly string[] }): void => {
      if (this.subscribers.size === 0) return;
      this.publish(i, { type: 'config', layer: change.layer, names: [...change.names].slice(0, 1000) });
      this.changed(i, phone);
    };
    phone.on('calls', onCalls);
    phone.on('down', onDown);
    phone.on('up', onUp);
    phone.on('ready', onReady);
    phone.on('config', onConfig);
    const onProvisioning = (r: ProvisioningReport): void =>
      this.publish(i, {
        type: 'provisioning',
        trigger: r.trigger,
        startedAt: new Date(r.startedAt).toISOString(),
        ok: r.ok,
        files: [...r.files],
        changed: r.changed.slice(0, 1000),
        ignored: r.ignored.slice(0, 1000),
        ...(r.error === undefined ? {} : { error: r.error }),
        then: r.then,
      });
    phone.on('provisioning', onProvisioning);
    const onScreen = (): void => this.changed(i, phone);
    phone.on('screen', onScreen);
    const stopLines = phone.lines.onRegistrationChange(() => this.changed(i, phone));
    this.detach.push(() => {
      phone.off('calls', onCalls);
      phone.off('down', onDown);
      phone.off('up', onUp);
      phone.off('ready', onReady);
      phone.off('config', onConfig);
      phone.off('provisioning', onProvisioning);
      phone.off('screen', onScreen);
      stopLines();
    });
  }
}
