/** `polysim start` (one phone) and `polysim fleet` (many): ready for development unless --factory. */
import { shardMacSuffix } from '../runtime/shards.js';
import type { Shard } from '../runtime/shards.js';
import type { DialectMode } from '../phone/dialect/dialect.js';
import type { CliIo } from './io.js';
import { table } from './ctl-format.js';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { createControlApp } from '../control/app.js';
import { isLoopback } from '../control/guard.js';
import { dnsTarget, shardOf } from '../control/shard-list.js';
import { ControlLogin } from '../control/login.js';
import type { ControlApp } from '../control/app.js';
import type { SlotMode } from '../gate/slot.js';
import { ADMIN_USER } from '../gate/auth/basic.js';
import { families, models } from '../phone/models.js';
import { isSteerable } from '../phone/movable-clock.js';
import { PhoneError } from '../phone/status.js';
import { startFleet } from '../runtime/fleet.js';
import type { Fleet } from '../runtime/fleet.js';
import type { RunningPhone } from '../runtime/phone-host.js';
import type { FleetPlan } from '../runtime/fleet-file.js';
import { runScenarios } from '../runtime/scenarios.js';
import { parseRegistrar } from '../runtime/registrar-address.js';
import { createHttpApp } from '../transport/http/app.js';
import { CliError, ListenError } from '../errors.js';
import { listenError } from '../transport/listen-error.js';
import { untilStopped } from './stop-signals.js';
import { armShutdownDeadline, SHUTDOWN_DEADLINE_MS } from './shutdown-deadline.js';

export interface StartCliOptions {
  model: string;
  firmware?: string;
  dialect?: DialectMode;
  address: string;
  addressRange?: string;
  /** fleet --per-phone-listeners: address mode without shared listening sockets. */
  perPhoneListeners?: boolean;
  count?: number;
  /** This process is one shard of a larger fleet (fleet --shard, --shards): its phones draw MACs of its own. */
  shardOf?: Shard;
  firstNumber: number;
  httpPort: number;
  httpsPort: number;
  sipPort: number;
  sipTlsPort: number;
  controlPort: number;
  controlToken?: string;
  controlAllowHost: string[];
  control: boolean;
  /** The fleet's other shards, for the dashboard: control API URLs, and/or a DNS name:port resolving to them. */
  peerControl?: string[];
  peersDns?: string;
  dataDir?: string;
  readyFile?: string;
  adminPassword?: string;
  set: Record<string, string>;
  factory?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  queue?: boolean;
  latencyMs: number;
  bodyTimeoutMs: number;
  transferTimeoutMs: number;
  transferAnswerMs: number;
  initMs?: number;
  restartMs?: number;
  rebootMs?: number;
  skypeAccount: Map<string, string>;
  logLevel: string;
  registrar?: string;
  registrarTransport: 'udp' | 'tcp' | 'tls';
  sipPassword?: string;
  media: 'tone' | 'silence' | 'off';
  /** The fleet clock (movable-clock.ts): times real time, and where it starts (ms since the epoch). */
  clockSpeed?: number;
  clockStart?: number;
  /** fleet --boot-spread: phones power on over this many ms. */
  bootSpread?: number;
  transferRate?: number;
}

/** --registrar host[:port] (port 5060, or 5061 over TLS). */
function registrarOf(o: StartCliOptions): { address: string; port: number; transport: 'UDPOnly' | 'TCPOnly' | 'TLS' } | undefined {
  if (o.registrar === undefined) return undefined;
  const r = parseRegistrar(o.registrar);
  if (!r.ok) throw new CliError(`--registrar ${o.registrar}: ${r.reason}`);
  const transport = o.registrarTransport === 'tls' ? 'TLS' : o.registrarTransport === 'tcp' ? 'TCPOnly' : 'UDPOnly';
  return { address: r.host, port: r.port ?? (o.registrarTransport === 'tls' ? 5061 : 5060), transport };
}

export { CliError };

/** The control API's address: loopback in address mode, else the phones' address. */
const controlHost = (o: Pick<StartCliOptions, 'address' | 'addressRange'>): string => (o.addressRange ? '127.0.0.1' : o.address);

/** The token the control API demands: --control-token, or one generated when it listens beyond loopback. */
export function controlToken(o: Pick<StartCliOptions, 'controlToken' | 'address' | 'addressRange'>): string | undefined {
  if (o.controlToken) return o.controlToken;
  return isLoopback(controlHost(o)) ? undefined : randomBytes(18).toString('base64url');
}

async function listenControl(
  fleet: Fleet,
  o: StartCliOptions,
  logger: Logger,
  login: ControlLogin | undefined,
): Promise<ControlApp | undefined> {
  if (!o.control) return undefined;
  // Shards of one fleet share one token: the peers are asked with this one's.
  const urls = o.peerControl ?? [];
  const peers = urls.length > 0 || o.peersDns !== undefined ? { source: { urls, dns: o.peersDns }, token: login?.token } : undefined;
  const control = await createControlApp(fleet, logger, { token: login?.token, login, allowHosts: o.controlAllowHost }, {}, {}, peers);
  try {
    await control.listen({ port: o.controlPort, host: controlHost(o) });
  } catch (err) {
    await control.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ListenError(`port in use: control port ${o.controlPort}`);
    throw listenError(err, `the control port ${controlHost(o)}:${o.controlPort}`, controlHost(o));
  }
  return control;
}

/** Where line 1 registers: a real SIP server, or the built-in switchboard. */
function lineServer(r: RunningPhone): string {
  const line = r.phone.lines.get(1);
  const s = line.servers[0];
  if (!line.assigned || !s) return '';
  return r.ua?.owns(1)
    ? `, registers to ${s.address}:${s.port} (${s.transport === 'TLS' ? 'TLS' : /TCP/.test(s.transport) ? 'TCP' : 'UDP'})`
    : ', on the built-in switchboard';
}

/** The control API's lines of the banner: with a token, the dashboard's link logs a browser in once. */
function controlLines(controlUrl: string | undefined, login: ControlLogin | undefined): string[] {
  if (!controlUrl) return [];
  return [
    `  control   ${controlUrl}/phones`,
    `  dashboard ${controlUrl}/${login ? `?login=${login.issueCode()}  (one-time login link; or /login with the token)` : ''}`,
    ...(login ? [`  token     ${login.token}  (control API: Authorization: Bearer <token>)`] : []),
  ];
}

function banner(r: RunningPhone, o: StartCliOptions, controlLines: readonly string[]): string[] {
  const { phone } = r;
  const restOn = phone.config.bool('apps.restapi.enabled') && phone.profile.model.restApi;
  const lines = [
    `polysim: ${phone.profile.model.name} (${phone.profile.family.platform} ${phone.profile.firmware}), MAC ${phone.identity.mac}`,
    `  REST API  ${r.httpUrl}/api/v2/mgmt/device/info`,
    `            ${r.httpsUrl}/api/v2/mgmt/device/info  (self-signed, CN ${phone.identity.mac.toLowerCase()})`,
    `  login     ${ADMIN_USER} / ${r.adminPassword()}`,
    `  line 1    ${phone.lines.get(1).address || '(none)'}${lineServer(r)}`,
    `  data      ${o.dataDir ?? '(in memory; use --data-dir to keep state)'}`,
  ];
  if (phone.dialectMode === 'manual')
    lines.push("  dialect   manual: answers as the manual's pages show them, not as phones do (docs/fidelity.md)");
  if (r.sip)
    lines.push(
      `  SIP       ${o.address}:${r.sip.port} UDP and TCP, ${r.sip.tlsPort ?? '-'} TLS (NOTIFY needs apps.restapi.sipNotify.enabled=1)`,
    );
  lines.push(...controlLines);
  if (!phone.profile.model.restApi) lines.push(`  note      the ${phone.profile.model.name} has no REST API: every path answers 404`);
  else if (!restOn) lines.push('  note      REST API is off (apps.restapi.enabled=0), as shipped: every path answers 404');
  else if (r.adminPassword() === '456') lines.push('  note      the admin password is the default 456: the API answers Status 4010');
  if (phone.profile.digestAuth && !phone.config.bool('httpd.rest.auth.basic.enabled')) {
    lines.push('  note      this firmware uses Digest; Basic is off (httpd.rest.auth.basic.enabled=0): use curl --digest');
  }
  const flag = phone.profile.digestAuth && !phone.config.bool('httpd.rest.auth.basic.enabled') ? '--digest ' : '';
  lines.push(`  try       curl -s ${flag}-u ${ADMIN_USER}:${r.adminPassword()} ${r.httpUrl}/api/v2/mgmt/device/info`);
  return lines;
}

export async function runStart(o: StartCliOptions, io: CliIo, plan?: FleetPlan): Promise<void> {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together');
  // Peers named wrongly are said before anything starts.
  for (const url of o.peerControl ?? []) shardOf(url, '--peer-control');
  if (o.peersDns !== undefined) dnsTarget(o.peersDns, '--peers-dns');
  const logger = pino({ level: o.logLevel }, pino.destination(2));
  const app = await createHttpApp(logger);
  const timing = Object.fromEntries(
    Object.entries({ initMs: o.initMs, restartMs: o.restartMs, rebootMs: o.rebootMs, transferAnswerMs: o.transferAnswerMs }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const count = o.count ?? 1;
  let fleet: Fleet;
  try {
    fleet = await startFleet(
      {
        count,
        model: o.model,
        firmware: o.firmware,
        dialect: o.dialect,
        address: o.address,
        addressRange: o.addressRange,
        sharedListeners: o.perPhoneListeners ? false : undefined,
        firstNumber: o.firstNumber,
        httpPort: o.httpPort,
        httpsPort: o.httpsPort,
        sipPort: o.sipPort,
        sipTlsPort: o.sipTlsPort,
        dataDir: o.dataDir,
        adminPassword: o.adminPassword ?? io.env['POLYSIM_ADMIN_PASSWORD'],
        set: o.set,
        factory: o.factory,
        tls: o.tlsCert && o.tlsKey ? { certFile: o.tlsCert, keyFile: o.tlsKey } : undefined,
        timing,
        slotMode: (o.queue ? 'queue' : 'reject') as SlotMode,
        latencyMs: o.latencyMs,
        bodyTimeoutMs: o.bodyTimeoutMs,
        transferTimeoutMs: o.transferTimeoutMs,
        skypeDirectory: o.skypeAccount,
        members: plan?.members,
        registrar: registrarOf(o),
        sipPassword: o.sipPassword,
        media: o.media,
        // a stopped clock would hold the phones' boot forever: they boot in real time, then the clock stops
        clockSpeed: o.clockSpeed === 0 ? 1 : o.clockSpeed,
        clockStart: o.clockStart,
        bootSpreadMs: o.bootSpread,
        transferRate: o.transferRate,
        macSuffix: o.shardOf ? (draw) => shardMacSuffix(draw, o.shardOf) : undefined,
      },
      app,
      logger,
    );
  } catch (err) {
    await app.close();
    if (err instanceof PhoneError) throw new CliError(`${plan ? `${plan.file}: ` : '--set: '}${err.detail ?? err.message}`);
    throw err;
  }
  let control: ControlApp | undefined;
  const token = controlToken({ ...o, controlToken: o.controlToken ?? io.env['POLYSIM_CONTROL_TOKEN'] });
  const login = token === undefined ? undefined : new ControlLogin(token);
  try {
    control = await listenControl(fleet, o, logger, login);
  } catch (err) {
    await fleet.stop();
    await app.close();
    throw err;
  }
  const host = controlHost(o);
  const controlUrl = control
    ? `http://${host.includes(':') ? `[${host}]` : host}:${(control.server.address() as { port: number }).port}`
    : undefined;
  await Promise.all(fleet.phones.map((r) => (r.phone.isReady ? undefined : new Promise<void>((ok) => r.phone.once('ready', () => ok())))));
  if (o.clockSpeed === 0 && isSteerable(fleet.clock)) fleet.clock.setSpeed(0);
  for (const [number, script] of plan?.farEnds ?? []) {
    if (number === 'default') fleet.switchboard.defaultScript = script;
    else fleet.switchboard.scripts.set(number, script);
  }
  const scenarios = plan && plan.scenarios.length > 0 ? runScenarios(fleet, plan.scenarios, fleet.clock, logger) : undefined;
  // Runs until SIGINT or SIGTERM (or, in-process, until the caller's signal aborts). Stopping unregisters SIP lines
  // (fleet.stop), then closes every connection (event streams, idle and half-open ones too); on a signal, a process
  // still there after SHUTDOWN_DEADLINE_MS (and a millisecond a phone: stopping 10,000 takes seconds) exits anyway. The handlers are in place before the ready file and the
  // banner say the phone is up: a harness that signals as soon as it reads them must not meet the default action.
  const stopped = untilStopped(io, async (signal) => {
    logger.info({ signal }, 'stopping');
    scenarios?.stop();
    // Left armed (it holds nothing open): a process still there after the deadline, whatever holds it, exits.
    if (signal !== 'abort') armShutdownDeadline(logger, signal, SHUTDOWN_DEADLINE_MS + fleet.phones.length);
    await control?.close();
    await fleet.stop();
    await app.close();
  });
  if (o.readyFile) {
    // Written whole under another name, then renamed: a harness polling for the file never reads half of it.
    const ready = {
      ready: true,
      control: controlUrl,
      phones: fleet.phones.map((r) => ({ httpUrl: r.httpUrl, httpsUrl: r.httpsUrl, number: r.phone.lines.get(1).address })),
    };
    writeFileSync(`${o.readyFile}.tmp`, `${JSON.stringify(ready, null, 2)}\n`);
    renameSync(`${o.readyFile}.tmp`, o.readyFile);
  }
  if (count === 1 && fleet.phones[0]) {
    io.stdout.write(`${banner(fleet.phones[0], o, controlLines(controlUrl, login)).join('\n')}\n`);
  } else {
    const first = fleet.phones[0] as RunningPhone;
    const last = fleet.phones[fleet.phones.length - 1] as RunningPhone;
    const kinds = new Map<string, number>();
    for (const r of fleet.phones) {
      const kind = `${r.phone.profile.model.name} (${r.phone.profile.family.platform} ${r.phone.profile.firmware})`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const what =
      kinds.size === 1 ? `${count} ${[...kinds.keys()][0]}` : `${count} phones: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`;
    const passwords = new Set(fleet.phones.map((r) => r.adminPassword()));
    io.stdout.write(
      [
        `polysim: fleet of ${what}${o.shardOf ? `, shard ${o.shardOf.index} of ${o.shardOf.count}` : ''}`,
        `  phones    ${first.httpUrl} ... ${last.httpUrl}`,
        `  https     ${first.httpsUrl} ... ${last.httpsUrl}`,
        ...(first.sip && last.sip
          ? [
              `  sip       ${first.sip.port} ... ${last.sip.port} (UDP, TCP)` +
                (first.sip.tlsPort !== undefined && last.sip.tlsPort !== undefined
                  ? `, TLS ${first.sip.tlsPort} ... ${last.sip.tlsPort}`
                  : ''),
            ]
          : []),
        ...(fleet.sharedPorts
          ? [
              `  sockets   ${[...fleet.sharedPorts.held].map(([port, what]) => `${what} 0.0.0.0:${port}`).join(', ')}: one for every phone (connections to other addresses are reset)`,
            ]
          : []),
        `  numbers   ${first.phone.lines.get(1).address} ... ${last.phone.lines.get(1).address}`,
        `  login     ${ADMIN_USER} / ${passwords.size === 1 ? first.adminPassword() : '(per phone: see the fleet file)'}`,
        ...(plan && plan.scenarios.length > 0
          ? [`  scenarios ${plan.scenarios.map((sc) => `${sc.kind} on phone ${sc.phone}`).join(', ')}`]
          : []),
        ...controlLines(controlUrl, login),
      ].join('\n') + '\n',
    );
  }

  await stopped;
}

export function modelTable(): string {
  const yes = (b: boolean): string => (b ? 'yes' : '-');
  return table(
    models.map((m) => {
      const f = families[m.family];
      return {
        model: m.name,
        family: f.label,
        software: `${f.platform} ${f.minFirmware.replace(/\.0$/, '')}+`,
        default: f.defaultFirmware,
        lines: m.lines,
        'PC port': yes(m.pcPort),
        Bluetooth: yes(m.bluetooth),
        'Wi-Fi': yes(m.wifi),
        'REST API': m.restApi ? 'yes' : 'none',
      };
    }),
  ).trimEnd();
}
