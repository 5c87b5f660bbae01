/**
 * One method per operation of the manual, grouped as the manual groups them (Management, WebCallControl,
 * Network). Inputs are typed as the manual gives them; answers are the `data` of the phone's answer.
 */
import type { Answer, PolyPhoneBase } from './poly-phone.js';
import type { Data, Input } from './types.js';
import { BODY_LIMIT } from './poly-phone.js';

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
    deviceInfo: () => get<Data<'Management.DeviceInfo'>>('/api/v1/mgmt/device/info'),
    deviceInfoV2: () => get<Data<'Management.DeviceInfoV2'>>('/api/v2/mgmt/device/info'),
    softwareUpdateStatus: () => get<Data<'Management.DeviceSoftwareUpdateStatus'>>('/api/v1/mgmt/device/softwareUpdateStatus'),
    deviceStats: () => get<Data<'Management.DeviceStats'>>('/api/v1/mgmt/device/stats'),
    runningConfig: () => get<Data<'Management.RunningConfig'>>('/api/v1/mgmt/device/runningConfig'),
    networkInfo: () => get<Data<'Management.NetworkInfo'>>('/api/v1/mgmt/network/info'),
    networkStats: () => get<Data<'Management.NetworkStatistics'>>('/api/v1/mgmt/network/stats'),
    pcPortInfo: () => get<Data<'Management.PCPortInfo'>>('/api/v1/mgmt/pcPort/info'),
    bluetoothInfo: () => get<Data<'Management.BluetoothInfo'>>('/api/v1/mgmt/blueTooth/info'),
    locationInfo: () => get<Record<string, string>>('/api/v1/mgmt/location/info'),
    mrPairInfo: () => get<Data<'Management.MrPairInfo'>>('/api/v1/mgmt/mrpair/info'),
    lineInfo: () => get<Record<string, string>[]>('/api/v1/mgmt/lineInfo'),
    lineInfoV2: (line?: number) => get<Data<'Management.LineInfoV2'>>(`/api/v2/mgmt/lineInfo${line === undefined ? '' : `?line=${line}`}`),
    powerStatus: async () => (await p.raw('GET', '/api/v1/mgmt/powerStatus'))['CurrentState'] as string,
    transferType: () => get<Data<'Management.GetTransferType'>>('/api/v1/mgmt/transferType/get'),
    setTransferType: (Type: 'Consultative' | 'Blind' | 'Safe') => post('/api/v1/mgmt/transferType/set', { Type }),
    /** config/get, split into requests under 20 KB; results merged. Names the phone does not know are left out. */
    getConfig: async (names: readonly string[]): Promise<ConfigValues> => {
      const out: ConfigValues = {};
      for (const part of chunks(names, (n) => JSON.stringify(n).length)) Object.assign(out, await post<ConfigValues>('/api/v1/mgmt/config/get', part));
      return out;
    },
    /** config/get with the names the phone does not know (its `InvalidParams`), split and merged as getConfig. */
    getConfigReport: async (names: readonly string[]): Promise<{ values: ConfigValues; invalidParams: string[] }> => {
      const values: ConfigValues = {};
      const invalidParams: string[] = [];
      for (const part of chunks(names, (n) => JSON.stringify(n).length)) {
        const a = await p.raw('POST', '/api/v1/mgmt/config/get', part);
        Object.assign(values, a.data as ConfigValues);
        if (Array.isArray(a['InvalidParams'])) invalidParams.push(...(a['InvalidParams'] as string[]));
      }
      return { values, invalidParams };
    },
    /** config/set at LOCAL, split into requests under 20 KB. */
    setConfig: async (values: Readonly<Record<string, string | number>>): Promise<void> => {
      for (const part of chunks(Object.entries(values), ([k, v]) => JSON.stringify(k).length + JSON.stringify(v).length + 1)) {
        await post('/api/v1/mgmt/config/set', Object.fromEntries(part));
      }
    },
    exportConfig: (Url: string, ConfigType: ConfigType) => post('/api/v1/mgmt/config/export', { Url, ConfigType }),
    configReset: (which?: 'cloud' | 'local' | 'web' | 'device') => post(`/api/v1/mgmt/configReset${which ? `/${which}` : ''}`),
    factoryReset: () => post('/api/v1/mgmt/factoryReset'),
    safeReboot: () => post('/api/v1/mgmt/safeReboot'),
    safeRestart: () => post('/api/v1/mgmt/safeRestart'),
    updateConfiguration: () => post<Data<'Management.UpdateConfiguration'>>('/api/v1/mgmt/updateConfiguration'),
    ledStatus: () => get<Data<'Management.LedStatus'>>('/api/v1/mgmt/ledStatus'),
    pollForStatus: () => get<Data<'Management.PollForStatus'>>('/api/v1/mgmt/pollForStatus'),
    communicationInfo: () => get<Data<'Management.CommunicationInfo'>>('/api/v1/mgmt/media/communicationInfo'),
    sessionStats: () => get<Record<string, unknown>[]>('/api/v1/mgmt/media/sessionStats'),
    callLogs: (kind?: 'missed' | 'received' | 'placed') => get<Data<'WebCallControl.CallLogs'>>(`/api/v1/mgmt/callLogs${kind ? `/${kind}` : ''}`),
    simulateHook: (Type: 'Up' | 'Down') => post('/api/v1/mgmt/simulateHook', { Type }),
    simulateKeyEvent: (KeyName: string) => post('/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName }),
    simulateTextInput: (Value: string, ReplaceText?: boolean) => post('/api/v1/mgmt/simulateTextInput', { Value, ReplaceText }),
    simulateTouch: (Type: 'Tap' | 'Press' | 'Release' | 'Swipe', Positions: Position[], extra: { Duration?: number; Easing?: number } = {}) =>
      post('/api/v1/mgmt/simulateTouch', { Type, Positions, ...extra }),
    uixml: () => get<Data<'Management.UIXML'>>('/api/v1/mgmt/uixml'),
    createSession: () => get<Data<'Management.SessionCreate'>>('/api/v1/mgmt/session/create'),
    listSessions: () => get<{ Sessions: Record<string, string>[] }>('/api/v1/mgmt/session/get'),
    deleteSessions: (ids: Input<'Management.SessionDelete'>) => p.request<Data<'Management.SessionDelete'>>('GET', '/api/v1/mgmt/session/delete', ids),
    skypeSignIn: (d: Input<'Management.SkypeSignIn'>) => post('/api/v1/mgmt/skype/signIn', d),
    skypeSignOut: () => post('/api/v1/mgmt/skype/signOut'),
    webSignIn: () => post<Data<'Management.WebSignIn'>>('/api/v1/mgmt/webSignIn'),
    webSignInCancel: () => get<Data<'Management.WebSignInCancel'>>('/api/v1/mgmt/webSignInCancel'),
  };
}

export function callControlApi(p: PolyPhoneBase) {
  const post = (path: string, data?: unknown): Promise<undefined> => p.request<undefined>('POST', path, data);
  return {
    dial: (Dest: string, options: Omit<Input<'WebCallControl.Dial'>, 'Dest'> = {}) => post('/api/v1/callctrl/dial', { Dest, ...options }),
    answer: (Ref?: string) => post('/api/v1/callctrl/answerCall', Ref ? { Ref } : undefined),
    reject: (Ref?: string) => post('/api/v1/callctrl/rejectCall', Ref ? { Ref } : undefined),
    ignore: (Ref?: string) => post('/api/v1/callctrl/ignoreCall', Ref ? { Ref } : undefined),
    end: (Ref: string) => post('/api/v1/callctrl/endCall', { Ref }),
    hold: (Ref?: string) => post('/api/v1/callctrl/holdCall', Ref ? { Ref } : undefined),
    resume: (Ref?: string) => post('/api/v1/callctrl/resumeCall', Ref ? { Ref } : undefined),
    join: () => post('/api/v1/callctrl/joinCalls'),
    transfer: (Ref: string, TransferDest: string) => post('/api/v1/callctrl/transferCall', { Ref, TransferDest }),
    mute: (on: boolean) => post('/api/v1/callctrl/mute', { state: on ? '1' : '0' }),
    sendDtmf: (Digits: string) => post('/api/v1/callctrl/sendDTMF', { Digits }),
    /** v1: the call in focus (PolyError 4007 without a call). */
    callStatus: () => p.request<Data<'WebCallControl.CallStatus'>>('GET', '/api/v1/webCallControl/callStatus'),
    /** v2: every call, or those of a handle, a line, or a line and sequence. */
    calls: (filter: { handle?: string; line?: number; sequence?: number } = {}) => {
      const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
      return p.request<Data<'WebCallControl.CallStatusV2'>>('GET', `/api/v2/webCallControl/callStatus${q ? `?${q}` : ''}`);
    },
    sipStatus: () => p.request<Data<'WebCallControl.SipStatus'>>('POST', '/api/v1/webCallControl/sipStatus'),
    presence: async () => (await p.raw('GET', '/api/v1/mgmt/getPresence'))['Presence'] as string,
  };
}

export function networkApi(p: PolyPhoneBase) {
  return {
    uploadBgCapture: (url?: string) => p.request<undefined>('POST', '/api/v1/mgmt/network/uploadBgCapture', url ? { url } : undefined),
  };
}

export type { Answer };
export type { Data, Input, Operations } from './types.js';
