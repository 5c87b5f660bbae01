/**
 * The dashboard's view of the phones, kept from the event stream. Events are applied as they come; the page renders
 * at most every FLUSH_MS, however busy the fleet, so its work per second is bounded.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlJournalEntry, EventCall, EventLeds, EventLine, EventScreen, PolysimEvent, ProvisioningEvent } from '@polysim/client';

export const FLUSH_MS = 250;
const LOG_KEEP = 300;

/**
 * Where this page's control API is: '' for this port's own, `/shards/{shard}` on the page of a phone of a peer shard
 * (this port passes it on: shard-routes.ts). Every path the page asks for goes under it.
 */
export const BASE = /^\/shards\/[^/]+(?=\/)/.exec(location.pathname)?.[0] ?? '';
/** The peer shard this page's phone lives on (host:port), or undefined for this port's own. */
export const SHARD = BASE ? decodeURIComponent(BASE.slice('/shards/'.length)) : undefined;

/** A phone's key among the phones of every shard: its shard (none: this port's) and its index there. */
export const keyOf = (shard: string | undefined, index: number): string => `${shard ?? ''}#${index}`;

/** The merged stream's word on a peer shard (GET /shards/events): its stream opened, or ended and why. */
export interface ShardEvent {
  readonly type: 'shard';
  readonly shard: string;
  readonly connected: boolean;
  readonly error?: string;
}

export interface RequestRow {
  readonly seq: number;
  readonly at: string;
  readonly transport: string;
  readonly method: string;
  readonly url: string;
  readonly auth?: string;
  readonly httpStatus: number;
  readonly status?: string;
  readonly ms: number;
  /** 'out': a document the phone posted (url is the receiver's). */
  readonly direction?: 'out';
  readonly detail?: string;
  readonly requestHeaders?: Readonly<Record<string, string>>;
  readonly requestBody?: string;
  readonly responseBody?: string;
}

export interface PhoneView {
  /** The shard it lives on (events of GET /shards/events carry it), else undefined. */
  shard?: string;
  index: number;
  model: string;
  firmware: string;
  number: string;
  state: string;
  calls: readonly EventCall[];
  leds?: EventLeds;
  lines: readonly EventLine[];
  screen?: EventScreen;
  /** The last request the phone answered: from the snapshot (its journal), then from the stream. */
  lastRequest?: RequestRow;
  log: RequestRow[];
  /** Documents the phone posted (delivered, failed or dropped) since the page opened. */
  posted: number;
  /** The last provisioning run seen since the page opened (at boot, polled, asked for). */
  provisioning?: ProvisioningEvent;
}

/** A journal entry (GET /phones/{i}/journal) as a row of the request log: history rows count down from -1. */
export function journalRow(e: ControlJournalEntry, seq: number): RequestRow {
  const { from: _from, ...row } = e;
  return { ...row, seq };
}

/**
 * Applies an event. `history`: the journal rows read before the stream opened, the log of a phone whose snapshot
 * comes first.
 */
export function apply(phones: Map<string, PhoneView>, e: PolysimEvent & { shard?: string }, history?: readonly RequestRow[]): void {
  const key = keyOf(e.shard, e.phone);
  if (e.type === 'snapshot') {
    // A snapshot after a reconnect keeps what the page has seen of the phone's requests.
    const before = phones.get(key);
    const last = e.lastRequest ? { ...e.lastRequest, seq: 0 } : undefined;
    phones.set(key, {
      ...(e.shard === undefined ? {} : { shard: e.shard }),
      index: e.phone,
      model: e.model,
      firmware: e.firmware,
      number: e.number,
      state: e.state,
      calls: e.calls,
      leds: e.leds,
      lines: e.lines,
      screen: e.screen,
      log: before?.log ?? [...(history ?? [])],
      posted: before?.posted ?? 0,
      lastRequest: before?.lastRequest ?? last,
      provisioning: before?.provisioning,
    });
    return;
  }
  const p = phones.get(key);
  if (!p) return;
  switch (e.type) {
    case 'state':
      p.state = e.state;
      break;
    case 'calls':
      p.calls = e.calls;
      break;
    case 'leds':
      p.leds = e.leds;
      break;
    case 'registration':
      p.lines = e.lines;
      break;
    case 'screen':
      p.screen = e.screen;
      break;
    case 'config':
      break;
    case 'provisioning':
      p.provisioning = e;
      break;
    case 'request': {
      const { type: _t, phone: _p, shard: _s, ...row } = e;
      // The fleet page's last request is one the phone answered; what it posts is counted.
      if (row.direction === 'out') p.posted++;
      else p.lastRequest = row;
      p.log.push(row);
      if (p.log.length > LOG_KEEP) p.log.splice(0, p.log.length - LOG_KEEP);
      break;
    }
  }
}

/** The control API wants its token again (a restart of polysim ends a login): back to the login page. */
function checkLogin(res: Response): void {
  if (res.status === 401 && (res.headers.get('www-authenticate') ?? '').startsWith('Bearer')) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
}

/**
 * Subscribes to an event stream and re-renders at most every FLUSH_MS. With `journalOf`, that phone's journal is
 * read first (its last LOG_KEEP requests), so that its request log holds what happened before the page opened.
 */
export function usePhones(
  path: string,
  journalOf?: number,
): { phones: Map<string, PhoneView>; connected: boolean; shards: Map<string, ShardEvent> } {
  const [phones] = useState(() => new Map<string, PhoneView>());
  const [shards] = useState(() => new Map<string, ShardEvent>());
  const [, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let dirty = false;
    let source: EventSource | undefined;
    let closed = false;
    let history: RequestRow[] = [];
    const onEvent = (m: MessageEvent<string>): void => {
      apply(phones, JSON.parse(m.data) as PolysimEvent, history);
      dirty = true;
    };
    // A peer shard's stream opened or ended: its phones go until it is back (they come again in its snapshots).
    const onShard = (m: MessageEvent<string>): void => {
      const e = JSON.parse(m.data) as ShardEvent;
      shards.set(e.shard, e);
      if (!e.connected) for (const [k, p] of phones) if (p.shard === e.shard) phones.delete(k);
      dirty = true;
    };
    const open = (): void => {
      if (closed) return;
      const s = new EventSource(BASE + path);
      source = s;
      for (const t of ['snapshot', 'state', 'calls', 'leds', 'registration', 'screen', 'config', 'request', 'provisioning'])
        s.addEventListener(t, onEvent as EventListener);
      s.addEventListener('shard', onShard as EventListener);
      s.onopen = () => setConnected(true);
      s.onerror = () => {
        setConnected(false);
        // A refused stream is not retried by the browser: was it the login?
        if (s.readyState === EventSource.CLOSED) void fetch('/ready').then(checkLogin, () => undefined);
      };
    };
    if (journalOf === undefined) open();
    else
      void controlCall('GET', `/phones/${journalOf}/journal?limit=${LOG_KEEP}`)
        .then(({ status, body }) => {
          if (status === 200 && Array.isArray(body)) {
            const entries = body as ControlJournalEntry[];
            history = entries.map((e, k) => journalRow(e, k - entries.length));
          }
        })
        .finally(open);
    const timer = setInterval(() => {
      if (dirty) {
        dirty = false;
        setVersion((v) => v + 1);
      }
    }, FLUSH_MS);
    return () => {
      closed = true;
      clearInterval(timer);
      source?.close();
    };
  }, [path, journalOf]);
  return { phones, connected, shards };
}

export async function polyApi(phone: number, path: string, data?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${BASE}/phones/${phone}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data === undefined ? {} : { data }),
  });
  checkLogin(res);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** A control API request: its HTTP status and JSON answer (undefined for none, as a 204's). */
export async function controlCall(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? { 'x-polysim': '1' } : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  checkLogin(res);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export async function controlApi(method: string, path: string, body?: unknown): Promise<unknown> {
  return (await controlCall(method, path, body)).body;
}

/** What an answer of the control API says, for a line under the form that sent it. */
export function describeAnswer(what: string, r: { status: number; body: unknown }): string {
  const error = (r.body as { error?: string } | undefined)?.error;
  return `${what}: HTTP ${r.status}${error ? ` ${error}` : ''}`;
}
