/** `/`: every phone of the fleet, live, filterable; only the rows in view are drawn (a fleet may hold thousands). */
import { useState } from 'preact/hooks';
import type { EventLed } from '@polysim/client';
import { usePhones } from './store.js';
import type { PhoneView } from './store.js';

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

/** The fleet at a glance: how many phones are ready, registered, in a call, and answered their last request with an error. */
function Summary({ phones }: { phones: readonly PhoneView[] }) {
  const count = (f: (p: PhoneView) => boolean): number => phones.filter(f).length;
  const items: [string, string, number][] = [
    ['phones', 'phones', phones.length],
    ['ready', 'ready', count((p) => p.state === 'ready')],
    ['registered', 'registered', count(isRegistered)],
    ['in-call', 'in call', count((p) => p.calls.length > 0)],
    ['errors', 'errors', count(hasError)],
  ];
  return (
    <dl class="summary" aria-label="fleet summary">
      {items.map(([id, label, n]) => (
        <div class={id === 'errors' && n > 0 ? 'bad' : ''}>
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
  return [String(p.index), p.number, p.model, p.state, registration(p), callSummary(p)].some((s) => s.toLowerCase().includes(f));
}

export function FleetPage() {
  const { phones, connected } = usePhones('/events');
  const [filter, setFilter] = useState('');
  const [top, setTop] = useState(0);
  const rows = [...phones.values()].filter((p) => matches(p, filter)).sort((a, b) => a.index - b.index);
  const height = 0.7 * window.innerHeight;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const all = [...phones.values()];
  return (
    <main>
      <Summary phones={all} />
      <form onSubmit={(e) => e.preventDefault()} role="search">
        <label>
          Filter{' '}
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
            placeholder="number, model or state"
            aria-label="filter phones by number, model or state"
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
        <div class="row head" role="row">
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
            <div class="row" role="row" data-phone={p.index} style={{ top: `${(first + k) * ROW}px` }} key={p.index}>
              <span role="cell">
                <a href={`/phones/${p.index}`}>{p.index}</a>
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
