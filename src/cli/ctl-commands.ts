/** The commands of `polysim ctl`: group, command, and what each does with a PolyPhone client. */
import type { PolyPhone } from '@polysim/client';
import { CliError } from '../errors.js';

export type CtlCommand = (phone: PolyPhone, args: string[]) => Promise<unknown>;

const need = (args: string[], n: number, usage: string): void => {
  if (args.length < n) throw new CliError(`usage: ${usage}`);
};

/** name=value pairs. */
function pairs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CliError(`expected name=value, got ${a}`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

export const COMMANDS: Readonly<Record<string, Readonly<Record<string, CtlCommand>>>> = {
  device: {
    info: (p) => p.mgmt.deviceInfoV2(),
    stats: (p) => p.mgmt.deviceStats(),
    config: (p) => p.mgmt.runningConfig(),
    update: (p) => p.mgmt.softwareUpdateStatus(),
    power: (p) => p.mgmt.powerStatus(),
    leds: (p) => p.mgmt.ledStatus(),
    reboot: (p) => p.mgmt.safeReboot(),
    restart: (p) => p.mgmt.safeRestart(),
    'factory-reset': (p) => p.mgmt.factoryReset(),
    provision: (p) => p.mgmt.updateConfiguration(),
  },
  network: {
    info: (p) => p.mgmt.networkInfo(),
    stats: (p) => p.mgmt.networkStats(),
    'pc-port': (p) => p.mgmt.pcPortInfo(),
    bluetooth: (p) => p.mgmt.bluetoothInfo(),
    location: (p) => p.mgmt.locationInfo(),
    capture: (p, a) => p.network.uploadBgCapture(a[0]),
  },
  config: {
    get: async (p, a) => {
      need(a, 1, 'config get <name>...');
      return Object.entries(await p.mgmt.getConfig(a)).map(([name, v]) => ({ name, value: v.Value, source: v.Source }));
    },
    set: (p, a) => {
      need(a, 1, 'config set <name=value>...');
      return p.mgmt.setConfig(pairs(a));
    },
    reset: (p, a) => p.mgmt.configReset(a[0] as 'cloud' | 'local' | 'web' | 'device' | undefined),
    export: (p, a) => {
      need(a, 2, 'config export <url> <ConfigFiles|Local|Web|Device|All>');
      return p.mgmt.exportConfig(a[0] as string, a[1] as 'Local');
    },
    'transfer-type': (p, a) => (a[0] ? p.mgmt.setTransferType(a[0] as 'Blind') : p.mgmt.transferType()),
  },
  line: {
    info: (p, a) => p.mgmt.lineInfoV2(a[0] === undefined ? undefined : Number(a[0])),
  },
  call: {
    list: (p) => p.callctrl.calls(),
    status: (p) => p.callctrl.callStatus(),
    dial: (p, a) => {
      need(a, 1, 'call dial <number or SIP URI> [line]');
      return p.callctrl.dial(a[0] as string, a[1] ? { Line: Number(a[1]) } : {});
    },
    answer: (p, a) => p.callctrl.answer(a[0]),
    reject: (p, a) => p.callctrl.reject(a[0]),
    ignore: (p, a) => p.callctrl.ignore(a[0]),
    end: (p, a) => {
      need(a, 1, 'call end <ref>');
      return p.callctrl.end(a[0] as string);
    },
    hold: (p, a) => p.callctrl.hold(a[0]),
    resume: (p, a) => p.callctrl.resume(a[0]),
    join: (p) => p.callctrl.join(),
    transfer: (p, a) => {
      need(a, 2, 'call transfer <ref> <destination>');
      return p.callctrl.transfer(a[0] as string, a[1] as string);
    },
    mute: (p, a) => p.callctrl.mute(a[0] !== 'off'),
    dtmf: (p, a) => {
      need(a, 1, 'call dtmf <digits>');
      return p.callctrl.sendDtmf(a[0] as string);
    },
    logs: async (p, a) =>
      Object.entries(await p.mgmt.callLogs(a[0] as 'missed' | undefined)).flatMap(([kind, rows]) => rows.map((r) => ({ kind, ...r }))),
    sip: (p) => p.callctrl.sipStatus(),
  },
  screen: {
    key: (p, a) => {
      need(a, 1, 'screen key <KeyName>');
      return p.mgmt.simulateKeyEvent(a[0] as string);
    },
    hook: (p, a) => p.mgmt.simulateHook(a[0]?.toLowerCase() === 'down' ? 'Down' : 'Up'),
    text: (p, a) => p.mgmt.simulateTextInput(a.join(' ')),
    uixml: (p) => p.mgmt.uixml(),
  },
  session: {
    create: (p) => p.mgmt.createSession(),
    list: async (p) => (await p.mgmt.listSessions()).Sessions,
    delete: (p, a) => {
      need(a, 1, 'session delete <id>...');
      return p.mgmt.deleteSessions(a);
    },
  },
};
