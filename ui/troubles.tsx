/**
 * Trouble to test clients with, through the control API: faults (the next requests answer a Status), latency (extra
 * time per request) and registration loss (the call server stops answering a line's registrations).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlFault, ControlPhone } from '@polysim/client';
import { MEANINGS } from '@polysim/client/status';
import { controlCall, describeAnswer } from './store.js';
import type { PhoneView } from './store.js';

/** The Status codes a fault may answer: every code of the manual but success. */
const FAULT_CODES = Object.keys(MEANINGS).filter((c) => c !== '2000');

export function FaultsPanel({ index, requests }: { index: number; requests: number }) {
  const [faults, setFaults] = useState<ControlFault[]>([]);
  const [status, setStatus] = useState('4001');
  const [path, setPath] = useState('');
  const [count, setCount] = useState(1);
  const [result, setResult] = useState('');
  const [version, setVersion] = useState(0);
  // Read again after each request the phone answers: a fault is used up by the requests it answers.
  useEffect(() => {
    void controlCall('GET', `/phones/${index}/faults`).then((r) => {
      if (r.status === 200) setFaults(r.body as ControlFault[]);
    });
  }, [index, requests, version]);
  const add = async (): Promise<void> => {
    const r = await controlCall('POST', `/phones/${index}/faults`, { status, count, ...(path ? { path } : {}) });
    setResult(describeAnswer(`fault ${status}`, r));
    setVersion((v) => v + 1);
  };
  const clear = async (): Promise<void> => {
    setResult(describeAnswer('faults cleared', await controlCall('DELETE', `/phones/${index}/faults`)));
    setVersion((v) => v + 1);
  };
  return (
    <section class="panel" aria-label="faults">
      <h2>Faults</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          the next{' '}
          <input
            type="number"
            class="short"
            min={1}
            max={10000}
            value={count}
            aria-label="fault count"
            onInput={(e) => setCount(Math.max(1, Number((e.target as HTMLInputElement).value) || 1))}
          />
        </label>
        <label>
          requests to{' '}
          <input
            value={path}
            placeholder="any path"
            aria-label="fault path"
            title="a REST path such as /api/v1/callctrl/dial, /push or /polling/...; empty: any request"
            onInput={(e) => setPath((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          answer{' '}
          <select aria-label="fault status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            {FAULT_CODES.map((c) => (
              <option value={c}>
                {c} {MEANINGS[c]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Add fault</button>
        <button type="button" disabled={faults.length === 0} onClick={() => void clear()}>
          Clear faults
        </button>
      </form>
      {faults.length === 0 ? (
        <p data-testid="faults">No fault waiting.</p>
      ) : (
        <ul data-testid="faults">
          {faults.map((f) => (
            <li data-fault={f.status}>
              {f.status} {MEANINGS[f.status] ?? ''} for {f.path ?? 'any request'}: {f.remaining} more
            </li>
          ))}
        </ul>
      )}
      <p aria-live="polite">{result}</p>
    </section>
  );
}

export function LatencyAndLines({ index, p, info, reload }: { index: number; p: PhoneView; info: ControlPhone; reload: () => void }) {
  const [ms, setMs] = useState(String(info.latencyMs));
  const [result, setResult] = useState('');
  useEffect(() => setMs(String(info.latencyMs)), [info.latencyMs]);
  const setLatency = async (): Promise<void> => {
    setResult(describeAnswer(`latency ${ms} ms`, await controlCall('PUT', `/phones/${index}/latency`, { ms: Number(ms) })));
    reload();
  };
  const register = async (line: number, registered: boolean): Promise<void> => {
    const r = await controlCall('PUT', `/phones/${index}/lines/${line}/registration`, { registered });
    setResult(describeAnswer(`line ${line} ${registered ? 'registers again' : 'loses its registration'}`, r));
  };
  return (
    <section class="panel" aria-label="latency and registration">
      <h2>Latency and registration</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void setLatency();
        }}
      >
        <label>
          Extra time per request{' '}
          <input
            type="number"
            class="short"
            min={0}
            max={600000}
            value={ms}
            aria-label="latency in ms"
            onInput={(e) => setMs((e.target as HTMLInputElement).value)}
          />{' '}
          ms
        </label>
        <button type="submit">Set latency</button>
        <span data-testid="latency">now {info.latencyMs} ms</span>
      </form>
      <table>
        <tbody>
          {p.lines.map((l) => (
            <tr data-line-registration={l.line}>
              <td>
                line {l.line} ({l.label})
              </td>
              <td class={l.registered ? '' : 'bad'}>
                {l.registered ? 'registered' : `unregistered${l.reason ? `: ${l.reason}` : ''}`}
                {l.server ? ` (${l.server})` : ''}
              </td>
              <td>
                {l.registered ? (
                  <button type="button" onClick={() => void register(l.line, false)}>
                    Lose registration
                  </button>
                ) : (
                  <button type="button" onClick={() => void register(l.line, true)}>
                    Register again
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p aria-live="polite">{result}</p>
    </section>
  );
}
