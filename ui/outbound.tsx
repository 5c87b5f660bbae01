/**
 * A phone's outbound documents (telephony events, polled state): how many it delivered, had fail, dropped and has
 * waiting since it started, from the control API (GET /phones/{i}/posts), read again whenever the event stream
 * reports another posted document.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlPosts, ProvisioningEvent } from '@polysim/client';
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

/** The last provisioning run of a phone (from the event stream): what started it, how it went, what it changed. */
export function ProvisioningPanel({ run }: { run: ProvisioningEvent | undefined }) {
  return (
    <section class="panel" aria-label="provisioning">
      <h2>Provisioning</h2>
      {run ? (
        <p class={run.ok ? '' : 'bad'} data-testid="provisioning" data-ok={String(run.ok)}>
          {run.trigger} run at {run.startedAt}:{' '}
          {run.ok ? `${run.files.length} files, ${run.changed.length} values changed` : `failed: ${run.error ?? ''}`}
          {run.then === 'none' ? '' : ` (then ${run.then})`}
        </p>
      ) : (
        <p data-testid="provisioning">No run since this page opened (at boot, on prov.polling.*, or updateConfiguration).</p>
      )}
    </section>
  );
}
