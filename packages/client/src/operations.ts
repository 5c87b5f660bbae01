/**
 * One method per operation of the manual, grouped as the manual groups them (Management, WebCallControl,
 * Network). Inputs are typed as the manual gives them; answers are the `data` of the phone's answer. Paths come
 * from the server's operation table (paths.ts, generated), never written here.
 */
import type { Answer, PolyPhoneBase } from './poly-phone.js';
import type { Data, Input } from './types.js';
import { BODY_LIMIT } from './body-limit.js';
import { PATHS } from './paths.js';
import type { PathSuffix } from './paths.js';

export type Ref = { Ref?: string };
export type ConfigType = 'ConfigFiles' | 'Local' | 'Web' | 'Device' | 'All';
export type ConfigValues = Data<'Management.GetConfig'>;
export type Position = { X: number | string; Y: number | string };

/** Splits items into groups whose JSON stays under the body limit (with room for the envelope). */
function chunks<T>(items: readonly T[], size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let total = 0;
  const room = BODY_LIMIT - 64;
  for (const item of items) {
    const n = size(item) + 1;
    if (current.length > 0 && total + n > room) {
      out.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function managementApi(p: PolyPhoneBase) {
  const get = <T = Record<string, unknown>>(path: string): Promise<T> => p.request<T>('GET', path);
  const post = <T = undefined>(path: string, data?: unknown): Promise<T> => p.request<T>('POST', path, data);
  return {
    deviceInfo: () => get<Data<'Management.DeviceInfo'>>(PATHS['Management.DeviceInfo']),
    deviceInfoV2: () => get<Data<'Management.DeviceInfoV2'>>(PATHS['Management.DeviceInfoV2']),
    softwareUpdateStatus: () => get<Data<'Management.DeviceSoftwareUpdateStatus'>>(PATHS['Management.DeviceSoftwareUpdateStatus']),
    deviceStats: () => get<Data<'Management.DeviceStats'>>(PATHS['Management.DeviceStats']),
    runningConfig: () => get<Data<'Management.RunningConfig'>>(PATHS['Management.RunningConfig']),
    networkInfo: () => get<Data<'Management.NetworkInfo'>>(PATHS['Management.NetworkInfo']),
    networkStats: () => get<Data<'Management.NetworkStatistics'>>(PATHS['Management.NetworkStatistics']),
    pcPortInfo: () => get<Data<'Management.PCPortInfo'>>(PATHS['Management.PCPortInfo']),
    bluetoothInfo: () => get<Data<'Management.BluetoothInfo'>>(PATHS['Management.BluetoothInfo']),
    locationInfo: () => get<Record<string, string>>(PATHS['Management.LocationInformation']),
    mrPairInfo: () => get<Data<'Management.MrPairInfo'>>(PATHS['Management.MrPairInfo']),
    lineInfo: () => get<Record<string, string>[]>(PATHS['Management.LineInfo']),
    lineInfoV2: (line?: number) =>
      get<Data<'Management.LineInfoV2'>>(`${PATHS['Management.LineInfoV2']}${line === undefined ? '' : `?line=${line}`}`),
    powerStatus: async () => (await p.raw('GET', PATHS['Management.PowerStatus']))['CurrentState'] as string,
    transferType: () => get<Data<'Management.GetTransferType'>>(PATHS['Management.GetTransferType']),
    setTransferType: (Type: 'Consultative' | 'Blind' | 'Safe') => post(PATHS['Management.SetTransferType'], { Type }),
    /** config/get, split into requests under 20 KB; results merged. Names the phone does not know are left out. */
    getConfig: async (names: readonly string[]): Promise<ConfigValues> => {
      const out: ConfigValues = {};
      for (const part of chunks(names, (n) => JSON.stringify(n).length))
        Object.assign(out, await post<ConfigValues>(PATHS['Management.GetConfig'], part));
      return out;
    },
    /** config/get with the names the phone does not know (its `InvalidParams`), split and merged as getConfig. */
    getConfigReport: async (names: readonly string[]): Promise<{ values: ConfigValues; invalidParams: string[] }> => {
      const values: ConfigValues = {};
      const invalidParams: string[] = [];
      for (const part of chunks(names, (n) => JSON.stringify(n).length)) {
        const a = await p.raw('POST', PATHS['Management.GetConfig'], part);
        Object.assign(values, a.data as ConfigValues);
        if (Array.isArray(a['InvalidParams'])) invalidParams.push(...(a['InvalidParams'] as string[]));
      }
      return { values, invalidParams };
    },
    /** config/set at LOCAL, split into requests under 20 KB. */
    setConfig: async (values: Readonly<Record<string, string | number>>): Promise<void> => {
      for (const part of chunks(Object.entries(values), ([k, v]) => JSON.stringify(k).length + JSON.stringify(v).length + 1)) {
        await post(PATHS['Management.SetConfig'], Object.fromEntries(part));
      }
    },
    exportConfig: (Url: string, ConfigType: ConfigType) => post(PATHS['Management.ExportConfiguration'], { Url, ConfigType }),
    configReset: (which?: PathSuffix<'Management.ConfigReset'>) => post(`${PATHS['Management.ConfigReset']}${which ? `/${which}` : ''}`),
    factoryReset: () => post(PATHS['Management.FactoryReset']),
    safeReboot: () => post(PATHS['Management.Reboot']),
    safeRestart: () => post(PATHS['Management.Restart']),
    updateConfiguration: () => post<Data<'Management.UpdateConfiguration'>>(PATHS['Management.UpdateConfiguration']),
    ledStatus: () => get<Data<'Management.LedStatus'>>(PATHS['Management.LedStatus']),
    pollForStatus: () => get<Data<'Management.PollForStatus'>>(PATHS['Management.PollForStatus']),
    communicationInfo: () => get<Data<'Management.CommunicationInfo'>>(PATHS['Management.CommunicationInfo']),
    sessionStats: () => get<Record<string, unknown>[]>(PATHS['Management.SessionStats']),
    callLogs: (kind?: PathSuffix<'WebCallControl.CallLogs'>) =>
      get<Data<'WebCallControl.CallLogs'>>(`${PATHS['WebCallControl.CallLogs']}${kind ? `/${kind}` : ''}`),
    simulateHook: (Type: 'Up' | 'Down') => post(PATHS['Management.SimulateHook'], { Type }),
    simulateKeyEvent: (KeyName: string) => post(PATHS['Management.SimulateKeyEvent'], { Type: 'Tap', KeyName }),
    simulateTextInput: (Value: string, ReplaceText?: boolean) => post(PATHS['Management.SimulateTextInput'], { Value, ReplaceText }),
    simulateTouch: (
      Type: 'Tap' | 'Press' | 'Release' | 'Swipe',
      Positions: Position[],
      extra: { Duration?: number; Easing?: number } = {},
    ) => post(PATHS['Management.SimulateTouch'], { Type, Positions, ...extra }),
    uixml: () => get<Data<'Management.UIXML'>>(PATHS['Management.UIXML']),
    createSession: () => get<Data<'Management.SessionCreate'>>(PATHS['Management.SessionCreate']),
    listSessions: () => get<{ Sessions: Record<string, string>[] }>(PATHS['Management.SessionList']),
    deleteSessions: (ids: Input<'Management.SessionDelete'>) =>
      p.request<Data<'Management.SessionDelete'>>('GET', PATHS['Management.SessionDelete'], ids),
    skypeSignIn: (d: Input<'Management.SkypeSignIn'>) => post(PATHS['Management.SkypeSignIn'], d),
    skypeSignOut: () => post(PATHS['Management.SkypeSignOut']),
    webSignIn: () => post<Data<'Management.WebSignIn'>>(PATHS['Management.WebSignIn']),
    webSignInCancel: () => get<Data<'Management.WebSignInCancel'>>(PATHS['Management.WebSignInCancel']),
  };
}

export function callControlApi(p: PolyPhoneBase) {
  const post = (path: string, data?: unknown): Promise<undefined> => p.request<undefined>('POST', path, data);
  return {
    dial: (Dest: string, options: Omit<Input<'WebCallControl.Dial'>, 'Dest'> = {}) =>
      post(PATHS['WebCallControl.Dial'], { Dest, ...options }),
    answer: (Ref?: string) => post(PATHS['WebCallControl.AnswerCall'], Ref ? { Ref } : undefined),
    reject: (Ref?: string) => post(PATHS['WebCallControl.RejectCall'], Ref ? { Ref } : undefined),
    ignore: (Ref?: string) => post(PATHS['WebCallControl.IgnoreCall'], Ref ? { Ref } : undefined),
    end: (Ref: string) => post(PATHS['WebCallControl.EndCall'], { Ref }),
    hold: (Ref?: string) => post(PATHS['WebCallControl.HoldCall'], Ref ? { Ref } : undefined),
    resume: (Ref?: string) => post(PATHS['WebCallControl.ResumeCall'], Ref ? { Ref } : undefined),
    join: () => post(PATHS['WebCallControl.JoinCalls']),
    transfer: (Ref: string, TransferDest: string) => post(PATHS['WebCallControl.TransferCall'], { Ref, TransferDest }),
    mute: (on: boolean) => post(PATHS['WebCallControl.MuteCall'], { state: on ? '1' : '0' }),
    sendDtmf: (Digits: string) => post(PATHS['WebCallControl.SendDTMF'], { Digits }),
    /** v1: the call in focus (PolyError 4007 without a call). */
    callStatus: () => p.request<Data<'WebCallControl.CallStatus'>>('GET', PATHS['WebCallControl.CallStatus']),
    /** v2: every call, or those of a handle, a line, or a line and sequence. */
    calls: (filter: { handle?: string; line?: number; sequence?: number } = {}) => {
      const q = new URLSearchParams(
        Object.entries(filter)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
      return p.request<Data<'WebCallControl.CallStatusV2'>>('GET', `${PATHS['WebCallControl.CallStatusV2']}${q ? `?${q}` : ''}`);
    },
    sipStatus: () => p.request<Data<'WebCallControl.SipStatus'>>('POST', PATHS['WebCallControl.SipStatus']),
    presence: async () => (await p.raw('GET', PATHS['WebCallControl.GetCurrentPresence']))['Presence'] as string,
  };
}

export function networkApi(p: PolyPhoneBase) {
  return {
    uploadBgCapture: (url?: string) => p.request<undefined>('POST', PATHS['Network.UploadBgCapture'], url ? { url } : undefined),
  };
}

export type { Answer };
export type { Data, Input, Operations } from './types.js';
