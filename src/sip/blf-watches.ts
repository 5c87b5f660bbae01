/**
 * The watches of a phone's busy lamp field keys (phone/blf.ts): one dialog subscription (dialog-watch.ts) per
 * configured `attendant.resourceList.N.address`, sent by the line `attendant.reg` names while that line is
 * registered with a SIP server, started, restarted or stopped to match the configuration and the registration,
 * and each one's state told to its key. A watch runs only while its line is registered: when the line goes (or
 * the phone stops) every watch unsubscribes and the keys show unknown.
 *
 * With `attendant.uri` set, one subscription to that resource list (RFC 4662: `Supported: eventlist`, its
 * NOTIFYs read by list-content.ts) gives the keys instead, in the list's order; it is run, refreshed and ended as a
 * key's watch is (the same DialogWatch).
 */
import type { Phone } from '../phone/phone.js';
import type { ClientTransactions } from './client-transactions.js';
import { DialogWatch } from './dialog-watch.js';
import { ListContent } from './list-content.js';
import type { Source, WatchRoute } from './dialog-watch.js';
import type { SipRequest } from './codec/message.js';
import { messageTarget } from './instant-messages.js';
import type { LineRegistrations } from './line-registrations.js';
import { tagOf } from './name-addr.js';
import type { SipWire } from './wire.js';

/** Stopped watches kept while their unsubscribe is out, and a transaction's time (32 s) after for their last NOTIFY. */
const STOPPING_MAX = 256;
const LAST_NOTIFY_MS = 32_000;

export class BlfWatches {
  private readonly watches = new Map<number, { readonly signature: string; readonly address: string; readonly watch: DialogWatch }>();
  /** The watch of the attendant.uri list, while one is set. */
  private list: { readonly signature: string; readonly watch: DialogWatch } | undefined;
  /** Watches stopped whose unsubscribe is out: their last NOTIFY (terminated) is still theirs. */
  private readonly stopping = new Set<DialogWatch>();

  constructor(
    private readonly phone: Phone,
    private readonly wire: SipWire,
    private readonly transactions: ClientTransactions,
    private readonly registrations: LineRegistrations,
    private readonly userAgent: string,
  ) {}

  get size(): number {
    return this.watches.size + (this.list ? 1 : 0);
  }

  /** The route of line n's requests while it is registered with a SIP server. */
  private routeOf(n: number): WatchRoute | undefined {
    const reg = this.registrations.get(n);
    const target = reg?.registeredWith;
    if (!reg || !target) return undefined;
    const p = reg.plan;
    return {
      dest: target.dest,
      policy: target.policy,
      aor: `sip:${p.user}@${p.domain}`,
      displayName: p.displayName,
      auth: { user: p.authUser, password: p.password },
      expires: target.expires,
      overlap: target.overlap,
      retryBaseMs: p.retryBaseMs,
      retryMaxMs: p.retryMaxMs,
    };
  }

  /** Starts, restarts or stops each key's watch to match the configuration and the line's registration. */
  plan(): void {
    const n = this.phone.blf.line;
    const route = this.routeOf(n);
    const domain = this.registrations.get(n)?.plan.domain ?? '';
    const wanted = new Set<number>();
    const listUri = this.phone.blf.listUri;
    this.planList(listUri ? messageTarget(listUri, domain) : undefined, n, route);
    for (const key of route && !listUri ? this.phone.blf.all() : []) {
      const target = messageTarget(key.address, domain);
      if (!target || !route) continue;
      wanted.add(key.index);
      const signature = JSON.stringify({ target, n, route: { ...route, policy: undefined } });
      const current = this.watches.get(key.index);
      if (current?.signature === signature) continue;
      if (current) this.stop(current.watch);
      const watch = new DialogWatch(
        target,
        route,
        { wire: this.wire, transactions: this.transactions, clock: this.phone.clock, userAgent: this.userAgent },
        (status) => {
          if (this.watches.get(key.index)?.watch === watch) this.phone.blf.set(key.index, key.address, status);
        },
      );
      this.watches.set(key.index, { signature, address: key.address, watch });
      this.phone.blf.set(key.index, key.address, { state: 'unknown' });
      watch.start();
    }
    for (const [index, w] of this.watches) {
      if (wanted.has(index)) continue;
      this.stop(w.watch);
      this.watches.delete(index);
      this.phone.blf.set(index, w.address, { state: 'unknown' });
    }
  }

  /** Starts, restarts or stops the list's watch (one subscription; the keys are the list's users). */
  private planList(target: string | undefined, n: number, route: WatchRoute | undefined): void {
    const signature = target && route ? JSON.stringify({ target, n, route: { ...route, policy: undefined } }) : undefined;
    if (this.list?.signature === signature) return;
    if (this.list) {
      this.stop(this.list.watch);
      this.list = undefined;
      this.phone.blf.reset();
    }
    if (!signature || !target || !route) return;
    const content = new ListContent((entries) => {
      if (this.list?.watch !== watch) return;
      this.phone.blf.setList(entries.map((e) => ({ address: e.uri, label: e.name })));
      entries.forEach((e, i) => this.phone.blf.set(i + 1, e.uri, e.status));
    });
    const watch = new DialogWatch(
      target,
      route,
      { wire: this.wire, transactions: this.transactions, clock: this.phone.clock, userAgent: this.userAgent },
      content,
    );
    this.list = { signature, watch };
    watch.start();
  }

  /** Stops (unsubscribes) every watch; the keys show unknown. */
  stopAll(): void {
    if (this.list) this.stop(this.list.watch);
    this.list = undefined;
    for (const w of this.watches.values()) this.stop(w.watch);
    this.watches.clear();
    this.phone.blf.reset();
  }

  private stop(watch: DialogWatch): void {
    watch.stop();
    if (watch.state.state !== 'unsubscribing' || this.stopping.size >= STOPPING_MAX) return;
    this.stopping.add(watch);
    watch.state.onMove((_from, _event, to) => {
      if (to === 'stopped') this.phone.clock.schedule(LAST_NOTIFY_MS, () => this.stopping.delete(watch));
    });
  }

  /** A NOTIFY for one of the watches (its Call-ID and our tag); false when it is none of theirs. */
  onNotify(req: SipRequest, src: Source, reply: (buf: Buffer) => void): boolean {
    const callId = req.headers.get('call-id') ?? '';
    const tag = tagOf(req.headers.get('to'));
    const running = [...this.watches.values()].map((w) => w.watch);
    for (const watch of [...running, ...(this.list ? [this.list.watch] : []), ...this.stopping]) {
      if (!watch.matches(callId, tag)) continue;
      watch.onNotify(req, src, reply);
      return true;
    }
    return false;
  }
}
