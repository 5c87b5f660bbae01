/**
 * The other shards of a fleet split over processes or pods, as this control API knows them (--peer-control,
 * --peers-dns): the dashboard lists their phones beside this shard's and reaches them through this port
 * (shard-routes.ts, the merged event stream of event-routes.ts), with the peers' token kept here. A DNS name is
 * resolved again at most every REFRESH_MS (pods come and go), and this shard itself is left out of what it resolves
 * to.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolveShards } from './shard-list.js';
import type { Shard, ShardSource } from './shard-list.js';

export interface PeerOptions {
  readonly source: ShardSource;
  /** The token the peers demand (Authorization: Bearer); shards of one fleet share one. */
  readonly token?: string;
}

const REFRESH_MS = 5_000;

/** This shard as its peers name it: the address and port the request came in on. */
export function localShardName(req: IncomingMessage): string {
  const address = (req.socket.localAddress ?? '').replace(/^::ffff:/i, '');
  return `${isIP(address) === 6 ? `[${address}]` : address}:${req.socket.localPort ?? ''}`;
}

/** Every address of this machine's interfaces, as a peer's URL would name it. */
function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

export class Peers {
  private cached: { at: number; shards: Promise<Shard[]> } | undefined;

  constructor(private readonly options: PeerOptions) {}

  get token(): string | undefined {
    return this.options.token;
  }

  /** The peers (this shard aside: `self` is its name, host:port); a DNS name that does not resolve gives none. */
  async list(self: string): Promise<Shard[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > REFRESH_MS) {
      const shards = resolveShards(this.options.source, '--peers-dns').catch(() => []);
      this.cached = { at: now, shards };
    }
    const port = self.slice(self.lastIndexOf(':') + 1);
    const own = ownAddresses();
    return (await this.cached.shards).filter((s) => {
      if (s.name === self) return false;
      const url = new URL(s.url);
      return !(url.port === port && own.has(url.hostname.replace(/^\[|\]$/g, '')));
    });
  }

  /** The peer named so, if it is one now. */
  async find(self: string, name: string): Promise<Shard | undefined> {
    return (await this.list(self)).find((s) => s.name === name);
  }
}
