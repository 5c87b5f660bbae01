/**
 * Starts one phone for real: its store (SQLite under the data dir, or memory), its profile, its boot provisioning,
 * its certificate and its listeners on the shared HTTP application. `polysim start` and the tests use this.
 */
import type { DialectMode } from '../phone/dialect/dialect.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FaultPlan } from '../gate/faults.js';
import { Journal } from '../gate/journal.js';
import { PhonePipeline } from '../gate/pipeline.js';
import { DEFAULT_ADMIN_PASSWORD } from '../gate/rules.js';
import { errorReport } from '../errors.js';
import type { ErrorReport } from '../errors.js';
import type { RequestSlot, SlotMode } from '../gate/slot.js';
import type { Clock } from '../phone/clock.js';
import { systemClock } from '../phone/clock.js';
import { LineRouter } from '../network/line-router.js';
import { Switchboard } from '../network/switchboard.js';
import { MediaEngine } from '../sip/media-engine.js';
import type { MediaContent } from '../sip/media-engine.js';
import { SipUserAgent } from '../sip/user-agent.js';
import type { IdSource } from '../phone/identity.js';
import { resolveProfile } from '../phone/models.js';
import { Phone } from '../phone/phone.js';
import type { PhoneTiming } from '../phone/phone.js';
import { Provisioner } from '../phone/provisioner.js';
import { forgetInstalledRelease, installedRelease } from '../phone/software-update.js';
import { OverrideUploads } from '../phone/override-upload.js';
import { CallListUploads } from '../phone/call-list-upload.js';
import { PhoneLogs } from '../phone/log-upload.js';
import { DirectorySync } from '../phone/directory-sync.js';
import type { PhoneStore } from '../phone/ports.js';
import { documentSender } from '../network/http-transfers.js';
import { PhoneTransfers } from '../network/transfers.js';
import type { TransferRate } from '../network/transfer-rate.js';
import { DEFAULT_TRUST, transferTrust } from '../network/transfer-trust.js';
import { PostQueue } from '../network/post-queue.js';
import { sipUserAgent } from '../phone/device-facts.js';
import { TelephonyNotifier } from '../webapps/telephony-notifier.js';
import { outboundRecord } from './outbound-journal.js';
import { hostAddress } from './host-address.js';
import { MemoryStore } from '../store/memory-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { HttpApp } from '../transport/http/app.js';
import { PhoneListeners } from '../transport/http/listeners.js';
import { certificateRequest, hasCertificate, lazyMaterial, phoneCertificate } from '../transport/tls.js';
import type { CertificateMaker, TlsMaterial } from '../transport/tls.js';
import type { ConnectionBudget, StreamLimits } from '../transport/connection-budget.js';
import type { GuardLimits } from '../transport/connection-guard.js';
import type { SharedPorts } from '../transport/shared-ports.js';
import { SipListener } from '../transport/sip/listener.js';
import { SipOutbound } from '../transport/sip/outbound.js';
import { SipTally } from '../transport/sip/sip-tally.js';
import { SipEndpoint } from '../transport/sip/sip-endpoint.js';
import { dnsClient } from '../transport/sip/dns-client.js';
import { sipTlsTrust } from '../transport/sip/tls-trust.js';
import { prepareDataDir } from './data-dir.js';
import { generatePassword, randomIds } from './random-ids.js';

export interface PhoneSpec {
  readonly model: string;
  readonly firmware?: string;
  /** `device` (default): answers as phones give them; `manual`: as the manual's pages (docs/fidelity.md). */
  readonly dialect?: DialectMode;
  readonly address: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly sipPort?: number;
  /** SIP over TLS, with the phone's certificate (needs sipPort too). */
  readonly sipTlsPort?: number;
  /** Where the phone keeps its state; absent: in memory only. */
  readonly dataDir?: string;
  readonly adminPassword?: string;
  /** CONFIG-level values (--set), applied at every boot. */
  readonly set?: Readonly<Record<string, string>>;
  /** The phone as shipped: REST API off, admin password 456, stored state cleared. */
  readonly factory?: boolean;
  /** Line 1's number in development mode. */
  readonly number?: string;
  readonly tls?: { certFile: string; keyFile: string };
  /** Where its own certificate is made ahead of its first TLS connection (a fleet's worker); absent: on that connection. */
  readonly certificates?: CertificateMaker;
  readonly timing?: Partial<PhoneTiming>;
  readonly slotMode?: SlotMode;
  readonly latencyMs?: number;
  readonly bodyTimeoutMs?: number;
  /** Overall deadline of each outbound file transfer (default 30 s). */
  readonly transferTimeoutMs?: number;
  /** A cap on transfers a second shared with the fleet's other phones. */
  readonly transferRate?: TransferRate;
  /** Deadline of each posted document (telephony events, polled state; default 5 s) and how many may wait (64). */
  readonly posts?: { readonly deadlineMs?: number; readonly max?: number };
  /** Bounds on SIP stream connections (per-phone cap, handshake and idle deadlines, message bounds). */
  readonly sipLimits?: Partial<StreamLimits>;
  /** Bounds on HTTP and HTTPS connections (per-phone cap, handshake and first-request deadlines). */
  readonly httpLimits?: Partial<GuardLimits>;
  /** The budget of connections to phones, HTTP and SIP alike (default: the process's, shared by every phone). */
  readonly connectionBudget?: ConnectionBudget;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** MACs other phones of the process hold (a fleet's): a phone made anew draws another. */
  readonly macTaken?: (mac: string) => boolean;
  /** Moves a MAC drawn anew into the range its fleet shard owns (shards.ts); absent: any MAC. */
  readonly macSuffix?: (draw: number) => number;
  readonly skypeDirectory?: ReadonlyMap<string, string>;
  /** The network the phone dials into (a fleet's switchboard); absent: a switchboard of its own. */
  readonly switchboard?: Switchboard;
  /** A real SIP server line 1 registers to (instead of the built-in switchboard), and its password ({number}: the line's number). */
  readonly registrar?: { readonly address: string; readonly port: number; readonly transport: 'UDPOnly' | 'TCPOnly' | 'TLS' };
  readonly sipPassword?: string;
  /**
   * The DNS server ("127.0.0.1:5353") registrars given by name are looked up at (RFC 3263 NAPTR, SRV, A/AAAA);
   * absent: POLYSIM_DNS_SERVER, else the system's resolver.
   */
  readonly dnsServer?: string;
  /** What calls on real SIP lines carry as RTP: a 400 Hz tone (default), silence, or no media at all (large fleets). */
  readonly media?: MediaContent | 'off';
  /**
   * Address mode: the fleet's listening sockets, one per port for every phone (shared-ports.ts), already open on the
   * phone's HTTP, HTTPS, SIP and SIP-TLS ports; the phone attaches its servers there instead of listening itself.
   */
  readonly sharedPorts?: SharedPorts;
}

export interface RunningPhone {
  readonly phone: Phone;
  /** The road every command takes to the phone, over HTTP, HTTPS and SIP alike. */
  readonly pipeline: PhonePipeline;
  readonly journal: Journal;
  readonly faults: FaultPlan;
  /** The phone's outbound documents (telephony events, polled state): their queue and counts. */
  readonly posts: PostQueue;
  /** The SIP listener (UDP and TCP), when the phone was given a SIP port. */
  readonly sip: SipListener | undefined;
  /** The SIP user agent (lines registered to real servers), with the SIP listener. */
  readonly ua: SipUserAgent | undefined;
  /** The SIP messages the phone received and sent, by method and status code (none without a SIP port). */
  readonly sipMessages: SipTally;
  readonly listeners: PhoneListeners;
  readonly slot: RequestSlot;
  readonly httpUrl: string;
  readonly httpsUrl: string;
  /** The certificate (PEM) the phone presents over HTTPS and SIP over TLS: made now if no connection made it yet. */
  certificate(): string;
  /** The admin password the phone holds right now. */
  adminPassword(): string;
  /**
   * Why a listener (HTTP, HTTPS or SIP) did not reopen when the phone came back from its last reboot or restart
   * (e.g. `listen`: the port was taken meanwhile), as an entry of the error catalogue; undefined when all did.
   */
  listenError(): ErrorReport | undefined;
  stop(): Promise<void>;
}

/** One media engine per process and content: one 20 ms tick drives every call's RTP. */
const engines = new Map<MediaContent, MediaEngine>();
function mediaEngine(content: MediaContent | 'off' = 'tone'): MediaEngine | undefined {
  if (content === 'off') return undefined;
  let e = engines.get(content);
  if (!e) engines.set(content, (e = new MediaEngine(content)));
  return e;
}

/** How long a stopping phone waits for the answers to its unregistrations (timer E retransmits at 0.5, 1.5 and 3.5 s). */
export const UNREGISTER_WAIT_MS = 4000;

/** `p`, or nothing after `ms` (real time: a network's wait, not the phone's clock). */
function withinMs(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

function openStore(spec: PhoneSpec): PhoneStore {
  if (!spec.dataDir) return new MemoryStore();
  prepareDataDir(spec.dataDir);
  return new SqliteStore(join(spec.dataDir, 'phone.db'));
}

/** The boot provisioning of a development phone: REST API on, a real password, line 1 with a number. */
function bootConfig(spec: PhoneSpec, store: PhoneStore, ids: IdSource): Record<string, string> {
  if (spec.factory) return { ...spec.set };
  const stored = store.loadLayers().CONFIG['device.auth.localAdminPassword'];
  const password = spec.adminPassword ?? (stored && stored !== DEFAULT_ADMIN_PASSWORD ? stored : generatePassword(ids));
  const number = spec.number ?? '1001';
  return {
    'apps.restapi.enabled': '1',
    'device.auth.localAdminPassword': password,
    'reg.1.address': number,
    'reg.1.label': number,
    // The call server of a development phone: the built-in switchboard, reached at the phone's own SIP port.
    'voIpProt.server.1.address': spec.address.includes(':') || spec.address === '0.0.0.0' ? '127.0.0.1' : spec.address,
    'voIpProt.server.1.port': String(spec.sipPort || 5060),
    ...(spec.registrar
      ? {
          'reg.1.server.1.address': spec.registrar.address,
          'reg.1.server.1.port': String(spec.registrar.port),
          'reg.1.server.1.transport': spec.registrar.transport,
        }
      : {}),
    ...(spec.sipPassword !== undefined ? { 'reg.1.auth.password': spec.sipPassword.replaceAll('{number}', number) } : {}),
    ...spec.set,
  };
}

const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);

export async function startPhone(spec: PhoneSpec, app: HttpApp, logger?: Logger): Promise<RunningPhone> {
  const shipped = resolveProfile(spec.model, spec.firmware);
  const store = openStore(spec);
  // The phone runs the release a software update installed (kept in its data dir), else the one it shipped with;
  // a factory phone is the phone as shipped. A stored release its model does not run (another model's data dir)
  // is passed over.
  if (spec.factory) forgetInstalledRelease(store);
  const installed = installedRelease(store);
  let profile = shipped;
  if (installed) {
    try {
      profile = resolveProfile(spec.model, installed);
    } catch {
      profile = shipped;
    }
  }
  let phone: Phone | undefined;
  let sip: SipListener | undefined;
  let ua: SipUserAgent | undefined;
  const sipMessages = new SipTally();
  try {
    const ids = spec.ids ?? randomIds;
    if (spec.factory) {
      store.clearLayers(['DEVICE', 'CONFIG', 'WEB', 'LOCAL']);
      store.clearCallLog();
    }
    const boot = bootConfig(spec, store, ids);
    // Wired once: the phone places its calls and reads its SIP lines' registrations through one router, which picks
    // per line between the switchboard and the SIP user agent (given to it below, before the phone starts).
    const clock = spec.clock ?? systemClock;
    const switchboard = spec.switchboard ?? new Switchboard(clock, ids);
    const router = new LineRouter(switchboard.network);
    // One journal for the requests the phone receives (its pipeline's) and the documents it posts.
    const journal = new Journal();
    const posts = new PostQueue({
      send: documentSender(() => sipUserAgent(phone?.profile ?? profile)),
      now: () => clock.now(),
      deadlineMs: spec.posts?.deadlineMs,
      max: spec.posts?.max,
      report: (result) => journal.add(outboundRecord(result, clock.now())),
    });
    phone = new Phone({
      profile,
      dialect: spec.dialect,
      store,
      ids,
      macTaken: spec.macTaken,
      macSuffix: spec.macSuffix,
      transfers: new PhoneTransfers({
        deadlineMs: spec.transferTimeoutMs,
        rate: spec.transferRate,
        // read at each transfer: provisioning may have just brought the CA or the name check
        trust: () => {
          const p = phone;
          return p ? transferTrust((name) => p.config.value(name)) : DEFAULT_TRUST;
        },
      }),
      clock: spec.clock,
      ...hostAddress(spec.address),
      bootConfig: boot,
      timing: spec.timing,
      skypeDirectory: spec.skypeDirectory,
      network: router,
      registrations: router,
      outbox: posts,
    });
    // Its parts each follow its down and up (listeners, user agent, provisioning and uploads, switchboard, the control
    // API's event stream): past node's default of 10 listeners an event, which is no leak.
    phone.setMaxListeners(32);
    new TelephonyNotifier(phone);
    switchboard.attach(phone);
    const made = phone;
    // The certificate is made (or the user's read) when a TLS listener first has a connection; the user's own pair is
    // checked now, so that a bad one fails the start with its reason.
    // A fleet has it made ahead on a worker (certificate-pool.ts): it is kept when first used, and a connection
    // that comes before it makes its own.
    let ahead: TlsMaterial | undefined;
    const tls = lazyMaterial(() => phoneCertificate(made, spec.tls, ahead));
    if (spec.tls) tls();
    else if (spec.certificates && !hasCertificate(made)) {
      void spec.certificates.make(certificateRequest(made)).then((m) => {
        ahead = m;
      });
    }
    // A listener that cannot reopen after a reboot is logged with its cause and kept for the phone's description
    // until the next reboot tries again.
    let listenError: ErrorReport | undefined;
    const reopenFailed =
      (listener: string) =>
      (err: unknown): void => {
        listenError = errorReport(err);
        logger?.error({ err, code: listenError.code }, `${listener} could not reopen`);
      };
    phone.on('down', () => {
      listenError = undefined;
    });
    const pipeline = new PhonePipeline(phone, { slotMode: spec.slotMode, latencyMs: spec.latencyMs, journal });
    const { faults, slot } = pipeline;
    const listeners = new PhoneListeners(phone, app.handler, {
      address: spec.address,
      httpPort: spec.httpPort,
      httpsPort: spec.httpsPort,
      tls,
      pipeline,
      bodyTimeoutMs: spec.bodyTimeoutMs,
      limits: spec.httpLimits,
      budget: spec.connectionBudget,
      onError: reopenFailed('HTTP listeners'),
      shared: spec.sharedPorts,
    });
    if (spec.sipPort !== undefined) {
      // The SIP parts, made in order: the endpoint every message goes to, the sockets and outbound connections
      // that deliver to it, the user agent that sends through them; the user agent is then given to the endpoint
      // and to the line router (each takes it once: sip-endpoint.ts, line-router.ts).
      // What arrives is counted on its way to the endpoint, and what leaves on its way to the sockets (sip-tally.ts).
      const endpoint = new SipEndpoint(phone, pipeline, { onError: (err) => logger?.error({ err }, 'SIP message handler failed') });
      const receiver = sipMessages.receiver(endpoint);
      const outbound = new SipOutbound(receiver, spec.sipLimits, () => sipTlsTrust((name) => made.config.value(name)));
      sip = new SipListener(
        phone,
        spec.address,
        spec.sipPort,
        spec.sipTlsPort === undefined ? undefined : { port: spec.sipTlsPort, material: tls },
        receiver,
        outbound,
        {
          limits: spec.sipLimits,
          budget: spec.connectionBudget,
          onReopenError: reopenFailed('SIP listener'),
          onError: (err) => logger?.error({ err }, 'SIP listener failed'),
          tally: sipMessages,
          shared: spec.sharedPorts,
        },
      );
      ua = new SipUserAgent(phone, sip, mediaEngine(spec.media), sip.advertised, dnsClient({ server: spec.dnsServer }));
      endpoint.attach(ua);
      router.attach(ua);
    }
    // provisioning at every boot and on its schedule; override files uploaded as settings change on the phone
    new Provisioner(phone);
    new OverrideUploads(phone);
    new CallListUploads(phone);
    new PhoneLogs(phone);
    new DirectorySync(phone);
    phone.start();
    await listeners.start();
    if (sip && ua) {
      try {
        await sip.start();
        // A SIP port picked at random is known only now: the built-in call server is reached there.
        if (
          !spec.sipPort &&
          !spec.factory &&
          boot['voIpProt.server.1.port'] === '5060' &&
          spec.set?.['voIpProt.server.1.port'] === undefined
        ) {
          boot['voIpProt.server.1.port'] = String(sip.port);
          phone.config.set('CONFIG', { 'voIpProt.server.1.port': String(sip.port) });
        }
        ua.start();
      } catch (err) {
        ua?.stop();
        await sip.stop();
        await listeners.stop();
        throw err;
      }
    }
    const host = urlHost(spec.address);
    const started = phone;
    return {
      phone: started,
      pipeline,
      listeners,
      slot,
      journal,
      faults,
      posts,
      sip,
      ua,
      sipMessages,
      httpUrl: `http://${host}:${listeners.httpPort}`,
      get httpsUrl() {
        return `https://${host}:${listeners.httpsPort}`;
      },
      certificate: () => tls().cert,
      adminPassword: () => started.config.value('device.auth.localAdminPassword'),
      listenError: () => listenError,
      stop: async () => {
        ua?.stop();
        // The lines' Expires: 0 go out and are answered (retransmitted over UDP, should a burst of them from a large
        // fleet overflow the registrar's socket) before the listener closes: within a bound, a registrar that does
        // not answer holds no stop for long.
        if (ua) await withinMs(ua.unregistered(), UNREGISTER_WAIT_MS);
        started.shutdown();
        await listeners.stop();
        await sip?.stop();
        store.close();
      },
    };
  } catch (err) {
    phone?.shutdown();
    store.close();
    throw err;
  }
}
