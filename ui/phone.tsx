/**
 * `/phones/:i`: one phone. The phone drawn as its model is (device.tsx: keys of its key set, or a touch screen with
 * a dial form and call buttons), acting through the Poly API (simulateKeyEvent, simulateHook, callctrl: the same
 * code a REST client reaches); its calls with live durations by the phone clock; the world around it and the
 * trouble it can be put in through the control API (incoming calls, far ends and their scripts, faults, latency,
 * registration loss); its request log, from its journal on, and its configuration.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ControlPhone } from '@polysim/client';
import { CallsPanel } from './calls.js';
import { usePhoneClock } from './clock.js';
import { ConfigBrowser } from './config.js';
import { Device, isTouch } from './device.js';
import { OutboundPanel, ProvisioningPanel } from './outbound.js';
import { RequestLog } from './requests.js';
import { controlApi, controlCall, keyOf, polyApi, SHARD, usePhones } from './store.js';
import { FaultsPanel, LatencyAndLines } from './troubles.js';
import { UixmlPanel } from './uixml.js';
import { FarEndsPanel, IncomingPanel, ScriptsPanel } from './world.js';

const FAMILY_NAMES: Readonly<Record<string, string>> = {
  VVX: 'VVX',
  Trio8x00: 'Trio',
  Trio8300: 'Trio',
  TrioC60: 'Trio',
  CCX: 'CCX',
  EdgeE: 'Edge E',
};

/** What GET /phones/{i} says of the phone's model (family, keys, screen) and latency; read again on `key` changes. */
function usePhoneInfo(index: number, key: string): [ControlPhone | undefined, () => void] {
  const [info, setInfo] = useState<ControlPhone | undefined>(undefined);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    void controlCall('GET', `/phones/${index}`).then((r) => {
      if (r.status === 200) setInfo(r.body as ControlPhone);
    });
  }, [index, key, version]);
  return [info, () => setVersion((v) => v + 1)];
}

export function PhonePage({ index }: { index: number }) {
  const { phones } = usePhones(`/phones/${index}/events`, index);
  const p = phones.get(keyOf(undefined, index));
  const [info, reload] = usePhoneInfo(index, `${p?.model ?? ''} ${p?.firmware ?? ''} ${p?.state ?? ''}`);
  const now = usePhoneClock();
  const [last, setLast] = useState('');
  if (!p || !info)
    return (
      <main>
        <p>
          Phone {index}
          {SHARD ? ` of shard ${SHARD}` : ''}: connecting…
        </p>
      </main>
    );

  const callsKey = p.calls.map((c) => `${c.handle}:${c.state}`).join();
  const act = async (path: string, data?: unknown): Promise<void> => {
    const r = await polyApi(index, path, data);
    setLast(`${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };
  return (
    <main>
      <h2 class="title">
        Phone {index}
        {SHARD ? <span data-testid="phone-shard"> of shard {SHARD}</span> : ''}: {p.model} ({p.firmware}),{' '}
        {FAMILY_NAMES[info.family] ?? info.family} {isTouch(info) ? 'touch' : 'keys'}, line 1 {p.number} — {p.state}
      </h2>
      <div class="phone">
        <div>
          <Device
            p={p}
            info={info}
            now={now}
            act={act}
            onLock={() => void controlApi('PUT', `/phones/${index}/lock`, { locked: !p.screen?.locked })}
            onClosePush={() => void controlApi('POST', `/phones/${index}/push/dismiss`)}
          />
          <p aria-live="polite" class="last" data-testid="device-last">
            {last}
          </p>
        </div>
        <div>
          <CallsPanel p={p} now={now} act={act} />
          <IncomingPanel index={index} p={p} />
          <FarEndsPanel p={p} callsKey={callsKey} />
          <ScriptsPanel />
          <FaultsPanel index={index} requests={p.log.at(-1)?.seq ?? 0} />
          <LatencyAndLines index={index} p={p} info={info} reload={reload} />
          <RequestLog p={p} />
          <OutboundPanel index={index} posted={p.posted} />
          <ProvisioningPanel run={p.provisioning} />
          <UixmlPanel index={index} screenKey={JSON.stringify(p.screen ?? {}) + callsKey} />
          <ConfigBrowser index={index} />
        </div>
      </div>
    </main>
  );
}
