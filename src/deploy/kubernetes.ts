/**
 * Kubernetes manifests for a fleet spread over a cluster (`polysim k8s`): a StatefulSet of fleet shards (each pod
 * takes its shard from its ordinal, `fleet --shard auto`: disjoint numbers and MACs), one fleet file for all in a
 * ConfigMap, the token and password in a Secret, a headless Service for the shards' control APIs, and Kamailio as a
 * Deployment with its configuration in a ConfigMap and a Service: the registrar the shards' phones register to and
 * call each other through. Everything runs unprivileged on a read-only root filesystem.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
// The manifests are typed with kubernetes-models' interfaces of the Kubernetes API (types only, erased at run time):
// a misspelt or misplaced field does not compile. Its validators check the values in test/kubernetes.test.ts.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import { stringify } from 'yaml';
import { VERSION } from '../version.js';

export interface ClusterOptions {
  /** Pods of the StatefulSet: one fleet shard each. */
  readonly shards: number;
  /** Phones per shard (with a fleet file: how many phones the file has). */
  readonly phones: number;
  /** A fleet file of the user's (its text): every shard runs it, moved by its ordinal. Without one: `phones` of `model`. */
  readonly fleetFile?: string;
  readonly model: string;
  readonly firstNumber: number;
  /** The SIP server lines register to; absent: the Kamailio these manifests run. */
  readonly registrar?: string;
  readonly media: 'tone' | 'silence' | 'off';
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  readonly kamailioImage: string;
  /** The size of each shard's volume for its phones' state. */
  readonly storage: string;
  readonly adminPassword?: string;
  readonly controlToken?: string;
}

export const CLUSTER_DEFAULTS = {
  model: 'VVX 450',
  firstNumber: 1001,
  media: 'off',
  name: 'polysim',
  image: `localhost/polysim:${VERSION}`,
  kamailioImage: 'localhost/polysim-kamailio:5.6',
  storage: '1Gi',
} as const;

/** The ports one shard's first phone and its control API listen on (phone i of the shard: + i). */
const PORTS = { http: 8080, https: 8443, sip: 5060, sipTls: 5061, control: 8790 } as const;

/** Where each shard's Prometheus metrics are (docs/control.md#metrics): on its control port, behind its token. */
export const METRICS_ANNOTATIONS = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(PORTS.control),
  'prometheus.io/path': '/metrics',
} as const;

/** Where a Prometheus that scrapes the shards reads their control token, unless told (the Secret mounted there). */
export const DEFAULT_TOKEN_FILE = '/etc/prometheus/secrets/polysim/control-token';

/**
 * A Prometheus scrape job for the shards: pods found through the Kubernetes API (this StatefulSet's, by its labels),
 * their `control` port, `/metrics` with the control token as a bearer credential read from a file (the Secret's
 * `control-token` mounted into Prometheus), and a `shard` label from the pod's name.
 */
export function prometheusScrapeJob(
  o: Pick<ClusterOptions, 'name' | 'namespace'>,
  tokenFile: string = DEFAULT_TOKEN_FILE,
): Record<string, unknown> {
  return {
    job_name: o.name,
    metrics_path: METRICS_ANNOTATIONS['prometheus.io/path'],
    authorization: { type: 'Bearer', credentials_file: tokenFile },
    kubernetes_sd_configs: [
      {
        role: 'pod',
        ...(o.namespace === undefined ? {} : { namespaces: { names: [o.namespace] } }),
        selectors: [{ role: 'pod', label: `app.kubernetes.io/name=${o.name},app.kubernetes.io/component=shard` }],
      },
    ],
    relabel_configs: [
      // a pod is a target per declared port: keep the control port's
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'control', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'shard' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    ],
  };
}

/** The scrape job as a `prometheus.yml` of its own (`polysim k8s --scrape-config`), to merge into yours. */
export function scrapeConfigYaml(o: Pick<ClusterOptions, 'name' | 'namespace'>, tokenFile?: string): string {
  return stringify({ scrape_configs: [prometheusScrapeJob(o, tokenFile)] }, { lineWidth: 0 });
}

/** The Kamailio configuration polysim's tests run (examples/kamailio/kamailio.cfg, shipped with the package). */
function kamailioConfig(): string {
  return readFileSync(new URL('../../examples/kamailio/kamailio.cfg', import.meta.url), 'utf8');
}

/**
 * What a shard asks of a node, from docs/benchmarks.md and docs/scale.md: about 0.3 MB and a little CPU per
 * phone at rest, on top of Node's own 60-odd MB; the limit leaves room for a burst of calls and provisioning.
 */
export function shardResources(phones: number): { requests: Record<string, string>; limits: Record<string, string> } {
  const memory = Math.ceil(96 + phones * 0.3);
  const cpu = Math.ceil(100 + phones * 0.1);
  return {
    requests: { cpu: `${cpu}m`, memory: `${memory}Mi` },
    limits: { memory: `${memory * 2}Mi` },
  };
}

export type Manifest = ISecret | IConfigMap | IService | IStatefulSet | IDeployment;

export function clusterManifests(o: ClusterOptions): Manifest[] {
  const ns = o.namespace === undefined ? {} : { namespace: o.namespace };
  const labels = (component: string): Record<string, string> => ({
    'app.kubernetes.io/name': o.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/version': VERSION,
  });
  const selector = (component: string): Record<string, string> => ({
    'app.kubernetes.io/name': o.name,
    'app.kubernetes.io/component': component,
  });
  const kamailio = `${o.name}-kamailio`;
  const registrar = o.registrar ?? `${kamailio}:5060`;
  const fleet =
    o.fleetFile ??
    stringify({
      firstNumber: o.firstNumber,
      registrar,
      sipPassword: 'secret-{number}',
      media: o.media,
      phones: [{ model: o.model, count: o.phones }],
    });
  const unprivileged: IPodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const locked: ISecurityContext = { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  const probe = (extra: IProbe): IProbe => ({ httpGet: { path: '/ready', port: 'control' }, ...extra });
  const objects: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: o.name, labels: labels('secret'), ...ns },
      type: 'Opaque',
      stringData: {
        'control-token': o.controlToken ?? randomBytes(18).toString('base64url'),
        'admin-password': o.adminPassword ?? randomBytes(9).toString('base64url'),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${o.name}-fleet`, labels: labels('fleet'), ...ns },
      data: { 'fleet.yaml': fleet },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${o.name}-shards`, labels: labels('shard'), ...ns },
      spec: {
        clusterIP: 'None',
        selector: selector('shard'),
        ports: [
          { name: 'control', port: PORTS.control, targetPort: 'control' },
          { name: 'http', port: PORTS.http, targetPort: 'http' },
          { name: 'https', port: PORTS.https, targetPort: 'https' },
          { name: 'sip', port: PORTS.sip, protocol: 'UDP', targetPort: 'sip' },
          { name: 'sip-tcp', port: PORTS.sip, protocol: 'TCP', targetPort: 'sip-tcp' },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: o.name, labels: labels('shard'), ...ns },
      spec: {
        serviceName: `${o.name}-shards`,
        replicas: o.shards,
        // Shards do not wait for each other: each is a fleet of its own that registers on its own.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector('shard') },
        template: {
          // The annotations a Prometheus that discovers pods reads (the community's convention, kept by its Helm
          // chart's relabelling); the scrape still needs the control token, which `prometheusScrapeJob` says how to give.
          metadata: { labels: labels('shard'), annotations: METRICS_ANNOTATIONS },
          spec: {
            securityContext: unprivileged,
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'polysim',
                image: o.image,
                args: [
                  'fleet',
                  '--config',
                  '/etc/polysim/fleet.yaml',
                  // the pod's name (its host name) ends in its ordinal
                  '--shard',
                  'auto',
                  '--shards',
                  String(o.shards),
                  '--address',
                  '0.0.0.0',
                  '--data-dir',
                  '/data',
                  '--log-level',
                  'info',
                ],
                env: [
                  { name: 'POLYSIM_CONTROL_TOKEN', valueFrom: { secretKeyRef: { name: o.name, key: 'control-token' } } },
                  { name: 'POLYSIM_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: o.name, key: 'admin-password' } } },
                ],
                ports: [
                  { name: 'control', containerPort: PORTS.control },
                  { name: 'http', containerPort: PORTS.http },
                  { name: 'https', containerPort: PORTS.https },
                  { name: 'sip', containerPort: PORTS.sip, protocol: 'UDP' },
                  { name: 'sip-tcp', containerPort: PORTS.sip, protocol: 'TCP' },
                  { name: 'sip-tls', containerPort: PORTS.sipTls },
                ],
                // Booting many phones takes a while: the startup probe gives it up to three minutes.
                startupProbe: probe({ periodSeconds: 2, failureThreshold: 90 }),
                readinessProbe: probe({ periodSeconds: 5, failureThreshold: 2 }),
                // A phone rebooting through the API makes /ready 503 for seconds: only minutes of it restart the pod.
                livenessProbe: probe({ periodSeconds: 10, failureThreshold: 30 }),
                resources: shardResources(o.phones),
                securityContext: locked,
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'fleet', mountPath: '/etc/polysim', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'fleet', configMap: { name: `${o.name}-fleet` } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage } } },
          },
        ],
      },
    },
  ];
  if (o.registrar !== undefined) return objects;
  return [
    ...objects,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: kamailio, labels: labels('registrar'), ...ns },
      data: { 'kamailio.cfg': kamailioConfig() },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: kamailio, labels: labels('registrar'), ...ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector('registrar') },
        template: {
          metadata: { labels: labels('registrar') },
          spec: {
            securityContext: unprivileged,
            containers: [
              {
                name: 'kamailio',
                image: o.kamailioImage,
                command: [
                  'kamailio',
                  '-f',
                  '/etc/kamailio/kamailio.cfg',
                  '-DD',
                  '-E',
                  '-n',
                  '2',
                  '-Y',
                  '/tmp',
                  '-l',
                  'udp:eth0:5060',
                  '-l',
                  'tcp:eth0:5060',
                  // the name phones write in their addresses (the Service's) is this server's own
                  '-A',
                  `DOMAIN=${kamailio}:5060`,
                ],
                ports: [
                  { name: 'sip', containerPort: 5060, protocol: 'UDP' },
                  { name: 'sip-tcp', containerPort: 5060, protocol: 'TCP' },
                ],
                readinessProbe: { tcpSocket: { port: 'sip-tcp' }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: 'sip-tcp' }, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: locked,
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/kamailio', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: kamailio } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: kamailio, labels: labels('registrar'), ...ns },
      spec: {
        selector: selector('registrar'),
        ports: [
          { name: 'sip', port: 5060, protocol: 'UDP', targetPort: 'sip' },
          { name: 'sip-tcp', port: 5060, protocol: 'TCP', targetPort: 'sip-tcp' },
        ],
      },
    },
  ];
}

/** The manifests as one YAML stream, for `kubectl apply -f -`. */
export function clusterYaml(objects: readonly Manifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
