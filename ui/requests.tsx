/**
 * A phone's request log: what its journal held when the page opened, then every request it answers (and every
 * document it posts) as the event stream reports it, newest first, filterable; a row's details on a click.
 */
import { useState } from 'preact/hooks';
import type { PhoneView } from './store.js';

export function RequestLog({ p }: { p: PhoneView }) {
  const [logFilter, setLogFilter] = useState('');
  const [open, setOpen] = useState<number | undefined>(undefined);
  const log = p.log.filter(
    (r) => !logFilter || `${r.method} ${r.url} ${r.status ?? ''} ${r.httpStatus}`.toLowerCase().includes(logFilter.toLowerCase()),
  );
  return (
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
                            ...(r.seq < 0
                              ? ['(from the journal, read when the page opened: it keeps no headers or bodies)']
                              : [
                                  ...Object.entries(r.requestHeaders ?? {}).map(([k, v]) => `${k}: ${v}`),
                                  '',
                                  r.requestBody ?? '(no body)',
                                  '',
                                  `answer: ${r.responseBody ?? ''}`,
                                ]),
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
  );
}
