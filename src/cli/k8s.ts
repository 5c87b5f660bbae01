/** `polysim k8s`: prints the Kubernetes manifests of a sharded fleet (deploy/kubernetes.ts) for `kubectl apply -f -`. */
import { readFileSync } from 'node:fs';
import { CliError } from '../errors.js';
import { CLUSTER_DEFAULTS, clusterManifests, clusterYaml, DEFAULT_TOKEN_FILE, scrapeConfigYaml } from '../deploy/kubernetes.js';
import { MAX_FLEET_SIZE } from '../runtime/fleet.js';
import { readFleetFile } from '../runtime/fleet-file.js';
import type { CliIo } from './io.js';

export interface K8sCliOptions {
  shards: number;
  phones?: number;
  config?: string;
  model: string;
  firstNumber: number;
  registrar?: string;
  media: 'tone' | 'silence' | 'off';
  name: string;
  namespace?: string;
  image: string;
  kamailioImage: string;
  storage: string;
  adminPassword?: string;
  controlToken?: string;
  /** Print a Prometheus scrape job for the shards instead of the manifests. */
  scrapeConfig?: boolean;
  /** Where that Prometheus reads the control token. */
  tokenFile?: string;
}

export function runK8s(o: K8sCliOptions, io: CliIo): void {
  if (o.scrapeConfig === true) {
    io.stdout.write(
      `# polysim: Prometheus scrape job for the shards of ${o.name} (docs/kubernetes.md#metrics)\n${scrapeConfigYaml(o, o.tokenFile)}`,
    );
    return;
  }
  if ((o.phones === undefined) === (o.config === undefined)) throw new CliError('k8s needs --phones <n> or --config <file> (one of them)');
  // A fleet file is checked here, as each shard will read it, and counted.
  const phones = o.config === undefined ? (o.phones as number) : readFleetFile(o.config).members.length;
  if (phones > MAX_FLEET_SIZE) throw new CliError(`a shard runs at most ${MAX_FLEET_SIZE} phones: use more --shards`);
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(o.name)) throw new CliError(`--name ${o.name}: lower-case letters, digits and dashes`);
  const objects = clusterManifests({
    ...o,
    phones,
    fleetFile: o.config === undefined ? undefined : readFileSync(o.config, 'utf8'),
  });
  io.stdout.write(
    `# polysim ${o.shards} shards x ${phones} phones: kubectl apply -f <this file> (docs/kubernetes.md)\n${clusterYaml(objects)}`,
  );
}

export { CLUSTER_DEFAULTS, DEFAULT_TOKEN_FILE };
