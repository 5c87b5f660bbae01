/**
 * `polysim k8s`: its manifests pass the Kubernetes API's schemas (kubernetes-models' validators), carry what a
 * cluster runs them with (non-root, read-only root, probes on /ready, requests, volumes), and the fleet file they hold
 * gives every shard its own numbers. test/kube-play.test.ts runs them for real with podman.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the manifests read back from YAML are untyped trees, walked by path */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parse, parseAllDocuments } from 'yaml';
import { clusterManifests, CLUSTER_DEFAULTS, DEFAULT_TOKEN_FILE, METRICS_ANNOTATIONS, shardResources } from '../src/deploy/kubernetes.js';
import type { Manifest } from '../src/deploy/kubernetes.js';
import { parseFleetFile } from '../src/runtime/fleet-file.js';
import { shardPlan } from '../src/runtime/shards.js';
import { cli } from './helpers.js';

const MODELS = { Secret, ConfigMap, Service, StatefulSet, Deployment } as const;

/** Validates one object with the model of its kind; throws what the schema says. */
function validate(object: Record<string, unknown>): void {
  const Model = MODELS[object['kind'] as keyof typeof MODELS];
  assert.ok(Model, `no model for kind ${String(object['kind'])}`);
  new Model(object as never).validate();
}

async function generate(args: string[]): Promise<Record<string, unknown>[]> {
  const run = cli(['k8s', ...args]);
  const code = await run.code;
  assert.equal(code, 0, run.stderr());
  return parseAllDocuments(run.stdout()).map((d) => d.toJS() as Record<string, unknown>);
}

const byKind = (objects: Record<string, unknown>[], kind: string): Record<string, any>[] =>
  objects.filter((o) => o['kind'] === kind) as Record<string, any>[];

describe('polysim k8s', () => {
  it('prints manifests every object of which passes the Kubernetes schemas', async () => {
    const objects = await generate(['--shards', '4', '--phones', '250', '--namespace', 'lab']);
    assert.deepEqual(objects.map((o) => o['kind']).sort(), [
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'Secret',
      'Service',
      'Service',
      'StatefulSet',
    ]);
    for (const o of objects) validate(o);
    for (const o of objects) assert.equal((o['metadata'] as { namespace: string }).namespace, 'lab');
    // the validators do refuse what a cluster refuses
    const broken = structuredClone(byKind(objects, 'StatefulSet')[0]) as Record<string, any>;
    broken['spec'].replicas = 'four';
    assert.throws(() => validate(broken), /replicas must be integer/);
  });

  it('a StatefulSet of shards, each from its ordinal, unprivileged, read-only, probed on /ready', async () => {
    const objects = await generate(['--shards', '3', '--phones', '1000']);
    const [set] = byKind(objects, 'StatefulSet') as [Record<string, any>];
    assert.equal(set['spec'].replicas, 3);
    assert.equal(set['spec'].serviceName, 'polysim-shards');
    const pod = set['spec'].template.spec;
    const [c] = pod.containers;
    assert.deepEqual(c.args.slice(0, 7), ['fleet', '--config', '/etc/polysim/fleet.yaml', '--shard', 'auto', '--shards', '3']);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) assert.equal(c[probe].httpGet.path, '/ready', probe);
    assert.deepEqual(c.resources, shardResources(1000));
    assert.equal(c.image, CLUSTER_DEFAULTS.image);
    assert.deepEqual(
      c.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
      ['/data', '/etc/polysim', '/tmp'],
    );
    assert.equal(set['spec'].volumeClaimTemplates[0].spec.resources.requests.storage, '1Gi');
    const env = Object.fromEntries(
      c.env.map((e: { name: string; valueFrom: { secretKeyRef: { key: string } } }) => [e.name, e.valueFrom.secretKeyRef.key]),
    );
    assert.deepEqual(env, { POLYSIM_CONTROL_TOKEN: 'control-token', POLYSIM_ADMIN_PASSWORD: 'admin-password' });
    const headless = byKind(objects, 'Service').find((s) => s['metadata'].name === 'polysim-shards');
    assert.equal(headless?.['spec'].clusterIP, 'None');
    // Kamailio: a Deployment with its configuration from a ConfigMap, behind a Service the phones register to
    const [kamailio] = byKind(objects, 'Deployment') as [Record<string, any>];
    assert.equal(kamailio['metadata'].name, 'polysim-kamailio');
    const cfg = byKind(objects, 'ConfigMap').find((m) => m['metadata'].name === 'polysim-kamailio');
    assert.match(cfg?.['data']['kamailio.cfg'], /^#!KAMAILIO/);
    assert.ok(byKind(objects, 'Service').some((s) => s['metadata'].name === 'polysim-kamailio'));
  });

  it("the shards' metrics: pods annotated for discovery, and a scrape job that finds the shards' control ports", async () => {
    const objects = await generate(['--shards', '2', '--phones', '10', '--namespace', 'lab']);
    const [set] = byKind(objects, 'StatefulSet') as [Record<string, any>];
    const annotations = set['spec'].template.metadata.annotations;
    assert.deepEqual(annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8790', 'prometheus.io/path': '/metrics' });
    assert.deepEqual(annotations, METRICS_ANNOTATIONS);
    // the annotated port is the container's control port, the one /ready and /metrics are on
    const control = set['spec'].template.spec.containers[0].ports.find((p: { name: string }) => p.name === 'control');
    assert.equal(String(control.containerPort), annotations['prometheus.io/port']);

    const dir = mkdtempSync(join(tmpdir(), 'polysim-k8s-'));
    try {
      const tokenFile = join(dir, 'control-token');
      writeFileSync(tokenFile, 'a-token\n');
      const run = cli(['k8s', '--shards', '2', '--namespace', 'lab', '--scrape-config', '--token-file', tokenFile]);
      assert.equal(await run.code, 0, run.stderr());
      const config = parse(run.stdout()) as { scrape_configs: Record<string, any>[] };
      const [job] = config.scrape_configs as [Record<string, any>];
      assert.equal(job['job_name'], 'polysim');
      assert.deepEqual(job['authorization'], { type: 'Bearer', credentials_file: tokenFile });
      const [sd] = job['kubernetes_sd_configs'];
      assert.deepEqual(sd.namespaces, { names: ['lab'] });
      assert.equal(sd.selectors[0].label, 'app.kubernetes.io/name=polysim,app.kubernetes.io/component=shard');
      // the selector names exactly the StatefulSet's pod labels
      const podLabels = set['spec'].template.metadata.labels;
      for (const pair of (sd.selectors[0].label as string).split(',')) {
        const [k, v] = pair.split('=') as [string, string];
        assert.equal(podLabels[k], v, k);
      }
      assert.deepEqual(job['relabel_configs'][0], {
        source_labels: ['__meta_kubernetes_pod_container_port_name'],
        regex: 'control',
        action: 'keep',
      });
      // without --token-file: where the Secret is mounted by convention
      const plain = cli(['k8s', '--shards', '1', '--scrape-config']);
      assert.equal(await plain.code, 0, plain.stderr());
      assert.match(plain.stdout(), new RegExp(`credentials_file: ${DEFAULT_TOKEN_FILE}`));
      // Debian's Prometheus is built without Kubernetes discovery, so its promtool cannot check the job whole here:
      // test/metrics.test.ts has Prometheus scrape a fleet with it, its discovery given as static targets.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one fleet file for all: every shard its own numbers', async () => {
    const objects = await generate(['--shards', '3', '--phones', '5', '--first-number', '2001']);
    const fleet = byKind(objects, 'ConfigMap').find((m) => m['metadata'].name === 'polysim-fleet')?.['data']['fleet.yaml'] as string;
    const plan = parseFleetFile('fleet.yaml', fleet);
    assert.equal(plan.registrar, 'polysim-kamailio:5060');
    const numbers = [0, 1, 2].flatMap((index) => shardPlan(plan, 2001, { index, count: 3 }).members.map((m) => m.number));
    assert.equal(numbers.length, 15);
    assert.equal(new Set(numbers).size, 15);
    assert.equal(numbers[0], '2001');
    assert.equal(numbers[14], '2015');
  });

  it("takes the user's fleet file and registrar, and leaves Kamailio out for a registrar of the user's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polysim-k8s-'));
    try {
      const file = join(dir, 'agents.yaml');
      writeFileSync(file, 'registrar: sip.example.com\nphones:\n  - { model: CCX 600, count: 20, number: "5001" }\n');
      const objects = await generate(['--shards', '2', '--config', file, '--registrar', 'sip.example.com']);
      for (const o of objects) validate(o);
      assert.ok(!objects.some((o) => o['kind'] === 'Deployment'));
      const fleet = byKind(objects, 'ConfigMap')[0]?.['data']['fleet.yaml'];
      assert.match(fleet, /CCX 600/);
      const [set] = byKind(objects, 'StatefulSet') as [Record<string, any>];
      assert.deepEqual(set['spec'].template.spec.containers[0].resources, shardResources(20));
      // wrong inputs: a usage error each
      for (const args of [
        ['--shards', '2'],
        ['--shards', '0', '--phones', '3'],
        ['--shards', '2', '--phones', '3', '--name', 'Bad_Name'],
      ]) {
        const run = cli(['k8s', ...args]);
        assert.equal(await run.code, 2, args.join(' '));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a misspelt field does not compile (the manifests are typed with the Kubernetes API)', () => {
    // @ts-expect-error readinesProbe is no field of a container
    const wrong: IContainer = { name: 'x', readinesProbe: {} };
    assert.ok(wrong);
    const typed: Manifest[] = clusterManifests({ ...CLUSTER_DEFAULTS, shards: 1, phones: 1 });
    assert.equal(typed.length, 7);
  });
});
