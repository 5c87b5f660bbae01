/** Device identity and health: device info v1 and v2, software update status, device stats. */
import { Type } from '@sinclair/typebox';
import {
  bluetoothMac,
  firmwareRelease,
  imageName,
  ipStackLabel,
  ipv4Address,
  ipv6Address,
  ipv6LinkAddress,
  systemName,
  wifiMac,
} from '../phone/device-facts.js';
import { deviceStats } from '../phone/device-stats.js';
import { colonMac, formatUptimeShort, uptimeParts } from '../phone/identity.js';
import type { Phone } from '../phone/phone.js';
import { softwareUpdate } from '../phone/software-update.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S, strings, tf } from './schema.js';

const EM = Type.Array(Type.Object({ Type: S, Version: S }));

const DeviceInfoV1 = Type.Object({
  ModelNumber: S,
  FirmwareRelease: S,
  DeviceType: S,
  DeviceVendor: S,
  UpTimeSinceLastReboot: S,
  IPV4Address: S,
  IPV6Address: S,
  MACAddress: S,
  AttachedHardware: Type.Object({ Camera: S, EM }),
});

const DeviceInfoV2 = Type.Object({
  ModelNumber: S,
  DeviceVendor: S,
  DeviceType: S,
  MACAddress: S,
  Firmware: strings(['Application', 'Updater', 'BootBlock']),
  IPAddress: S,
  IPStack: S,
  PreferredNetwork: S,
  IPv6Address: S,
  IPv6LinkAddress: S,
  IPv6ULAAddress: S,
  UpTime: strings(['Days', 'Hours', 'Minutes', 'Seconds']),
  AttachedHardware: Type.Object({ Camera: S, EM }),
  CanApplyShutdownRequest: S,
  IntendToShutdown: S,
  AppState: S,
  ReadyToUse: S,
  Provider: S,
  PartNumber: S,
  UpdaterSignature: S,
  CameraName: S,
  CameraFirmware: S,
  SerialNumber: S,
  WifiMACAddress: S,
  BluetoothMACAddress: S,
  SystemName: S,
  IsBetaSoftware: S,
  HasSecondaryScreen: S,
});

function appState(phone: Phone): string {
  return phone.isReady ? 'AppStateIdle' : 'AppStateInitializing';
}

function attachedHardware(phone: Phone): { Camera: string; EM: { Type: string; Version: string }[] } {
  return { Camera: tf(phone.profile.model.camera), EM: [] };
}

const deviceInfoV1 = defineOperation({
  name: 'Management.DeviceInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/device/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: DeviceInfoV1,
  handler: ({ phone }) => ({
    data: {
      ModelNumber: phone.profile.model.name,
      FirmwareRelease: firmwareRelease(phone.profile.firmware),
      DeviceType: phone.dialect.v1DeviceType,
      DeviceVendor: phone.dialect.vendor,
      UpTimeSinceLastReboot: formatUptimeShort(phone.uptimeMs()),
      IPV4Address: ipv4Address(phone),
      IPV6Address: ipv6Address(phone) || phone.dialect.noIpv6,
      MACAddress: phone.dialect.v1Mac === 'plain' ? phone.identity.mac.toLowerCase() : colonMac(phone.identity.mac),
      AttachedHardware: attachedHardware(phone),
    },
  }),
});

/** The updater and boot block releases that come with a firmware (its major.minor), made once per firmware. */
const companions = new Map<string, { readonly updater: string; readonly bootBlock: string }>();
export function companionImages(firmware: string): { readonly updater: string; readonly bootBlock: string } {
  let c = companions.get(firmware);
  if (!c) {
    const [major, minor] = firmware.split('.');
    c = { updater: `${major}.${minor}.0.0114`, bootBlock: `${major}.${minor}.0.0007` };
    companions.set(firmware, c);
  }
  return c;
}

const deviceInfoV2 = defineOperation({
  name: 'Management.DeviceInfoV2',
  methods: ['GET'],
  paths: ['/api/v2/mgmt/device/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: DeviceInfoV2,
  handler: ({ phone }) => {
    const up = uptimeParts(phone.uptimeMs());
    const release = firmwareRelease(phone.profile.firmware);
    const { updater, bootBlock } = companionImages(phone.profile.firmware);
    const model = phone.profile.model;
    return {
      data: {
        ModelNumber: model.name,
        DeviceVendor: phone.dialect.vendor,
        DeviceType: 'HardwareEndpoint',
        MACAddress: phone.identity.mac.toLowerCase(),
        Firmware: { Application: release, Updater: updater, BootBlock: bootBlock },
        IPAddress: ipv4Address(phone),
        IPStack: ipStackLabel(phone),
        PreferredNetwork: phone.config.value('device.net.preferredNetwork') === '1' ? 'IPv6' : 'IPv4',
        IPv6Address: ipv6Address(phone) || phone.dialect.noIpv6,
        IPv6LinkAddress: ipv6LinkAddress(phone) || phone.dialect.noIpv6,
        IPv6ULAAddress: phone.config.value('device.net.ipv6ULAAddress') || phone.dialect.noIpv6,
        UpTime: { Days: String(up.days), Hours: String(up.hours), Minutes: String(up.minutes), Seconds: String(up.seconds) },
        AttachedHardware: attachedHardware(phone),
        CanApplyShutdownRequest: tf(phone.isReady),
        IntendToShutdown: 'False',
        AppState: appState(phone),
        ReadyToUse: tf(phone.isReady),
        Provider: phone.config.value('device.baseProfile'),
        PartNumber: `${model.partNumber} Rev:A`,
        UpdaterSignature: 'Release',
        CameraName: model.camera ? 'Poly EagleEye Mini' : '',
        CameraFirmware: model.camera ? '1.2.0.0102' : '',
        SerialNumber: phone.identity.serial,
        WifiMACAddress: wifiMac(phone).toLowerCase(),
        BluetoothMACAddress: bluetoothMac(phone).toLowerCase(),
        SystemName: systemName(phone),
        IsBetaSoftware: 'False',
        HasSecondaryScreen: 'False',
      },
    };
  },
});

const softwareUpdateStatus = defineOperation({
  name: 'Management.DeviceSoftwareUpdateStatus',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/device/softwareUpdateStatus'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    updateStatus: Type.Integer({ minimum: 0, maximum: 3 }),
    description: S,
    updateProgress: Type.Integer({ minimum: 0, maximum: 100 }),
  }),
  handler: ({ phone }) => {
    const u = softwareUpdate(phone);
    return { data: { updateStatus: u.status, description: u.image || imageName(phone), updateProgress: u.progress } };
  },
});

const Heap = strings(['uordblks', 'hblkhd', 'arena', 'fordblks']);
const DeviceStatsSchema = Type.Object({
  Memory: Type.Object({
    Used: S,
    Free: S,
    Total: S,
    ComAS: S,
    Cached: S,
    SReclaim: S,
    polyapp: Heap,
    em: Heap,
    brow: Heap,
    ogui: Heap,
    osd: Heap,
    ec: Heap,
    dbs: Heap,
  }),
  CPU: strings(['Current', 'Average']),
  RAMDiskSize: S,
});

const stats = defineOperation({
  name: 'Management.DeviceStats',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/device/stats'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: DeviceStatsSchema,
  handler: ({ phone }) => {
    const s = deviceStats(phone, phone.traffic.recentRequests());
    const heapOut = (h: (typeof s.heaps)['em']): Record<string, string> => ({
      uordblks: String(h.uordblks),
      hblkhd: String(h.hblkhd),
      arena: String(h.arena),
      fordblks: String(h.fordblks),
    });
    return {
      data: {
        Memory: {
          Used: String(s.used),
          Free: String(s.free),
          Total: String(s.total),
          ComAS: String(s.comas),
          Cached: String(s.cached),
          SReclaim: String(s.sreclaim),
          ...Object.fromEntries(Object.entries(s.heaps).map(([k, h]) => [k, heapOut(h)])),
        },
        CPU: { Current: String(s.cpuCurrent), Average: String(s.cpuAverage) },
        RAMDiskSize: String(s.ramDisk),
      },
    };
  },
});

export const deviceInfoOperations = [deviceInfoV1, deviceInfoV2, softwareUpdateStatus, stats];
