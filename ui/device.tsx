/**
 * The phone as its model is (GET /phones/{i}: family, key set, screen): a key model (VVX, Edge E, Trio 8300) gets the
 * keys of its key set only, pressed through simulateKeyEvent; a touch model, or one whose key set has no dial pad
 * (CCX, Trio 8500/8800/C60), gets its screen's dial form and on-screen call buttons, through call control
 * (callctrl/*), and its few hard keys. Line keys show their labels (reg.N.label, else the number).
 */
import { useState } from 'preact/hooks';
import type { ControlPhone, EventCall } from '@polysim/client';
import { callDuration } from './clock.js';
import { Led } from './fleet.js';
import type { PhoneView } from './store.js';

export type Act = (path: string, data?: unknown) => Promise<void>;

const DIALPAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'Star', '0', 'Pound'];
const NAV = ['ArrowUp', 'ArrowLeft', 'Select', 'ArrowRight', 'ArrowDown'];
/** The other keys of the VVX/Edge E/Trio 8300 set, and the CCX/Trio hard keys, with what their caps say. */
const FUNCTION_KEYS: Readonly<Record<string, string>> = {
  Menu: 'Home',
  Applications: 'Apps',
  Redial: 'Redial',
  Transfer: 'Transfer',
  Delete: 'Delete',
  Handsfree: 'Speaker',
  Headset: 'Headset',
  MicMute: 'Mute',
  VolDown: 'Vol −',
  VolUp: 'Vol +',
};
const NAV_CAPS: Readonly<Record<string, string>> = { ArrowUp: '▲', ArrowLeft: '◀', Select: 'OK', ArrowRight: '▶', ArrowDown: '▼' };
const digit = (d: string): string => (d === 'Star' ? '*' : d === 'Pound' ? '#' : d);

/** Drawn as a touch phone: a touch screen, or no dial pad among the keys its API takes. */
export function isTouch(info: ControlPhone): boolean {
  return info.screen.touch || !info.keys.includes('Dialpad1');
}

/** Trios are conference phones: no handset, no hook. */
function hasHandset(info: ControlPhone): boolean {
  return !info.family.startsWith('Trio');
}

function KeyButton({ name, cap, label, onKey }: { name: string; cap: string; label?: string; onKey: (k: string) => void }) {
  return (
    <button type="button" data-key={name} aria-label={label ?? `key ${name}`} onClick={() => onKey(name)}>
      {cap}
    </button>
  );
}

/** The line keys (key models: LineN of the key set) or the line list (touch models), with LEDs and labels. */
function Lines({ p, keys, onKey }: { p: PhoneView; keys: ReadonlySet<string> | undefined; onKey: (k: string) => void }) {
  return (
    <div class="linekeys" role="group" aria-label="lines">
      {(p.leds?.Lines ?? []).map((l) => {
        const line = p.lines.find((x) => String(x.line) === l.LineNumber);
        // an unregistered line shows so on its key, as the phone's line icon does; the reason on hover
        const why = line && !line.registered ? `unregistered${line.reason ? `: ${line.reason}` : ''}` : undefined;
        const content = (
          <>
            <Led led={l} label={`line ${l.LineNumber}`} />
            <span class="linelabel" data-testid={`line-label-${l.LineNumber}`}>
              {line?.label || line?.address || l.LineNumber}
            </span>
            {why ? <span class="unregistered"> ✕</span> : null}
          </>
        );
        const title = why ?? line?.address;
        return keys?.has(`Line${l.LineNumber}`) ? (
          <button
            class="linekey"
            type="button"
            data-key={`Line${l.LineNumber}`}
            onClick={() => onKey(`Line${l.LineNumber}`)}
            aria-label={`line key ${l.LineNumber}`}
            title={title}
          >
            {content}
          </button>
        ) : (
          <div class="linekey" title={title} data-line={l.LineNumber}>
            {content}
          </div>
        );
      })}
    </div>
  );
}

/** A call's buttons on a touch screen: what the phone's call screen offers, each through call control. */
function TouchCallButtons({ c, calls, dest, act }: { c: EventCall; calls: readonly EventCall[]; dest: string; act: Act }) {
  const ref = { Ref: c.handle };
  const b = (label: string, path: string, data: unknown = ref, disabled = false) => (
    <button type="button" disabled={disabled} onClick={() => void act(`/api/v1/callctrl/${path}`, data)}>
      {label}
    </button>
  );
  const up = calls.filter((x) => x.state === 'Connected' || x.state === 'Hold').length;
  return (
    <div class="touchbuttons" role="group" aria-label={`call ${c.remoteName || c.remoteNumber}`}>
      {c.state === 'Offering' ? [b('Answer', 'answerCall'), b('Ignore', 'ignoreCall'), b('Reject', 'rejectCall')] : null}
      {c.state === 'Connected' ? b('Hold', 'holdCall') : null}
      {c.state === 'Hold' ? b('Resume', 'resumeCall') : null}
      {c.state === 'Connected' || c.state === 'Hold'
        ? b(dest ? `Transfer to ${dest}` : 'Transfer', 'transferCall', { ...ref, TransferDest: dest }, !dest)
        : null}
      {up >= 2 && (c.state === 'Connected' || c.state === 'Hold') ? b('Join', 'joinCalls', {}) : null}
      {c.state === 'Offering' ? null : b('End', 'endCall')}
    </div>
  );
}

/** The dial form of a touch screen: the number, the line when there is a choice, and Dial (callctrl/dial). */
function DialForm({ p, dest, setDest, act }: { p: PhoneView; dest: string; setDest: (d: string) => void; act: Act }) {
  const [line, setLine] = useState(1);
  return (
    <form
      class="dialform"
      aria-label="dial"
      onSubmit={(e) => {
        e.preventDefault();
        if (dest) void act('/api/v1/callctrl/dial', line === 1 ? { Dest: dest } : { Dest: dest, Line: line });
      }}
    >
      <label>
        Number to dial{' '}
        <input value={dest} inputMode="tel" onInput={(e) => setDest((e.target as HTMLInputElement).value)} placeholder="number" />
      </label>
      {p.lines.length > 1 ? (
        <label>
          on line{' '}
          <select value={line} onChange={(e) => setLine(Number((e.target as HTMLSelectElement).value))}>
            {p.lines.map((l) => (
              <option value={l.line}>
                {l.line}: {l.label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <button type="submit" disabled={!dest}>
        Dial
      </button>
    </form>
  );
}

function Screen({
  p,
  info,
  now,
  touch,
  handset,
  dest,
  setDest,
  act,
  onKey,
}: {
  p: PhoneView;
  info: ControlPhone;
  now: number | undefined;
  touch: boolean;
  handset: boolean;
  dest: string;
  setDest: (d: string) => void;
  act: Act;
  onKey: (key: string) => void;
}) {
  const s = p.screen;
  const keys = touch ? undefined : new Set(info.keys);
  const selected = p.lines.find((l) => l.line === (s?.selectedLine ?? 1));
  return (
    <div class={`screen${touch ? ' touch' : ''}`} aria-label="phone screen" data-view={s?.view}>
      <div class="status">
        <span>{selected?.label || p.number}</span>
        <span>{s?.view}</span>
        {handset ? <span data-testid="hook">{s?.offHook ? 'off hook' : 'on hook'}</span> : null}
        {s?.locked ? <span data-testid="locked">locked</span> : null}
        <span data-testid="phone-time">{now === undefined ? '' : new Date(now).toTimeString().slice(0, 5)}</span>
      </div>
      <div class="body">
        <Lines p={p} keys={keys} onKey={onKey} />
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
            <div key={c.handle} data-screen-call={c.handle} class="screencall">
              <div>
                {c.direction === 'Incoming' ? 'From' : 'To'} {c.remoteName || c.remoteNumber} — {c.state}{' '}
                <span data-testid="screen-duration">{callDuration(c.connectedAt, now)}</span>
              </div>
              {touch ? <TouchCallButtons c={c} calls={p.calls} dest={dest} act={act} /> : null}
            </div>
          ))}
          {p.calls.length === 0 && !s?.dialBuffer && !s?.push ? <div>{p.state === 'ready' ? 'Idle' : p.state}</div> : null}
        </div>
      </div>
      {touch ? (
        <DialForm p={p} dest={dest} setDest={setDest} act={act} />
      ) : (
        <div class="softkeys" role="group" aria-label="softkeys">
          {(s?.softkeys ?? [])
            .map((label, i) => ({ label, n: i + 1, name: `SoftKey${i + 1}` }))
            .filter((k) => keys?.has(k.name))
            .map((k) => (
              <button type="button" data-softkey={k.n} data-key={k.name} onClick={() => onKey(k.name)}>
                {k.label}
              </button>
            ))}
        </div>
      )}
    </div>
  );
}

/** The keys below the screen: of the model's key set only. */
function Keys({ info, onKey }: { info: ControlPhone; onKey: (k: string) => void }) {
  const keys = new Set(info.keys);
  const nav = NAV.filter((k) => keys.has(k));
  const pad = DIALPAD.filter((d) => keys.has(`Dialpad${d}`));
  const fn = Object.keys(FUNCTION_KEYS).filter((k) => keys.has(k));
  return (
    <>
      {nav.length > 0 ? (
        <div class="nav" role="group" aria-label="navigation keys">
          {nav.map((k) => (
            <KeyButton name={k} cap={NAV_CAPS[k] ?? k} onKey={onKey} />
          ))}
        </div>
      ) : null}
      {pad.length > 0 ? (
        <div class="keys" role="group" aria-label="dial pad">
          {pad.map((d) => (
            <KeyButton name={`Dialpad${d}`} cap={digit(d)} label={`key ${digit(d)}`} onKey={onKey} />
          ))}
        </div>
      ) : null}
      {fn.length > 0 ? (
        <div class="keys fn" role="group" aria-label="hard keys">
          {fn.map((k) => (
            <KeyButton name={k} cap={FUNCTION_KEYS[k] ?? k} onKey={onKey} />
          ))}
        </div>
      ) : null}
    </>
  );
}

export function Device({
  p,
  info,
  now,
  act,
  onLock,
  onClosePush,
}: {
  p: PhoneView;
  info: ControlPhone;
  now: number | undefined;
  act: Act;
  onLock: () => void;
  onClosePush: () => void;
}) {
  const touch = isTouch(info);
  const handset = hasHandset(info);
  const [dest, setDest] = useState('');
  const onKey = (k: string): void => void act('/api/v1/mgmt/simulateKeyEvent', { Type: 'Tap', KeyName: k });
  return (
    <div class="device" data-family={info.family} data-touch={String(touch)}>
      <Screen p={p} info={info} now={now} touch={touch} handset={handset} dest={dest} setDest={setDest} act={act} onKey={onKey} />
      <Keys info={info} onKey={onKey} />
      <div class="keys">
        {handset ? (
          <>
            <button type="button" onClick={() => void act('/api/v1/mgmt/simulateHook', { Type: 'Up' })}>
              Off hook
            </button>
            <button type="button" onClick={() => void act('/api/v1/mgmt/simulateHook', { Type: 'Down' })}>
              On hook
            </button>
          </>
        ) : null}
        <button type="button" onClick={onLock}>
          {p.screen?.locked ? 'Unlock' : 'Lock'}
        </button>
        {p.screen?.push ? (
          <button type="button" onClick={onClosePush}>
            Close message
          </button>
        ) : null}
        <span>
          <Led led={p.leds?.Mute} label="mute" /> mute <Led led={p.leds?.Speaker} label="speaker" /> spk
        </span>
      </div>
    </div>
  );
}
