/**
 * Phone: one virtual Poly phone. It composes identity, configuration, lines and the device's runtime state, and
 * runs its lifecycle: boot -> initializing -> ready, and safeRestart / safeReboot / factoryReset, during which the
 * phone is away (its transports close their listeners on 'down' and reopen them on 'up').
 *
 *        start()            init timer                 restart()/reboot()
 *   off ─────────> initializing ─────────> ready ───────────────────────> down ──(restart/reboot time)──> initializing
 *
 * It knows nothing of HTTP, SIP or SQL: it is given a store, a clock, an id source and a file-transfer port.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from './clock.js';
import { systemClock } from './clock.js';
import { BlfKeys } from './blf.js';
import { BootState } from './boot-state.js';
import { dialectOf } from './dialect/dialect.js';
import type { Dialect, DialectMode } from './dialect/dialect.js';
import { LayeredConfig } from './config/layered-config.js';
import type { ConfigChange } from './config/layered-config.js';
import { NO_UPLOAD_DIRECTORIES } from './config/cfg-xml.js';
import type { UploadDirectories } from './config/cfg-xml.js';
import { STORED_LAYERS } from './config/types.js';
import type { StoredLayer } from './config/types.js';
import type { IdSource } from './identity.js';
import { loadOrCreateIdentity } from './identity.js';
import { LineTable } from './lines.js';
import { MessageInbox } from './messages.js';
import { ContactDirectory } from './contact-directory.js';
import type { DirectorySource } from './contact-directory.js';
import type { RegistrationSource } from './lines.js';
import type { Profile } from './models.js';
import type { CallLogRecord, Identity, Outbox, PhoneStore, Transfers } from './ports.js';
import { CallManager } from './calls/call-manager.js';
import type { CallNetwork } from './calls/signal.js';
import { Screen } from './screen/screen.js';
import { SessionTable } from './sessions.js';
import { TelephonyWatcher } from './telephony.js';
import type { ProvisioningReport } from './provisioning-report.js';
import { Traffic } from './traffic.js';
import type { TelephonyEvent } from './telephony.js';
import { PhoneError, Status } from './status.js';

export type PhoneState = 'initializing' | 'ready' | 'down';
export type DownReason = 'restart' | 'reboot';

export interface PhoneTiming {
  /** How long the phone initialises after each boot (config/set answers 4001 meanwhile). */
  readonly initMs: number;
  /** How long a safeRestart keeps the phone away. */
  readonly restartMs: number;
  /** How long a safeReboot or factoryReset keeps the phone away. */
  readonly rebootMs: number;
  /** How long a Skype for Business sign-in waits for a directory that does not answer. */
  readonly skypeSignInTimeoutMs: number;
  /**
   * How long an operation that transfers a file (config export, capture upload, provisioning) keeps its request
   * waiting; a transfer still running then goes on in the background and the request is answered.
   */
  readonly transferAnswerMs: number;
}

export const DEFAULT_TIMING: PhoneTiming = {
  initMs: 1500,
  restartMs: 8000,
  rebootMs: 25000,
  skypeSignInTimeoutMs: 150_000,
  transferAnswerMs: 5000,
};

export interface PhoneOptions {
  readonly profile: Profile;
  /** `device` (default): answers as phones give them, each fact within its scope; `manual`: as the manual's pages. */
  readonly dialect?: DialectMode;
  readonly store: PhoneStore;
  readonly ids: IdSource;
  /** MACs other phones of the process hold (a fleet's): a new identity draws another. */
  readonly macTaken?: (mac: string) => boolean;
  /** Moves a drawn MAC suffix (24 bits) into the range this phone's part of a fleet owns. */
  readonly macSuffix?: (draw: number) => number;
  readonly transfers: Transfers;
  readonly clock?: Clock;
  /** The addresses the phone holds on its network. */
  readonly ipv4: string;
  readonly ipv6?: string;
  /** CONFIG-level values the phone receives at every boot, as from its provisioning (CLI --set, dev defaults). */
  readonly bootConfig?: Readonly<Record<string, string>>;
  readonly timing?: Partial<PhoneTiming>;
  /** Skype for Business accounts (address -> password) the simulated directory knows. */
  readonly skypeDirectory?: ReadonlyMap<string, string>;
  /** The network calls go out to (the host's line router); absent: every number is unreachable. */
  readonly network?: CallNetwork;
  /** How lines on real SIP servers stand (the host's line router); absent: every line is the switchboard's. */
  readonly registrations?: RegistrationSource;
  /** Where posted documents (telephony events, polled state) go; absent: nowhere. */
  readonly outbox?: Outbox;
}

const NO_OUTBOX: Outbox = { push: () => undefined, clear: () => undefined };

/** A network where no number answers. */
const nowhere: CallNetwork = {
  connect: (dest, offer) => {
    offer.caller.receive({ type: 'rejected', reason: 'not-found' });
    return { inbox: { receive: () => undefined }, party: { number: dest, name: '', address: '' } };
  },
};

export interface BluetoothDevice {
  readonly type: string;
  readonly name: string;
  readonly profile: string;
  readonly connected: boolean;
  readonly signalStrength: number;
}

export interface ModularRoomDevice {
  readonly name: string;
  readonly model: string;
  readonly mac: string;
  readonly components: readonly { readonly componentType: string; readonly version: string }[];
}

export interface Peripherals {
  pcMac: string;
  bluetooth: BluetoothDevice[];
  modularRoom: ModularRoomDevice[];
}

/** How a file transfer that outlived its request ended (see PhoneTiming.transferAnswerMs). */
export interface TransferReport {
  readonly operation: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface PhoneEvents {
  down: [reason: DownReason];
  transfer: [report: TransferReport];
  up: [];
  ready: [];
  config: [change: ConfigChange];
  calls: [];
  /** The screen changed by itself (a push message shown or closed outside a request). */
  screen: [];
  /** What applications are told of (telephony.ts), raised while the phone is ready. */
  telephony: [event: TelephonyEvent];
  /** A provisioning run ended: at boot, on the polling schedule, or asked for (provisioner.ts). */
  provisioning: [report: ProvisioningReport];
  /** The call list changed: an entry added, or the list cleared. */
  callLog: [];
  /** The contact directory changed: edited on the phone, or brought by the server. */
  directory: [source: DirectorySource];
}

/** Call log entries kept per kind (missed, received, placed), as a real phone keeps its recent lists. */
export const CALL_LOG_KEEP = 100;

export class Phone extends EventEmitter<PhoneEvents> {
  /** Its model and the release it runs: another release once a software update installed one (runRelease). */
  profile: Profile;
  readonly identity: Identity;
  readonly config: LayeredConfig;
  readonly lines: LineTable;
  readonly clock: Clock;
  readonly store: PhoneStore;
  readonly transfers: Transfers;
  readonly ids: IdSource;
  readonly timing: PhoneTiming;
  readonly ipv4: string;
  readonly ipv6: string;
  /** How this model and firmware shape their answers where devices differ from the manual (dialect/facts.ts). */
  dialect: Dialect;
  /** Which dialect the phone speaks: as devices answer (default) or as the manual's pages. */
  readonly dialectMode: DialectMode;

  state: PhoneState = 'down';
  /** When the device last rebooted (device uptime) and when the application last started. */
  bootedAt = 0;
  appStartedAt = 0;
  /** Where uploads go, as the last master configuration file named them (provisioning.ts). */
  uploadDirectories: UploadDirectories = NO_UPLOAD_DIRECTORIES;
  /** Last user-visible activity (keys, touch, hook, calls): drives the power state. */
  lastActivityAt = 0;
  /** What its network interface carried: counted packets, requests of the last 10 seconds. */
  readonly traffic: Traffic;
  /** What is plugged into or paired with the phone (set by polysim's control API; empty as shipped). */
  readonly peripherals: Peripherals = { pcMac: '', bluetooth: [], modularRoom: [] };
  /** The simulated Skype for Business directory: address (lower case) -> password. */
  readonly skypeDirectory: Map<string, string>;
  /** REST sessions; a reboot or restart ends them. */
  readonly sessions: SessionTable;
  /** Where call audio goes: the speaker (hands-free), the handset (off hook) or a headset. */
  audioPath: 'speaker' | 'handset' | 'headset' = 'speaker';
  /** The phone's calls. */
  readonly calls: CallManager;
  /** The screen, keys and hook. */
  readonly screen: Screen;
  /** Instant messages received and sent on the lines (SIP MESSAGE). */
  readonly messages: MessageInbox;
  /** The local contact directory, kept across reboots (contact-directory.ts). */
  readonly directory: ContactDirectory;
  /** The busy lamp field: other users' lines watched on this phone's line keys (attendant.resourceList.N). */
  readonly blf: BlfKeys;
  /** The network calls go out to, given at construction (the host's line router: switchboard or SIP, per line). */
  readonly network: CallNetwork;
  /** Where the phone's posted documents go (the host's outbound queue). */
  readonly outbox: Outbox;
  /** What the phone holds until its next restart or reboot (Skype sign-in, provisioning run, captures, ...). */
  boot = new BootState();

  /** CONFIG values the phone receives at every boot (its boot provisioning), those its release has. */
  bootConfig: Readonly<Record<string, string>>;
  /** Every boot provisioning value it was given (another release may have parameters this one lacks). */
  private readonly givenBootConfig: Readonly<Record<string, string>>;
  private timer: TimerHandle | undefined;
  /** The phone is locked (phone lock): only its unlock is taken from the keys. */
  private lockedNow = false;
  /** The user logged in to the phone (user profiles / hot desking), if any. */
  private userNow: string | undefined;
  private readonly watcher: TelephonyWatcher;
  /** Work that runs as the phone boots, which it waits for before it is ready (its host's: provisioning). */
  private readonly bootTasks: (() => Promise<unknown> | undefined)[] = [];

  constructor(options: PhoneOptions) {
    super();
    // Every part of the phone's host follows its life ('down', 'up'): HTTP and SIP listeners, registrations, uploads,
    // provisioning, the event stream... a dozen listeners of one event is the design, not a leak.
    this.setMaxListeners(32);
    this.profile = options.profile;
    this.dialectMode = options.dialect ?? 'device';
    this.dialect = dialectOf(options.profile, this.dialectMode);
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.traffic = new Traffic(this.clock);
    this.ids = options.ids;
    this.transfers = options.transfers;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.ipv4 = options.ipv4;
    this.ipv6 = options.ipv6 ?? '';
    this.identity = loadOrCreateIdentity(
      this.store,
      this.ids,
      this.profile.family.platform,
      this.clock.now(),
      options.macTaken,
      options.macSuffix,
    );
    this.config = new LayeredConfig(this.profile, this.store);
    this.config.onChange((change) => {
      // A new admin password ends every REST session opened with the old one.
      if (change.names.includes('device.auth.localAdminPassword')) this.sessions?.clear();
      this.emit('config', change);
    });
    this.lines = new LineTable(this.profile, this.config, options.registrations);
    this.sessions = new SessionTable(this.clock, this.ids);
    this.network = options.network ?? nowhere;
    this.outbox = options.outbox ?? NO_OUTBOX;
    this.calls = new CallManager({
      clock: this.clock,
      ids: this.ids,
      lines: this.lines,
      network: () => this.network,
      self: (line) => {
        const l = this.lines.get(line);
        return { number: l.address.split('@')[0] ?? '', name: l.displayName || l.label, address: this.ipv4 || this.ipv6 };
      },
      log: (record) => this.addCallLog(record),
      appearances: () => this.config.int('call.callsPerLineKey'),
      ringNoAnswerMs: (line) => this.config.int(`divert.noanswer.${line}.timeout`) * 1000,
      changed: () => {
        this.noteActivity();
        this.emit('calls');
      },
    });
    this.messages = new MessageInbox({ now: () => this.clock.now(), changed: () => this.screenChanged() });
    this.directory = new ContactDirectory(this.store, (source) => this.emit('directory', source));
    this.blf = new BlfKeys(this.config, () => this.screenChanged());
    this.screen = new Screen(this);
    this.watcher = new TelephonyWatcher({
      calls: this.calls,
      now: () => this.clock.now(),
      registered: () => new Map(this.lines.assigned().map((l) => [l.number, l.registered] as const)),
    });
    // The watcher looks only while the phone is ready: what changes as it boots is seen (and told) once it is.
    this.on('calls', () => this.isReady && this.raise(this.watcher.callsChanged()));
    this.on('config', () => this.isReady && this.raise(this.watcher.registrationsChanged()));
    this.lines.onRegistrationChange(() => this.isReady && this.raise(this.watcher.registrationsChanged()));
    this.bootConfig = options.bootConfig ?? {};
    this.givenBootConfig = this.bootConfig;
    this.skypeDirectory = new Map([...(options.skypeDirectory ?? new Map<string, string>())].map(([a, p]) => [a.toLowerCase(), p]));
    // Validate boot provisioning now, so a bad --set is refused before anything starts.
    for (const name of Object.keys(this.bootConfig)) {
      if (!this.config.has(name)) throw new PhoneError(Status.INVALID_INPUT, `unknown parameter ${name}`);
    }
  }

  /**
   * Adds work to every boot (from the next power-on): `task` starts it and gives what the phone waits for before it
   * is ready, or undefined when there is nothing to do this time.
   */
  whileBooting(task: () => Promise<unknown> | undefined): void {
    this.bootTasks.push(task);
  }

  /** Powers the phone on: boot provisioning, then initialising until ready. */
  start(): void {
    this.powerOn('reboot');
  }

  get isUp(): boolean {
    return this.state !== 'down';
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Leaves the network for the restart or reboot time, then boots again. The caller answers first. */
  goDown(reason: DownReason): void {
    if (this.state === 'down') return;
    this.calls.endAll();
    // A graceful restart tells applications its lines unregister; what waits to be posted still goes.
    this.raise(this.watcher.goingDown());
    this.timer?.cancel();
    this.state = 'down';
    this.boot = new BootState();
    this.emit('down', reason);
    const ms = reason === 'reboot' ? this.timing.rebootMs : this.timing.restartMs;
    this.timer = this.clock.schedule(ms, () => this.powerOn(reason));
  }

  /**
   * Runs another release of its model's software (a software update installed it, software-update.ts): its
   * answers, dialect and parameters are that release's from the boot that follows. Only while the phone is down.
   */
  runRelease(profile: Profile): void {
    if (this.isUp) throw new Error('a phone changes release only while it is down');
    if (profile.model !== this.profile.model) throw new Error(`${profile.model.name} software cannot run on a ${this.profile.model.name}`);
    this.profile = profile;
    this.dialect = dialectOf(profile, this.dialectMode);
    this.config.useProfile(profile);
    // Boot provisioning values of parameters this release lacks are passed over, as a phone ignores them.
    this.bootConfig = Object.fromEntries(Object.entries(this.givenBootConfig).filter(([name]) => this.config.has(name)));
  }

  /** Clears layers; a cleared CONFIG layer gets the boot provisioning again, as a phone re-provisions. */
  resetConfig(layers: readonly StoredLayer[]): void {
    this.config.clear(layers);
    if (layers.includes('CONFIG') && Object.keys(this.bootConfig).length > 0) this.config.set('CONFIG', this.bootConfig);
  }

  /** Clears every stored layer and the call log: the phone as shipped, before its next boot provisioning. */
  factoryReset(): void {
    this.config.clear(STORED_LAYERS);
    this.store.clearCallLog();
    this.directory.replace([], 'server');
  }

  /** Stops timers; the phone stays down. */
  shutdown(): void {
    this.calls.endAll();
    this.watcher.reset();
    this.outbox.clear();
    this.timer?.cancel();
    this.timer = undefined;
    if (this.state !== 'down') {
      this.state = 'down';
      this.emit('down', 'reboot');
    }
  }

  /** Interface packet counters since boot (the traffic's, by this phone's uptime). */
  packets(): { rx: number; tx: number } {
    return this.traffic.packets(this.uptimeMs());
  }

  /** Call handles on a line. */
  callsOnLine(line: number): string[] {
    return this.calls.onLine(line).map((c) => c.handle);
  }

  /** True while any call exists. */
  inCall(): boolean {
    return this.calls.all().length > 0;
  }

  screenChanged(): void {
    this.emit('screen');
  }

  noteActivity(): void {
    this.lastActivityAt = this.clock.now();
  }

  callLog(): CallLogRecord[] {
    return this.store.loadCallLog();
  }

  addCallLog(record: CallLogRecord): void {
    this.store.appendCallLog(record, CALL_LOG_KEEP);
    this.emit('callLog');
  }

  get locked(): boolean {
    return this.lockedNow;
  }

  /** Locks or unlocks the phone (phone lock); a change is a phoneLock or phoneUnlock event. */
  setLocked(locked: boolean): void {
    if (locked === this.lockedNow) return;
    this.lockedNow = locked;
    this.noteActivity();
    this.raise([{ kind: locked ? 'phoneLock' : 'phoneUnlock' }]);
    this.screenChanged();
  }

  get user(): string | undefined {
    return this.userNow;
  }

  /** A user logs in (user profiles); another user's session ends first, as the phone logs the previous one out. */
  logIn(user: string): void {
    if (this.userNow === user) return;
    if (this.userNow !== undefined) this.logOut();
    this.userNow = user;
    this.raise([{ kind: 'userLogin', user }]);
  }

  logOut(): void {
    const user = this.userNow;
    if (user === undefined) return;
    this.userNow = undefined;
    this.raise([{ kind: 'userLogout', user }]);
  }

  /** Raises what the watcher saw, while the phone is ready (an initialising or rebooting phone tells nobody). */
  private raise(events: readonly TelephonyEvent[]): void {
    if (this.state !== 'ready') return;
    for (const e of events) this.emit('telephony', e);
  }

  /** Milliseconds since the last reboot. */
  uptimeMs(): number {
    return this.state === 'down' ? 0 : this.clock.now() - this.bootedAt;
  }

  private powerOn(reason: DownReason): void {
    const now = this.clock.now();
    if (reason === 'reboot') {
      this.bootedAt = now;
      this.traffic.restart();
    }
    this.appStartedAt = now;
    this.lastActivityAt = now;
    this.boot = new BootState();
    this.sessions.clear();
    this.screen.reset();
    this.messages.clear();
    this.audioPath = 'speaker';
    if (Object.keys(this.bootConfig).length > 0) this.config.set('CONFIG', this.bootConfig);
    this.state = 'initializing';
    this.emit('up');
    const boot = this.boot;
    const ready = (): void => {
      if (this.boot !== boot || this.state !== 'initializing') return;
      this.state = 'ready';
      this.emit('ready');
      // The UI is up, then the lines register: what a booting phone tells applications, in that order.
      this.raise([{ kind: 'uiInitialization' }]);
      this.raise(this.watcher.registrationsChanged());
    };
    // What runs as the phone boots (its provisioning run): it is ready once that ended, well or not, and the
    // initialisation time passed.
    const tasks = this.bootTasks.map((task) => task()).filter((t): t is Promise<unknown> => t !== undefined);
    const booted = tasks.length > 0 ? Promise.allSettled(tasks) : undefined;
    const initialised = (): void => {
      if (booted) void booted.then(ready);
      else ready();
    };
    if (this.timing.initMs <= 0) initialised();
    else this.timer = this.clock.schedule(this.timing.initMs, initialised);
  }
}
