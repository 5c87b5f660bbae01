/** What is plugged into or paired with a phone: a PC on its PC port, Bluetooth devices, Modular Room devices. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { BluetoothDeviceSchema, ModularRoomDeviceSchema, PeripheralsAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const peripheralSpecs = {
  set: {
    method: 'PUT',
    url: '/phones/:index/peripherals',
    summary: 'PC port, Bluetooth and Modular Room devices (those given replace those there)',
    params: IndexParams,
    body: Type.Object(
      {
        pcMac: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{12})?$' })),
        bluetooth: Type.Optional(Type.Array(BluetoothDeviceSchema, { maxItems: 16 })),
        modularRoom: Type.Optional(Type.Array(ModularRoomDeviceSchema, { maxItems: 16 })),
      },
      { additionalProperties: false },
    ),
    response: { 200: PeripheralsAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

export const peripheralRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, peripheralSpecs.set, async (req) => {
    const p = req.controlPhone.phone.peripherals;
    if (req.body.pcMac !== undefined) p.pcMac = req.body.pcMac.toUpperCase();
    if (req.body.bluetooth) p.bluetooth = req.body.bluetooth;
    if (req.body.modularRoom) p.modularRoom = req.body.modularRoom;
    return p;
  });
};
