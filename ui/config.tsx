/** A phone's configuration: the catalogue with values and their sources; a value edited here is set at LOCAL. */
import { useEffect, useState } from 'preact/hooks';
import type { ControlConfigPage } from '@polysim/client';
import { controlApi, polyApi } from './store.js';

export function ConfigBrowser({ index }: { index: number }) {
  const [q, setQ] = useState('reg.1.');
  const [found, setFound] = useState<ControlConfigPage>({ total: 0, params: [] });
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [result, setResult] = useState('');
  const load = async (): Promise<void> => {
    setFound(
      ((await controlApi('GET', `/phones/${index}/config?q=${encodeURIComponent(q)}&limit=100`)) as typeof found | undefined) ?? {
        total: 0,
        params: [],
      },
    );
  };
  useEffect(() => {
    void load();
  }, [q, index]);
  const save = async (name: string): Promise<void> => {
    const r = await polyApi(index, '/api/v1/mgmt/config/set', { [name]: edits[name] ?? '' });
    setResult(`${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    setEdits((e) => {
      const rest = { ...e };
      delete rest[name];
      return rest;
    });
    await load();
  };
  return (
    <section class="panel" aria-label="configuration">
      <h2>Configuration</h2>
      <label>
        Parameters containing{' '}
        <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} aria-label="filter parameters" />
      </label>
      <span>
        {' '}
        {found.params.length} of {found.total} shown
      </span>
      <p aria-live="polite">{result}</p>
      <div class="log">
        <table>
          <thead>
            <tr>
              <th>name</th>
              <th>value</th>
              <th>source</th>
              <th>type</th>
              <th>default</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {found.params.map((p) => (
              <tr data-param={p.name} title={p.description}>
                <td>{p.name}</td>
                <td>
                  <input
                    value={edits[p.name] ?? p.value}
                    aria-label={`value of ${p.name}`}
                    onInput={(e) => {
                      const v = (e.target as HTMLInputElement).value;
                      setEdits((x) => ({ ...x, [p.name]: v }));
                    }}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') void save(p.name);
                    }}
                  />
                </td>
                <td data-testid="source">{p.source}</td>
                <td>{p.type}</td>
                <td>{p.default}</td>
                <td>
                  <button
                    type="button"
                    disabled={edits[p.name] === undefined}
                    onClick={() => void save(p.name)}
                    aria-label={`set ${p.name} at LOCAL`}
                  >
                    Set
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
