/**
 * The world around a phone, through the control API: incoming calls (one caller, or several one after another on a
 * line), the far ends of its calls with what each can do now, and the far-end scripts (what a dialled number meets).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlFarEnd, ControlScript, ControlScripts } from '@polysim/client';
import { controlCall, describeAnswer } from './store.js';
import type { PhoneView } from './store.js';

/** `from` with k added to its trailing digits (their width kept): +15551234, +15551235, ... */
export function numberPlus(from: string, k: number): string {
  const m = /^(.*?)(\d+)$/.exec(from);
  if (!m || k === 0) return from;
  const digits = m[2] as string;
  return `${m[1] ?? ''}${String(Number(digits) + k).padStart(digits.length, '0')}`;
}

const MAX_CALLERS = 5;

export function IncomingPanel({ index, p }: { index: number; p: PhoneView }) {
  const [from, setFrom] = useState('+15551234');
  const [name, setName] = useState('Customer');
  const [line, setLine] = useState(1);
  const [callers, setCallers] = useState(1);
  const [result, setResult] = useState('');
  const call = async (): Promise<void> => {
    const said: string[] = [];
    for (let k = 0; k < callers; k++) {
      const number = numberPlus(from, k);
      const r = await controlCall('POST', `/phones/${index}/incoming`, {
        from: number,
        ...(name ? { name: callers > 1 ? `${name} ${k + 1}` : name } : {}),
        ...(line === 1 ? {} : { line }),
      });
      said.push(describeAnswer(`call from ${number}`, r));
      if (r.status !== 201) break;
    }
    setResult(said.join('; '));
  };
  return (
    <section class="panel" aria-label="incoming call">
      <h2>Incoming calls</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void call();
        }}
      >
        <label>
          from <input value={from} aria-label="caller number" onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          name <input value={name} aria-label="caller name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          on line{' '}
          <select aria-label="incoming line" value={line} onChange={(e) => setLine(Number((e.target as HTMLSelectElement).value))}>
            {p.lines.map((l) => (
              <option value={l.line}>
                {l.line}: {l.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          callers{' '}
          <input
            type="number"
            min={1}
            max={MAX_CALLERS}
            value={callers}
            aria-label="how many callers"
            title="several callers arrive one after another (numbers counting up): call waiting, a queue"
            onInput={(e) => setCallers(Math.min(MAX_CALLERS, Math.max(1, Number((e.target as HTMLInputElement).value) || 1)))}
          />
        </label>
        <button type="submit">Call this phone</button>
      </form>
      <p aria-live="polite" data-testid="incoming-result">
        {result}
      </p>
    </section>
  );
}

/** What a far end can do in its state: a caller gives up or talks; a callee answers, rejects or talks. */
function actionsOf(f: ControlFarEnd): string[] {
  if (f.state === 'connected') return ['hold', 'resume', 'hangup'];
  if (f.direction === 'from-phone') return ['answer', 'reject', 'hangup'];
  return ['hangup'];
}

export function FarEndsPanel({ p, callsKey }: { p: PhoneView; callsKey: string }) {
  const [farEnds, setFarEnds] = useState<ControlFarEnd[]>([]);
  const [result, setResult] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    void controlCall('GET', '/far-ends').then(({ body }) =>
      setFarEnds(((body as ControlFarEnd[] | undefined) ?? []).filter((f) => f.phoneNumber === p.number && f.state !== 'ended')),
    );
  }, [callsKey, p.number, version]);
  const act = async (f: ControlFarEnd, path: string, body?: unknown): Promise<void> => {
    setResult(describeAnswer(`far end ${f.id} ${path}`, await controlCall('POST', `/far-ends/${f.id}/${path}`, body)));
    setVersion((v) => v + 1);
  };
  return (
    <section class="panel" aria-label="far ends">
      <h2>Far ends</h2>
      {farEnds.length === 0 ? <p>No call of this phone has a far end on the switchboard now.</p> : null}
      {farEnds.map((f) => (
        <div key={f.id} class="farend" data-farend={f.id} data-state={f.state}>
          <span>
            {f.id}: {f.name} {f.number} ({f.direction === 'to-phone' ? 'calls this phone' : 'called by this phone'}) — {f.state}
            {f.holding ? ' (holding)' : ''}
            {f.dtmfReceived ? `, DTMF heard: ${f.dtmfReceived}` : ''}
          </span>{' '}
          {actionsOf(f).map((a) => (
            <button type="button" onClick={() => void act(f, a)}>{`far end: ${a}`}</button>
          ))}
          {f.state === 'connected' ? (
            <button type="button" onClick={() => void act(f, 'dtmf', { digits: '1' })}>
              far end: DTMF 1
            </button>
          ) : null}
        </div>
      ))}
      <p aria-live="polite">{result}</p>
    </section>
  );
}

const BEHAVIOURS = ['answer', 'busy', 'reject', 'no-answer'] as const;

function describeScript(s: ControlScript): string {
  return [
    s.behaviour,
    s.answerAfterMs === undefined ? '' : `after ${s.answerAfterMs} ms`,
    s.hangupAfterMs === undefined ? '' : `hangs up after ${s.hangupAfterMs} ms`,
    s.name ? `as "${s.name}"` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export function ScriptsPanel() {
  const [scripts, setScripts] = useState<ControlScripts | undefined>(undefined);
  const [number, setNumber] = useState('');
  const [behaviour, setBehaviour] = useState<(typeof BEHAVIOURS)[number]>('answer');
  const [answerAfter, setAnswerAfter] = useState('');
  const [hangupAfter, setHangupAfter] = useState('');
  const [name, setName] = useState('');
  const [result, setResult] = useState('');
  const load = async (): Promise<void> => {
    const r = await controlCall('GET', '/scripts');
    if (r.status === 200) setScripts(r.body as ControlScripts);
  };
  useEffect(() => {
    void load();
  }, []);
  const set = async (): Promise<void> => {
    const body = {
      behaviour,
      ...(answerAfter ? { answerAfterMs: Number(answerAfter) } : {}),
      ...(hangupAfter ? { hangupAfterMs: Number(hangupAfter) } : {}),
      ...(name ? { name } : {}),
    };
    const target = number || 'default';
    setResult(describeAnswer(`script for ${target}`, await controlCall('PUT', `/scripts/${encodeURIComponent(target)}`, body)));
    await load();
  };
  const remove = async (n: string): Promise<void> => {
    setResult(describeAnswer(`script for ${n} removed`, await controlCall('DELETE', `/scripts/${encodeURIComponent(n)}`)));
    await load();
  };
  return (
    <section class="panel" aria-label="far-end scripts">
      <h2>Far-end scripts</h2>
      <p>What a call to a number outside the fleet meets (the switchboard's far ends), for every phone.</p>
      <table>
        <tbody>
          {scripts ? (
            <tr data-script="default">
              <td>any other number</td>
              <td>{describeScript(scripts.default)}</td>
              <td />
            </tr>
          ) : null}
          {Object.entries(scripts?.numbers ?? {}).map(([n, s]) => (
            <tr data-script={n}>
              <td>{n}</td>
              <td>{describeScript(s)}</td>
              <td>
                <button type="button" aria-label={`remove the script for ${n}`} onClick={() => void remove(n)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void set();
        }}
      >
        <label>
          number{' '}
          <input
            value={number}
            placeholder="default"
            aria-label="script number"
            onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          meets{' '}
          <select
            aria-label="script behaviour"
            value={behaviour}
            onChange={(e) => setBehaviour((e.target as HTMLSelectElement).value as (typeof BEHAVIOURS)[number])}
          >
            {BEHAVIOURS.map((b) => (
              <option value={b}>{b}</option>
            ))}
          </select>
        </label>
        <label>
          after ms{' '}
          <input
            type="number"
            min={0}
            class="short"
            value={answerAfter}
            aria-label="answer or reject after ms"
            onInput={(e) => setAnswerAfter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          hangs up after ms{' '}
          <input
            type="number"
            min={0}
            class="short"
            value={hangupAfter}
            aria-label="hang up after ms"
            onInput={(e) => setHangupAfter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          name <input value={name} aria-label="far end name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Set script</button>
      </form>
      <p aria-live="polite" data-testid="script-result">
        {result}
      </p>
    </section>
  );
}
