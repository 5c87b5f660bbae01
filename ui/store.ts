/**
 * The dashboard's view of the phones, kept from the event stream. Events are applied as they come; the page renders
 * at most every FLUSH_MS, however busy the fleet, so its work per second is bounded.
 */
import { useEffect, useState } from 'preact/hooks';
import type { EventCall, EventLeds, EventLine, EventScreen, PolysimEvent, ProvisioningEvent } from '@polysim/client';

export const FLUSH_MS = 250;
const LOG_KEEP = 300;

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
  index: number;
  model: string;
  firmware: string;
  number: string;
  state: string;
  calls: readonly EventCall[];
  leds?: EventLeds;
  lines: readonly EventLine[];
  screen?: EventScreen;
  lastRequest?: RequestRow;
  log: RequestRow[];
  /** Documents the phone posted (delivered, failed or dropped) since the page opened. */
  posted: number;
  /** When each call was first seen connected (for its duration). */
  connectedSince: Map<string, number>;
  /** The last provisioning run seen since the page opened (at boot, polled, asked for). */
  provisioning?: ProvisioningEvent;
}

export function apply(phones: Map<number, PhoneView>, e: PolysimEvent): void {
  if (e.type === 'snapshot') {
    phones.set(e.phone, {
      index: e.phone,
      model: e.model,
      firmware: e.firmware,
      number: e.number,
      state: e.state,
      calls: e.calls,
      leds: e.leds,
      lines: e.lines,
      screen: e.screen,
      log: [],
      posted: 0,
      connectedSince: new Map(),
    });
    return;
  }
  const p = phones.get(e.phone);
  if (!p) return;
  switch (e.type) {
    case 'state':
      p.state = e.state;
      break;
    case 'calls':
      p.calls = e.calls;
      for (const c of e.calls) if (c.state === 'Connected' && !p.connectedSince.has(c.handle)) p.connectedSince.set(c.handle, Date.now());
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
      const { type: _t, phone: _p, ...row } = e;
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

/** Subscribes to an event stream and re-renders at most every FLUSH_MS. */
export function usePhones(path: string): { phones: Map<number, PhoneView>; connected: boolean } {
  const [phones] = useState(() => new Map<number, PhoneView>());
  const [, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let dirty = false;
    const source = new EventSource(path);
    const onEvent = (m: MessageEvent<string>): void => {
      apply(phones, JSON.parse(m.data) as PolysimEvent);
      dirty = true;
    };
    for (const t of ['snapshot', 'state', 'calls', 'leds', 'registration', 'screen', 'config', 'request', 'provisioning'])
      source.addEventListener(t, onEvent as EventListener);
    source.onopen = () => setConnected(true);
    source.onerror = () => {
      setConnected(false);
      // A refused stream is not retried by the browser: was it the login?
      if (source.readyState === EventSource.CLOSED) void fetch('/ready').then(checkLogin, () => undefined);
    };
    const timer = setInterval(() => {
      if (dirty) {
        dirty = false;
        setVersion((v) => v + 1);
      }
    }, FLUSH_MS);
    return () => {
      clearInterval(timer);
      source.close();
    };
  }, [path]);
  return { phones, connected };
}

export async function polyApi(phone: number, path: string, data?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`/phones/${phone}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data === undefined ? {} : { data }),
  });
  checkLogin(res);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export async function controlApi(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? { 'x-polysim': '1' } : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  checkLogin(res);
  return res.json().catch(() => undefined);
}
