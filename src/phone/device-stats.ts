/**
 * CPU and memory figures for device/stats. A software phone has no firmware heaps to read, so these are
 * synthesised, but from the phone's own state: they grow with uptime, configuration and traffic, and stay
 * internally consistent (Used + Free = Total, arena = in-use + free per heap).
 */
import type { Phone } from './phone.js';

export interface Heap {
  uordblks: number;
  hblkhd: number;
  arena: number;
  fordblks: number;
}

export interface DeviceStats {
  total: number;
  used: number;
  free: number;
  cached: number;
  sreclaim: number;
  comas: number;
  ramDisk: number;
  heaps: Record<'polyapp' | 'em' | 'brow' | 'ogui' | 'osd' | 'ec' | 'dbs', Heap>;
  cpuCurrent: number;
  cpuAverage: number;
}

const MB = 1024 * 1024;
const HEAP_BASE = { polyapp: 48, em: 2, brow: 24, ogui: 16, osd: 6, ec: 3, dbs: 4 } as const;

function heap(baseMb: number, growth: number): Heap {
  const uordblks = Math.round(baseMb * MB * 0.82 + growth);
  const fordblks = Math.round(baseMb * MB * 0.18);
  return { uordblks, hblkhd: Math.round(baseMb * MB * 0.1), arena: uordblks + fordblks, fordblks };
}

export function deviceStats(phone: Phone, recentRequests: number): DeviceStats {
  const total = phone.profile.family.platform === 'UCS' ? 512 * MB : 2048 * MB;
  const uptimeS = phone.uptimeMs() / 1000;
  const configEntries = phone.config.nonDefault().length;
  const { rx, tx } = phone.packets();
  const packetTotal = rx + tx;
  // The application heap grows a little with uptime, configuration and traffic, as a long-running phone's does.
  const growth = Math.min(16 * MB, uptimeS * 64 + configEntries * 2048 + packetTotal * 16);
  const heaps = Object.fromEntries(
    Object.entries(HEAP_BASE).map(([name, mb]) => [name, heap(mb, name === 'polyapp' ? growth : 0)]),
  ) as DeviceStats['heaps'];
  const heapTotal = Object.values(heaps).reduce((sum, h) => sum + h.arena + h.hblkhd, 0);
  const used = Math.round(total * 0.3 + heapTotal);
  const cpuCurrent = Math.min(95, 3 + recentRequests * 1.5);
  const cpuAverage = Math.min(60, 4 + Math.min(10, uptimeS / 600));
  return {
    total,
    used,
    free: total - used,
    cached: Math.round(total * 0.12),
    sreclaim: Math.round(total * 0.02),
    comas: Math.round(used * 1.4),
    ramDisk: 64 * MB,
    heaps,
    cpuCurrent: Math.round(cpuCurrent * 10) / 10,
    cpuAverage: Math.round(cpuAverage * 10) / 10,
  };
}
