/** `polysim start`: one phone, ready for development unless --factory; prints its URLs and credentials. */
import { pino } from 'pino';
import type { SlotMode } from '../gate/slot.js';
import { ADMIN_USER } from '../gate/auth/basic.js';
import { families, models } from '../phone/models.js';
import { PhoneError } from '../phone/status.js';
import { startPhone } from '../runtime/phone-host.js';
import { createHttpApp } from '../transport/http/app.js';

export interface StartCliOptions {
  model: string;
  firmware?: string;
  address: string;
  httpPort: number;
  httpsPort: number;
  sipPort: number;
  dataDir?: string;
  adminPassword?: string;
  set: Record<string, string>;
  factory?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  queue?: boolean;
  latencyMs: number;
  bodyTimeoutMs: number;
  initMs?: number;
  restartMs?: number;
  rebootMs?: number;
  skypeAccount: Map<string, string>;
  logLevel: string;
}

export class CliError extends Error {}

export async function runStart(o: StartCliOptions): Promise<void> {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together');
  const logger = pino({ level: o.logLevel }, pino.destination(2));
  const app = await createHttpApp(logger);
  const timing = Object.fromEntries(
    Object.entries({ initMs: o.initMs, restartMs: o.restartMs, rebootMs: o.rebootMs }).filter(([, v]) => v !== undefined),
  );
  let running;
  try {
    running = await startPhone({
      model: o.model, firmware: o.firmware, address: o.address, httpPort: o.httpPort, httpsPort: o.httpsPort,
      sipPort: o.sipPort, dataDir: o.dataDir, adminPassword: o.adminPassword, set: o.set, factory: o.factory,
      tls: o.tlsCert && o.tlsKey ? { certFile: o.tlsCert, keyFile: o.tlsKey } : undefined,
      timing, slotMode: (o.queue ? 'queue' : 'reject') as SlotMode, latencyMs: o.latencyMs, bodyTimeoutMs: o.bodyTimeoutMs, skypeDirectory: o.skypeAccount,
    }, app, logger);
  } catch (err) {
    await app.close();
    if (err instanceof PhoneError) throw new CliError(`--set: ${err.detail ?? err.message}`);
    throw err;
  }
  const { phone } = running;
  const ready = phone.isReady ? Promise.resolve() : new Promise<void>((r) => phone.once('ready', () => r()));
  await ready;
  const restOn = phone.config.bool('apps.restapi.enabled') && phone.profile.model.restApi;
  const lines = [
    `polysim: ${phone.profile.model.name} (${phone.profile.family.platform} ${phone.profile.firmware}), MAC ${phone.identity.mac}`,
    `  REST API  ${running.httpUrl}/api/v2/mgmt/device/info`,
    `            ${running.httpsUrl}/api/v2/mgmt/device/info  (self-signed, CN ${phone.identity.mac.toLowerCase()})`,
    `  login     ${ADMIN_USER} / ${running.adminPassword()}`,
    `  data      ${o.dataDir ?? '(in memory; use --data-dir to keep state)'}`,
  ];
  if (!phone.profile.model.restApi) lines.push(`  note      the ${phone.profile.model.name} has no REST API: every path answers 404`);
  else if (!restOn) lines.push('  note      REST API is off (apps.restapi.enabled=0), as shipped: every path answers 404');
  else if (running.adminPassword() === '456') lines.push('  note      the admin password is the default 456: the API answers Status 4010');
  if (phone.profile.digestAuth && !phone.config.bool('httpd.rest.auth.basic.enabled')) {
    lines.push('  note      this firmware disables Basic auth by default (httpd.rest.auth.basic.enabled=0)');
  }
  lines.push('  try       curl -su ' + `${ADMIN_USER}:${running.adminPassword()} ${running.httpUrl}/api/v2/mgmt/device/info`);
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      void running.stop().then(() => app.close()).then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export function modelTable(): string {
  const head = 'model      family                software  default  lines  PC port  Bluetooth  Wi-Fi  REST API';
  const rows = models.map((m) => {
    const f = families[m.family];
    const yes = (b: boolean): string => (b ? 'yes' : '-');
    return `${m.name.padEnd(10)} ${f.label.padEnd(21)} ${`${f.platform} ${f.minFirmware.replace(/\.0$/, '')}+`.padEnd(9)} ` +
      `${f.defaultFirmware.padEnd(8)} ${String(m.lines).padStart(5)}  ${yes(m.pcPort).padEnd(7)}  ${yes(m.bluetooth).padEnd(9)}  ` +
      `${yes(m.wifi).padEnd(5)}  ${m.restApi ? 'yes' : 'none'}`;
  });
  return [head, ...rows].join('\n');
}
