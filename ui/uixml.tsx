/**
 * The screen as the phone's UIXML operation gives it (GET /api/v1/mgmt/uixml), fetched while open and on each
 * change. An answer other than Status 2000 (the phone busy with the key press that changed the screen, a fault) or
 * none is asked again, a few times.
 */
import { useEffect, useState } from 'preact/hooks';
import { BASE } from './store.js';

export const UIXML_TRIES = 5;
const RETRY_MS = 200;

type Answer = { Status?: string; data?: { UIXML?: string } | string };

export function UixmlPanel({ index, screenKey }: { index: number; screenKey: string }) {
  const [openPanel, setOpenPanel] = useState(false);
  const [xml, setXml] = useState('');
  useEffect(() => {
    if (!openPanel) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchIt = async (tries: number): Promise<void> => {
      const j = await fetch(`${BASE}/phones/${index}/api/v1/mgmt/uixml`)
        .then((r) => r.json() as Promise<Answer>)
        .catch(() => undefined);
      if (stopped) return;
      if (j?.Status === '2000') {
        setXml(typeof j.data === 'string' ? j.data : (j.data?.UIXML ?? JSON.stringify(j, null, 2)));
        return;
      }
      if (tries > 1) timer = setTimeout(() => void fetchIt(tries - 1), RETRY_MS);
      else setXml(j ? JSON.stringify(j, null, 2) : '(no answer)');
    };
    void fetchIt(UIXML_TRIES);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [openPanel, screenKey, index]);
  return (
    <details class="panel" onToggle={(e) => setOpenPanel((e.target as HTMLDetailsElement).open)}>
      <summary>The screen as UIXML</summary>
      <pre data-testid="uixml">{xml}</pre>
    </details>
  );
}
