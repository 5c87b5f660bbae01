// test-tier: slow (builds the image, then runs the Kubernetes manifests' pods with podman: minutes)
/**
 * `polysim k8s`'s manifests run for real: podman kube play starts Kamailio from its Deployment and ConfigMap, and
 * the shard pods as the StatefulSet controller makes them from its template (pod <name>-<ordinal>, its host name and
 * its volume claim, the fleet ConfigMap and the Secret). Every pod answers REST, the shards' phones have disjoint
 * numbers and MACs and register to Kamailio, and a phone of one pod calls a phone of the other through it.
 *
 * What podman does not do is done here, as a cluster would: the StatefulSet's pods are written out, the Secret is
 * made a podman secret, the Services' names are network aliases (Kamailio's), and the control and HTTP ports are
 * published on 127.0.0.1 (the tests reach nothing but loopback).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { clusterManifests, CLUSTER_DEFAULTS } from '../src/deploy/kubernetes.js';
import type { Manifest } from '../src/deploy/kubernetes.js';
import { waitFor } from './helpers.js';
import { KAMAILIO_IMAGE, needs } from './peers.js';
import { buildImage, IMAGE, nofile, nproc, podman } from './podman.js';

const NAME = `pk${process.pid}`;
const SHARDS = 2;
const PHONES = 2;
const TOKEN = 'kube-play-token-1';
const PASSWORD = 'Kube-Pass-1';

/** A free TCP port on 127.0.0.1 (podman publishes the pods' ports there). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests walked by path

/**
 * The pods (and their claims) a StatefulSet controller makes from the template. podman publishes every container port
 * on the host (a second pod's 5060 would collide): each goes to a port of its own on 127.0.0.1, control and HTTP to
 * the ones the test asks.
 */
function statefulSetPods(set: Loose, published: { control: number; http: number }[], spare: () => number): Loose[] {
  const out: Loose[] = [];
  for (let i = 0; i < set['spec'].replicas; i++) {
    const name = `${set['metadata'].name}-${i}`;
    const spec = structuredClone(set['spec'].template.spec) as Loose;
    spec['hostname'] = name;
    spec['subdomain'] = set['spec'].serviceName;
    for (const claim of set['spec'].volumeClaimTemplates) {
      out.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${claim.metadata.name}-${name}` }, spec: claim.spec });
      spec['volumes'].push({ name: claim.metadata.name, persistentVolumeClaim: { claimName: `${claim.metadata.name}-${name}` } });
    }
    for (const port of spec['containers'][0].ports)
      Object.assign(port, { hostPort: published[i]?.[port.name as 'control' | 'http'] ?? spare(), hostIP: '127.0.0.1' });
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { ...set['spec'].template.metadata.labels, 'statefulset.kubernetes.io/pod-name': name } },
      spec,
    });
  }
  return out;
}

describe(
  'the Kubernetes manifests under podman kube play',
  { timeout: 900_000, skip: needs('podman', 'container-base', 'kube-play') },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'polysim-kube-'));
    const network = `${NAME}-net`;
    // podman kube play takes no --ulimit: its pods' limits come from a containers.conf of the test's own, as does the
    // network backend with names (netavark; podman's default here may be CNI, whose networks have no DNS)
    const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    const files: string[] = [];
    const published: { control: number; http: number }[] = [];
    const control = (i: number): string => `http://127.0.0.1:${published[i]?.control}`;
    const ask = async (i: number, path: string, init: RequestInit = {}): Promise<Loose> => {
      const res = await fetch(`${control(i)}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      });
      return (await res.json()) as Loose;
    };

    before(async () => {
      writeFileSync(
        env.CONTAINERS_CONF,
        `[containers]\ndefault_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]\n[network]\nnetwork_backend = "netavark"\n`,
      );
      await buildImage();
      for (let i = 0; i < SHARDS; i++) published.push({ control: await freePort(), http: await freePort() });
      const objects = clusterManifests({
        ...CLUSTER_DEFAULTS,
        name: NAME,
        shards: SHARDS,
        phones: PHONES,
        image: IMAGE,
        kamailioImage: KAMAILIO_IMAGE,
        media: 'tone',
        controlToken: TOKEN,
        adminPassword: PASSWORD,
      }) as Loose[];
      const kind = (k: string): Loose[] => objects.filter((o) => o['kind'] === k);
      const pool: number[] = [];
      for (let i = 0; i < 24; i++) pool.push(await freePort());
      const spare = (): number => pool.shift() as number;
      const kamailio = [...kind('ConfigMap').filter((m) => m['metadata'].name.endsWith('-kamailio')), ...kind('Deployment')];
      for (const port of (kind('Deployment')[0] as Loose)['spec'].template.spec.containers[0].ports)
        Object.assign(port, { hostPort: spare(), hostIP: '127.0.0.1' });
      const shards = [
        ...kind('ConfigMap').filter((m) => m['metadata'].name.endsWith('-fleet')),
        ...statefulSetPods(kind('StatefulSet')[0] as Loose, published, spare),
      ];
      const write = (name: string, docs: Loose[]): string => {
        const file = join(dir, name);
        writeFileSync(file, docs.map((d) => stringify(d as Manifest)).join('---\n'));
        files.push(file);
        return file;
      };
      await podman(['network', 'create', network], 60_000, env);
      // The Secret as podman 4 keeps one for secretKeyRef (its kube play stores a Secret document in another form):
      // the data map, values in base64.
      const secret = kind('Secret')[0] as Loose;
      const data = Object.fromEntries(
        Object.entries(secret['stringData'] as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
      writeFileSync(join(dir, 'secret.json'), JSON.stringify(data));
      await podman(['secret', 'create', secret['metadata'].name, join(dir, 'secret.json')], 60_000, env);
      // Kamailio first, found by its Service's name (the phones' registrar), then the shards
      const registrar = (kind('Service') as Loose[]).find((s) => s['metadata'].name === `${NAME}-kamailio`)?.['metadata'].name as string;
      await podman(['kube', 'play', '--network', `${network}:alias=${registrar}`, write('kamailio.yaml', kamailio)], 180_000, env);
      await podman(['kube', 'play', '--network', network, write('shards.yaml', shards)], 180_000, env);
    });

    after(async () => {
      for (const file of files.reverse()) await podman(['kube', 'down', file], 120_000, env).catch(() => undefined);
      for (let i = 0; i < SHARDS; i++) await podman(['volume', 'rm', '-f', `data-${NAME}-${i}`], 60_000, env).catch(() => undefined);
      await podman(['network', 'rm', '-f', network], 60_000, env).catch(() => undefined);
      await podman(['secret', 'rm', NAME], 60_000, env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('every shard pod gets ready and answers REST, its phones with numbers and MACs of their own', async () => {
      const phones: Loose[] = [];
      for (let i = 0; i < SHARDS; i++) {
        await waitFor(async () => {
          try {
            return (await fetch(`${control(i)}/ready`)).status === 200;
          } catch {
            return false;
          }
        }, 120_000).catch(async () => {
          throw new Error(
            `pod ${i} not ready:\n${await podman(['logs', `${NAME}-${i}-polysim`], 30_000, env).catch((e: Error) => e.message)}`,
          );
        });
        const list = (await ask(i, '/phones')) as unknown as Loose[];
        assert.equal(list.length, PHONES);
        phones.push(...list);
        // REST on the pod's own HTTP port (its first phone), with the Secret's password
        const res = await fetch(`http://127.0.0.1:${published[i]?.http}/api/v2/mgmt/device/info`, {
          headers: { authorization: `Basic ${Buffer.from(`Polycom:${PASSWORD}`).toString('base64')}` },
        });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as Loose)['Status'], '2000');
      }
      assert.deepEqual(
        phones.map((p) => p['number']),
        ['1001', '1002', '1003', '1004'],
      );
      assert.equal(new Set(phones.map((p) => p['mac'])).size, SHARDS * PHONES);
    });

    it('the phones register to Kamailio, and a phone of one pod calls a phone of the other through it', async () => {
      const line = async (i: number, phone: number): Promise<string> => {
        const answer = await ask(i, `/phones/${phone}/api/v2/mgmt/lineInfo`);
        return String(answer['data']?.[0]?.RegistrationStatus ?? answer['Status']);
      };
      await waitFor(async () => (await line(0, 1)) === 'Registered' && (await line(1, 1)) === 'Registered', 60_000).catch(async () => {
        throw new Error(`not registered: ${await line(0, 1)}, ${await line(1, 1)}`);
      });
      const dial = await ask(0, '/phones/1/api/v1/callctrl/dial', { method: 'POST', body: JSON.stringify({ data: { Dest: '1003' } }) });
      assert.equal(dial['Status'], '2000');
      const states = async (i: number): Promise<string[]> =>
        ((await ask(i, '/phones/1/api/v2/webCallControl/callStatus'))['data'] ?? []).map((c: Loose) => c['CallState']);
      await waitFor(async () => (await states(1)).includes('Offering'), 30_000);
      const answer = await ask(1, '/phones/1/api/v1/callctrl/answerCall', { method: 'POST', body: '{}' });
      assert.equal(answer['Status'], '2000');
      await waitFor(async () => (await states(0)).includes('Connected') && (await states(1)).includes('Connected'), 30_000);
    });
  },
);
