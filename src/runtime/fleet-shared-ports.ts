/**
 * Opens address mode's shared listening sockets (shared-ports.ts) for the phones that use them, one per distinct
 * port, before any phone starts; a port given as 0 becomes one free port for every phone of its kind. SIP's free
 * port must be free for UDP on every phone's address as well as for the shared TCP socket: it is taken from a UDP
 * socket bound to 0.0.0.0 for the moment (no address of the machine holds it then).
 */
import { createSocket } from 'node:dgram';
import type { SharedPorts } from '../transport/shared-ports.js';
import type { SharedPortOptions } from '../transport/shared-ports.js';

/** Where a phone listens (fleet.ts's Placement, as far as ports go). */
export interface PortPlacement {
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly sipPort: number | undefined;
  readonly sipTlsPort: number | undefined;
  readonly shared: boolean;
}

type Kind = 'httpPort' | 'httpsPort' | 'sipPort' | 'sipTlsPort';
const KINDS: Readonly<Record<Kind, SharedPortOptions>> = {
  httpPort: { what: 'HTTP', allowHalfOpen: true },
  httpsPort: { what: 'HTTPS' },
  sipPort: { what: 'SIP over TCP' },
  sipTlsPort: { what: 'SIP over TLS' },
};

/** A port free for UDP on every address now (a wildcard bind succeeds only then), and the shared TCP socket on it. */
async function openFreeSipPort(shared: SharedPorts): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const probe = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(0, '0.0.0.0', () => resolve());
      });
      return await shared.open(probe.address().port, KINDS.sipPort);
    } catch (err) {
      const inUse = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code === 'EADDRINUSE';
      if (!inUse || attempt >= 5) throw err;
    } finally {
      probe.close();
    }
  }
}

/** Opens the shared sockets the placements need; resolves to the placements with every port 0 replaced. */
export async function openSharedPorts<P extends PortPlacement>(shared: SharedPorts, placed: readonly P[]): Promise<P[]> {
  const free = new Map<Kind, number>();
  const resolve = async (kind: Kind, port: number): Promise<number> => {
    if (port !== 0) return shared.open(port, KINDS[kind]);
    let chosen = free.get(kind);
    if (chosen === undefined) {
      chosen = kind === 'sipPort' ? await openFreeSipPort(shared) : await shared.open(0, KINDS[kind]);
      free.set(kind, chosen);
    }
    return chosen;
  };
  // each distinct (kind, port) once: a fleet of 10,000 phones asks four times
  const done = new Map<string, number>();
  const port = async (kind: Kind, p: number): Promise<number> => {
    const key = `${kind}:${p}`;
    let bound = done.get(key);
    if (bound === undefined) done.set(key, (bound = await resolve(kind, p)));
    return bound;
  };
  const out: P[] = [];
  for (const p of placed) {
    if (!p.shared) {
      out.push(p);
      continue;
    }
    const sip = p.sipPort === undefined ? undefined : await port('sipPort', p.sipPort);
    out.push({
      ...p,
      httpPort: await port('httpPort', p.httpPort),
      httpsPort: await port('httpsPort', p.httpsPort),
      sipPort: sip,
      sipTlsPort: sip === undefined || p.sipTlsPort === undefined ? p.sipTlsPort : await port('sipTlsPort', p.sipTlsPort),
    });
  }
  return out;
}
