/** What is around the phone: Bluetooth, its civic location, paired Modular Room devices. */
import { Type } from '@sinclair/typebox';
import { LOCATION_FIELDS } from '../phone/config/catalog.js';
import { defineOperation, STANDARD_CODES } from './operation.js';
import { S, strings } from './schema.js';

const bluetoothInfo = defineOperation({
  name: 'Management.BluetoothInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/blueTooth/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    Enabled: S,
    Version: S,
    Devices: Type.Array(strings(['Type', 'Connected', 'Name', 'Profile', 'Signal Strength'])),
  }),
  handler: ({ phone }) => {
    const radio = phone.profile.model.bluetooth && phone.config.bool('bluetooth.radioOn');
    return {
      data: {
        Enabled: radio ? 'Yes' : 'No',
        Version: phone.profile.model.bluetooth ? (phone.profile.family.platform === 'PVOS' ? '5.0' : '4.0') : '',
        Devices: radio
          ? phone.peripherals.bluetooth.map((d) => ({
              Type: d.type,
              Connected: d.connected ? 'Yes' : 'No',
              Name: d.name,
              Profile: d.profile,
              'Signal Strength': String(d.signalStrength),
            }))
          : [],
      },
    };
  },
});

const locationInfo = defineOperation({
  name: 'Management.LocationInformation',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/location/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: strings(LOCATION_FIELDS.map(([label]) => label)),
  handler: ({ phone }) => ({
    data: Object.fromEntries(LOCATION_FIELDS.map(([label, key]) => [label, phone.config.value(`locInfo.${key}`)])),
  }),
});

const mrPairInfo = defineOperation({
  name: 'Management.MrPairInfo',
  methods: ['GET'],
  paths: ['/api/v1/mgmt/mrpair/info'],
  inputFrom: 'none',
  returnCodes: STANDARD_CODES,
  output: Type.Object({
    ConnectedDeviceList: Type.Array(
      Type.Object({
        DeviceName: S,
        DeviceModel: S,
        MACAddress: S,
        ComponentList: Type.Array(strings(['componentType', 'version'])),
      }),
    ),
  }),
  handler: ({ phone }) => ({
    data: {
      ConnectedDeviceList: phone.peripherals.modularRoom.map((d) => ({
        DeviceName: d.name,
        DeviceModel: d.model,
        MACAddress: d.mac,
        ComponentList: d.components.map((c) => ({ componentType: c.componentType, version: c.version })),
      })),
    },
  }),
});

export const peripheralOperations = [bluetoothInfo, locationInfo, mrPairInfo];
