/**
 * A phone's calls as its API sees them, each with how long it has been connected (by the phone clock, live) and
 * its actions through call control: answer, hold, resume, transfer (blind), hang up.
 */
import { useState } from 'preact/hooks';
import { callDuration } from './clock.js';
import type { Act } from './device.js';
import type { PhoneView } from './store.js';

export function CallsPanel({ p, now, act }: { p: PhoneView; now: number | undefined; act: Act }) {
  const [transferTo, setTransferTo] = useState('');
  return (
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
          {p.calls.map((c) => (
            <tr key={c.handle} data-call={c.handle}>
              <td>{c.handle}</td>
              <td>{c.line}</td>
              <td>{c.direction}</td>
              <td>
                {c.remoteName} {c.remoteNumber}
              </td>
              <td data-testid="call-state">{c.state}</td>
              <td data-testid="duration">{callDuration(c.connectedAt, now)}</td>
              <td class="actions">
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
          ))}
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
    </section>
  );
}
