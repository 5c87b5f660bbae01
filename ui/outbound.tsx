/**
 * A phone's outbound documents (telephony events, polled state): how many it delivered, had fail, dropped and has
 * waiting since it started, from the control API (GET /phones/{i}/posts), read again whenever the event stream
 * reports another posted document.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlPosts } from '@polysim/client';
import { controlApi } from './store.js';

export function OutboundPanel({ index, posted }: { index: number; posted: number }) {
  const [counts, setCounts] = useState<ControlPosts | undefined>(undefined);
  useEffect(() => {
    void controlApi('GET', `/phones/${index}/posts`).then((c) => setCounts(c as ControlPosts | undefined));
  }, [index, posted]);
  const cell = (name: keyof ControlPosts) => <td data-testid={`posts-${name}`}>{counts ? counts[name] : '…'}</td>;
  return (
    <section class="panel" aria-label="posted documents">
      <h2>Posted documents</h2>
      <p>Telephony events and polled state the phone posts (apps.telNotification.URL, apps.statePolling.URL).</p>
      <table>
        <thead>
          <tr>
            <th>delivered</th>
            <th>failed</th>
            <th>dropped</th>
            <th>waiting</th>
          </tr>
        </thead>
        <tbody>
          <tr class={counts && counts.failed + counts.dropped > 0 ? 'bad' : ''}>
            {cell('delivered')}
            {cell('failed')}
            {cell('dropped')}
            {cell('waiting')}
          </tr>
        </tbody>
      </table>
    </section>
  );
}
