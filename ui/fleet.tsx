/**
 * `/`: every phone of the fleet, live, filterable; only the rows in view are drawn (a fleet may hold thousands). A
 * fleet in shards (this control port told of its peers): every shard's phones from one merged stream, each row
 * naming its shard, the summary counting them all, a phone of a peer opened through this port.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlShard, EventLed } from '@polysim/client';
import { controlCall, usePhones } from './store.js';
import type { PhoneView, ShardEvent } from './store.js';

const ROW = 32;
const OVERSCAN = 10;

export function Led({ led, label }: { led?: EventLed; label: string }) {
  const on = led && led.State !== 'off';
  return (
    <span
      class={`led ${on ? `${led.Color ?? 'green'} ${led.State}` : ''}`}
      role="img"
      aria-label={`${label}: ${on ? `${led.Color ?? ''} ${led.State}` : 'off'}`}
    />
  );
}

function callSummary(p: PhoneView): string {
  if (p.calls.length === 0) return 'idle';
  return p.calls.map((c) => `${c.state} ${c.remoteNumber}`).join(', ');
}

/** Every line with an address registered. */
function isRegistered(p: PhoneView): boolean {
  return p.lines.length > 0 && p.lines.every((l) => l.registered);
}

/** The phone's last request was refused or failed (HTTP 4xx or 5xx). */
function hasError(p: PhoneView): boolean {
  return (p.lastRequest?.httpStatus ?? 0) >= 400;
}

/**
 * The fleet at a glance: how many phones are ready, registered, in a call, and answered their last request with an
 * error; in shards, how many shards answer.
 */
function Summary({ phones, shards }: { phones: readonly PhoneView[]; shards?: { answering: number; all: number } }) {
  const count = (f: (p: PhoneView) => boolean): number => phones.filter(f).length;
  const items: [string, string, number | string][] = [
    ...(shards ? [['shards', 'shards', `${shards.answering} of ${shards.all}`] as [string, string, string]] : []),
    ['phones', 'phones', phones.length],
    ['ready', 'ready', count((p) => p.state === 'ready')],
    ['registered', 'registered', count(isRegistered)],
    ['in-call', 'in call', count((p) => p.calls.length > 0)],
    ['errors', 'errors', count(hasError)],
  ];
  return (
    <dl class="summary" aria-label="fleet summary">
      {items.map(([id, label, n]) => (
        <div class={(id === 'errors' && Number(n) > 0) || (id === 'shards' && shards && shards.answering < shards.all) ? 'bad' : ''}>
          <dt>{label}</dt>
          <dd data-testid={`summary-${id}`}>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

function registration(p: PhoneView): string {
  const line = p.lines[0];
  if (!line) return '(no line)';
  const where = line.server ? ` (${line.server})` : '';
  return line.registered ? `Registered${where}` : `Unregistered${line.reason ? `: ${line.reason}` : ''}${where}`;
}

export function matches(p: PhoneView, filter: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return [String(p.index), p.number, p.model, p.state, registration(p), callSummary(p), p.shard ?? ''].some((s) =>
    s.toLowerCase().includes(f),
  );
}

/** The shards this port knows (GET /shards): undefined while asked; one (this port's) unless it has peers. */
function useShards(): ControlShard[] | undefined {
  const [shards, setShards] = useState<ControlShard[] | undefined>(undefined);
  useEffect(() => {
    void controlCall('GET', '/shards').then(
      (r) => setShards(r.status === 200 && Array.isArray(r.body) ? (r.body as ControlShard[]) : []),
      () => setShards([]),
    );
  }, []);
  return shards;
}

export function FleetPage() {
  const shards = useShards();
  if (shards === undefined)
    return (
      <main>
        <p>connecting…</p>
      </main>
    );
  return <Fleet shards={shards.length > 1 ? shards : undefined} />;
}

/** A shard that does not answer, and why. */
function ShardTroubles({ known, said }: { known: readonly ControlShard[]; said: ReadonlyMap<string, ShardEvent> }) {
  const down = known.filter((s) => said.get(s.name)?.connected === false);
  if (down.length === 0) return null;
  return (
    <ul class="bad" role="status" aria-label="shards not answering">
      {down.map((s) => (
        <li data-shard={s.name}>
          shard {s.name}: not answering{said.get(s.name)?.error ? ` (${said.get(s.name)?.error})` : ''}
        </li>
      ))}
    </ul>
  );
}

function Fleet({ shards }: { shards?: readonly ControlShard[] }) {
  const { phones, connected, shards: said } = usePhones(shards ? '/shards/events' : '/events');
  const [filter, setFilter] = useState('');
  const [top, setTop] = useState(0);
  // Shards in the order GET /shards gives (this one first), phones by index within each.
  const order = new Map((shards ?? []).map((s, i) => [s.name, i]));
  const local = shards?.find((s) => s.local)?.name;
  const known = [...(shards ?? []), ...[...said.keys()].filter((n) => !order.has(n)).map((name) => ({ name, url: '', local: false }))];
  const rank = (p: PhoneView): number => order.get(p.shard ?? '') ?? order.size;
  const rows = [...phones.values()]
    .filter((p) => matches(p, filter))
    .sort((a, b) => rank(a) - rank(b) || (a.shard ?? '').localeCompare(b.shard ?? '') || a.index - b.index);
  const href = (p: PhoneView): string =>
    p.shard === undefined || p.shard === local ? `/phones/${p.index}` : `/shards/${encodeURIComponent(p.shard)}/phones/${p.index}`;
  const answering = known.filter((s) => s.local || said.get(s.name)?.connected === true).length;
  const height = 0.7 * window.innerHeight;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const all = [...phones.values()];
  return (
    <main>
      <Summary phones={all} shards={shards ? { answering, all: known.length } : undefined} />
      {shards ? <ShardTroubles known={known} said={said} /> : null}
      <form onSubmit={(e) => e.preventDefault()} role="search">
        <label>
          Filter{' '}
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
            placeholder={shards ? 'number, model, state or shard' : 'number, model or state'}
            aria-label={shards ? 'filter phones by number, model, state or shard' : 'filter phones by number, model or state'}
          />
        </label>
        <span aria-live="polite">
          {rows.length} of {phones.size} phones {connected ? '' : '(connecting…)'}
        </span>
      </form>
      <div
        class="grid"
        role="table"
        aria-label="phones"
        aria-rowcount={rows.length + 1}
        onScroll={(e) => setTop((e.target as HTMLElement).scrollTop)}
      >
        <div class={`row head ${shards ? 'sharded' : ''}`} role="row">
          {shards ? <span role="columnheader">shard</span> : null}
          <span role="columnheader">#</span>
          <span role="columnheader">model</span>
          <span role="columnheader">firmware</span>
          <span role="columnheader">number</span>
          <span role="columnheader">registration</span>
          <span role="columnheader">state</span>
          <span role="columnheader">calls</span>
          <span role="columnheader">LEDs</span>
          <span role="columnheader">last request</span>
        </div>
        <div style={{ height: `${rows.length * ROW}px`, position: 'relative' }}>
          {rows.slice(first, last).map((p, k) => (
            <div
              class={`row ${shards ? 'sharded' : ''}`}
              role="row"
              data-phone={p.index}
              data-shard={p.shard}
              style={{ top: `${(first + k) * ROW}px` }}
              key={`${p.shard ?? ''}#${p.index}`}
            >
              {shards ? (
                <span role="cell" title={p.shard}>
                  {p.shard}
                </span>
              ) : null}
              <span role="cell">
                <a href={href(p)}>{p.index}</a>
              </span>
              <span role="cell">{p.model}</span>
              <span role="cell">{p.firmware}</span>
              <span role="cell" title={p.number}>
                {p.number}
              </span>
              <span role="cell" title={registration(p)}>
                {registration(p)}
              </span>
              <span role="cell">{p.state}</span>
              <span role="cell" class="calls" title={callSummary(p)}>
                {callSummary(p)}
              </span>
              <span role="cell">
                <Led led={p.leds?.Lines[0]} label="line 1" />
              </span>
              <span
                role="cell"
                class={`lastreq ${hasError(p) ? 'bad' : ''}`}
                title={p.lastRequest ? `${p.lastRequest.at} ${p.lastRequest.url}` : ''}
              >
                {p.lastRequest ? `${p.lastRequest.method} ${p.lastRequest.status ?? p.lastRequest.httpStatus} ${p.lastRequest.url}` : ''}
              </span>
            </div>
          ))}
        </div>
      </div>
    </main>
  );
}
