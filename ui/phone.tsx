/**
 * `/phones/:i`: one phone. Its screen drawn from the screen model (status bar, line keys with their LEDs, softkeys),
 * its calls, keys and hook through the Poly API (simulateKeyEvent, simulateHook, callctrl: the same code a REST
 * client reaches), the world around it through the control API (incoming calls, far ends), and its request log.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlFarEnd } from '@polysim/client';
import { ConfigBrowser } from './config.js';
import { Led } from './fleet.js';
import { OutboundPanel, ProvisioningPanel } from './outbound.js';
import { controlApi, polyApi, usePhones } from './store.js';
import type { PhoneView } from './store.js';

const DIALPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'Star', '0', 'Pound'];

/** The screen as the phone's UIXML operation gives it (GET /api/v1/mgmt/uixml), fetched while open and on each change. */
function UixmlPanel({ index, screenKey }: { index: number; screenKey: string }) {
  const [openPanel, setOpenPanel] = useState(false);
  const [xml, setXml] = useState('');
  useEffect(() => {
    if (!openPanel) return;
    void fetch(`/phones/${index}/api/v1/mgmt/uixml`)
      .then((r) => r.json())
      .then((j: { data?: { UIXML?: string } | string }) => {
        setXml(typeof j.data === 'string' ? j.data : (j.data?.UIXML ?? JSON.stringify(j, null, 2)));
      })
      .catch(() => setXml('(no answer)'));
  }, [openPanel, screenKey, index]);
  return (
    <details class="panel" onToggle={(e) => setOpenPanel((e.target as HTMLDetailsElement).open)}>
      <summary>The screen as UIXML</summary>
      <pre data-testid="uixml">{xml}</pre>
    </details>
  );
}

function Screen({ p, onKey }: { p: PhoneView; onKey: (key: string) => void }) {
  const s = p.screen;
  const now = new Date();
  return (
    <div class="screen" aria-label="phone screen" data-view={s?.view}>
      <div class="status">
        <span>{p.number}</span>
        <span>{s?.view}</span>
        <span data-testid="hook">{s?.offHook ? 'off hook' : 'on hook'}</span>
        {s?.locked ? <span data-testid="locked">locked</span> : null}
        <span>{now.toTimeString().slice(0, 5)}</span>
      </div>
      <div class="body">
        <div class="linekeys">
          {(p.leds?.Lines ?? []).map((l) => {
            const line = p.lines.find((x) => String(x.line) === l.LineNumber);
            // an unregistered line shows so on its key, as the phone's line icon does; the reason on hover
            const why = line && !line.registered ? `unregistered${line.reason ? `: ${line.reason}` : ''}` : undefined;
            return (
              <button
                class="linekey"
                type="button"
                onClick={() => onKey(`Line${l.LineNumber}`)}
                aria-label={`line key ${l.LineNumber}`}
                title={why ?? line?.server}
              >
                <Led led={l} label={`line ${l.LineNumber}`} />
                {line?.address ?? l.LineNumber}
                {why ? <span class="unregistered"> ✕</span> : null}
              </button>
            );
          })}
        </div>
        <div class="center" aria-live="polite">
          {s?.push ? (
            <div class="push" data-testid="push" data-priority={s.push.priority}>
              <div>
                <strong>{s.push.priority}</strong>
                {s.push.waiting > 0 ? ` (${s.push.waiting} waiting)` : ''}
                {s.push.url ? <small> {s.push.url}</small> : null}
              </div>
              <pre>{s.push.text}</pre>
            </div>
          ) : null}
          {s?.dialBuffer ? (
            <div>
              Dial: <strong data-testid="dial-buffer">{s.dialBuffer}</strong>
            </div>
          ) : null}
          {p.calls.map((c) => (
            <div key={c.handle} data-call={c.handle}>
              {c.direction === 'Incoming' ? 'From' : 'To'} {c.remoteName || c.remoteNumber} — {c.state}
            </div>
          ))}
          {p.calls.length === 0 && !s?.dialBuffer && !s?.push ? <div>{p.state === 'ready' ? 'Idle' : p.state}</div> : null}
        </div>
      </div>
      <div class="softkeys" role="group" aria-label="softkeys">
        {(s?.softkeys ?? []).map((label, i) => (
          <button type="button" data-softkey={i + 1} onClick={() => onKey(`SoftKey${i + 1}`)}>
            {label}
          </button>
        ))}
      </div>
    </div>
  );
}

export function PhonePage({ index }: { index: number }) {
  const { phones } = usePhones(`/phones/${index}/events`);
  const p = phones.get(index);
  const [farEnds, setFarEnds] = useState<ControlFarEnd[]>([]);
  const [from, setFrom] = useState('+15551234');
  const [name, setName] = useState('Customer');
  const [logFilter, setLogFilter] = useState('');
  const [last, setLast] = useState('');
  const [transferTo, setTransferTo] = useState('');
  const [open, setOpen] = useState<number | undefined>(undefined);
  const callsKey = p?.calls.map((c) => `${c.handle}:${c.state}`).join() ?? '';
  useEffect(() => {
    void controlApi('GET', '/far-ends').then((list) =>
      setFarEnds(((list as ControlFarEnd[] | undefined) ?? []).filter((f) => f.phoneNumber === p?.number)),
    );
  }, [callsKey, p?.number]);
  if (!p)
    return (
      <main>
        <p>Phone {index}: connecting…</p>
      </main>
    );

  const act = async (path: string, data?: unknown): Promise<void> => {
    const r = await polyApi(index, path, data);
    setLast(`${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };
  const key = (k: string): Promise<void> => act('/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: k });
  const log = p.log.filter(
    (r) => !logFilter || `${r.method} ${r.url} ${r.status ?? ''} ${r.httpStatus}`.toLowerCase().includes(logFilter.toLowerCase()),
  );
  return (
    <main>
      <h1>
        Phone {index}: {p.model} ({p.firmware}), line 1 {p.number} — {p.state}
      </h1>
      <div class="phone">
        <div class="device">
          <Screen p={p} onKey={(k) => void key(k)} />
          <div class="keys" role="group" aria-label="dial pad">
            {DIALPAD.map((d) => (
              <button
                type="button"
                onClick={() => void key(`Dialpad${d}`)}
                aria-label={`key ${d === 'Star' ? '*' : d === 'Pound' ? '#' : d}`}
              >
                {d === 'Star' ? '*' : d === 'Pound' ? '#' : d}
              </button>
            ))}
          </div>
          <div class="keys">
            <button type="button" onClick={() => void act('/api/v1/mgmt/simulateHook', { Type: 'Up' })}>
              Off hook
            </button>
            <button type="button" onClick={() => void act('/api/v1/mgmt/simulateHook', { Type: 'Down' })}>
              On hook
            </button>
            <button type="button" onClick={() => void controlApi('PUT', `/phones/${index}/lock`, { locked: !p.screen?.locked })}>
              {p.screen?.locked ? 'Unlock' : 'Lock'}
            </button>
            {p.screen?.push ? (
              <button type="button" onClick={() => void controlApi('POST', `/phones/${index}/push/dismiss`)}>
                Close message
              </button>
            ) : null}
            <span>
              <Led led={p.leds?.Mute} label="mute" /> mute <Led led={p.leds?.Speaker} label="speaker" /> spk
            </span>
          </div>
        </div>
        <div>
          <section class="panel" aria-label="calls">
            <h2>Calls</h2>
            <table>
              <thead>
                <tr>
                  <th>handle</th>
                  <th>line</th>
                  <th>direction</th>
                  <th>remote</th>
                  <th>state</th>
                  <th>duration</th>
                  <th>actions</th>
                </tr>
              </thead>
              <tbody>
                {p.calls.map((c) => {
                  const since = p.connectedSince.get(c.handle);
                  return (
                    <tr key={c.handle} data-call={c.handle}>
                      <td>{c.handle}</td>
                      <td>{c.line}</td>
                      <td>{c.direction}</td>
                      <td>
                        {c.remoteName} {c.remoteNumber}
                      </td>
                      <td data-testid="call-state">{c.state}</td>
                      <td>{since ? `${Math.round((Date.now() - since) / 1000)} s` : ''}</td>
                      <td>
                        {c.state === 'Offering' ? (
                          <button type="button" onClick={() => void act('/api/v1/callctrl/answerCall', { Ref: c.handle })}>
                            Answer
                          </button>
                        ) : null}
                        {c.state === 'Connected' ? (
                          <button type="button" onClick={() => void act('/api/v1/callctrl/holdCall', { Ref: c.handle })}>
                            Hold
                          </button>
                        ) : null}
                        {c.state === 'Hold' ? (
                          <button type="button" onClick={() => void act('/api/v1/callctrl/resumeCall', { Ref: c.handle })}>
                            Resume
                          </button>
                        ) : null}
                        {c.state === 'Connected' || c.state === 'Hold' ? (
                          <button
                            type="button"
                            disabled={!transferTo}
                            onClick={() => void act('/api/v1/callctrl/transferCall', { Ref: c.handle, TransferDest: transferTo })}
                          >
                            Transfer
                          </button>
                        ) : null}
                        {c.state === 'Offering' ? null : (
                          <button type="button" onClick={() => void act('/api/v1/callctrl/endCall', { Ref: c.handle })}>
                            Hang up
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <label>
              Transfer to{' '}
              <input
                value={transferTo}
                onInput={(e) => setTransferTo((e.target as HTMLInputElement).value)}
                aria-label="transfer destination"
                placeholder="number"
              />
            </label>
            <p aria-live="polite" class="last">
              {last}
            </p>
          </section>
          <section class="panel" aria-label="incoming call">
            <h2>An incoming call</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void controlApi('POST', `/phones/${index}/incoming`, { from, name });
              }}
            >
              <label>
                from <input value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
              </label>
              <label>
                name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              </label>
              <button type="submit">Call this phone</button>
            </form>
            {farEnds.map((f) => (
              <div key={f.id} class="farend" data-farend={f.id}>
                {f.id}: {f.name} {f.number} — {f.state}
                {f.holding ? ' (holding)' : ''}{' '}
                {['answer', 'hold', 'resume', 'hangup'].map((a) => (
                  <button type="button" onClick={() => void controlApi('POST', `/far-ends/${f.id}/${a}`)}>{`far end: ${a}`}</button>
                ))}
                <button type="button" onClick={() => void controlApi('POST', `/far-ends/${f.id}/dtmf`, { digits: '1' })}>
                  far end: DTMF 1
                </button>
              </div>
            ))}
          </section>
          <section class="panel" aria-label="request log">
            <h2>Requests</h2>
            <label>
              Filter{' '}
              <input
                type="search"
                value={logFilter}
                onInput={(e) => setLogFilter((e.target as HTMLInputElement).value)}
                aria-label="filter requests"
              />
            </label>
            <div class="log">
              <table>
                <thead>
                  <tr>
                    <th>time</th>
                    <th>via</th>
                    <th>method</th>
                    <th>path</th>
                    <th>auth</th>
                    <th>HTTP</th>
                    <th>Status</th>
                    <th>ms</th>
                  </tr>
                </thead>
                <tbody>
                  {[...log].reverse().flatMap((r) => [
                    <tr key={r.seq} data-request={r.seq} class={r.httpStatus >= 400 ? 'bad' : ''}>
                      <td>
                        <button
                          type="button"
                          class="linkish"
                          aria-expanded={open === r.seq}
                          aria-label={`details of ${r.method} ${r.url}`}
                          onClick={() => setOpen(open === r.seq ? undefined : r.seq)}
                        >
                          {r.at.slice(11, 19)}
                        </button>
                      </td>
                      <td>{r.direction === 'out' ? `${r.transport} out` : r.transport}</td>
                      <td>{r.method}</td>
                      <td>{r.url}</td>
                      <td>{r.auth ?? ''}</td>
                      <td>{r.httpStatus}</td>
                      <td>{r.status ?? ''}</td>
                      <td>{r.ms}</td>
                    </tr>,
                    ...(open === r.seq
                      ? [
                          <tr key={`detail-${r.seq}`} data-request-detail={r.seq}>
                            <td colSpan={8}>
                              <pre>
                                {[
                                  ...(r.detail ? [r.detail, ''] : []),
                                  ...Object.entries(r.requestHeaders ?? {}).map(([k, v]) => `${k}: ${v}`),
                                  '',
                                  r.requestBody ?? '(no body)',
                                  '',
                                  `answer: ${r.responseBody ?? ''}`,
                                ].join('\n')}
                              </pre>
                            </td>
                          </tr>,
                        ]
                      : []),
                  ])}
                </tbody>
              </table>
            </div>
          </section>
          <OutboundPanel index={index} posted={p.posted} />
          <ProvisioningPanel run={p.provisioning} />
          <UixmlPanel index={index} screenKey={JSON.stringify(p.screen ?? {}) + callsKey} />
          <ConfigBrowser index={index} />
        </div>
      </div>
    </main>
  );
}
