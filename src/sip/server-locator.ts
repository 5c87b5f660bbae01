/**
 * A phone's server locator: RFC 3263 lookups (server-location.ts) kept for their time to live on the phone's clock,
 * at most MAX_CACHED of them (the oldest goes first), with one lookup in flight per query however many lines ask.
 * A name that does not resolve is not kept: the next attempt asks again.
 */
import type { Clock } from '../phone/clock.js';
import { locateServer } from './server-location.js';
import type { DnsClient, Located, LocateQuery } from './server-location.js';

export const MAX_CACHED = 64;

export class ServerLocator {
  private readonly cache = new Map<string, { readonly located: Located; readonly until: number }>();
  private readonly inFlight = new Map<string, Promise<Located>>();

  constructor(
    private readonly dns: DnsClient,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  /** The hops for a configured server, from the cache while its answer lives. */
  locate(q: LocateQuery): Promise<Located> {
    const key = `${q.host.toLowerCase()}|${q.port ?? ''}|${q.transports.join(',')}|${q.naptr ? 'naptr' : ''}`;
    const kept = this.cache.get(key);
    if (kept && kept.until > this.clock.now()) return Promise.resolve(kept.located);
    this.cache.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = locateServer(q, this.dns, this.random).then((located) => {
      this.inFlight.delete(key);
      if ('ttl' in located && located.ttl > 0) {
        while (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(key, { located, until: this.clock.now() + Math.min(located.ttl, 86_400) * 1000 });
      }
      return located;
    });
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** Answers kept now. */
  get size(): number {
    return this.cache.size;
  }
}
