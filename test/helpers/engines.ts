// Connection details of the engines that test/harness/engines.sh started.
// A test asks for what it needs; without the engine it is skipped with a loud reason,
// and with OMRS_REQUIRE_ENGINES=1 (CI) the missing engine fails the test instead.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DockerEngine {
  socketPath: string;
  apiVersion?: string;
}
export interface MariadbEngine {
  host: string;
  port: number;
  user: string;
  password: string;
  socketPath?: string;
  templateDatabase: string;
  templateTables?: number;
}
/** helm 3.17 + kubectl 1.31 by default; helm4 (v4.1) and kubectl134 (v1.34) are there too. */
export interface HelmEngine {
  helm: string;
  kubectl: string;
  helm4?: string;
  kubectl134?: string;
  helmVersion?: string;
}
export interface KubeEngine {
  kubeconfig: string;
  context: string;
  server: string;
  /** kwok serves pods/log from `<podLogsDir>/<container>.log` (CRI format), `default.log` for other containers. */
  podLogsDir?: string;
  /** kwok forwards pods/portforward to a pod's `podPort` (the gateway's 8080) to `address:port`, where a test listens. */
  portForwardTarget?: { address: string; port: number; podPort: number };
  /** kwok forwards a pod's 3306 (the bundled database) to the harness MariaDB on the host. */
  databaseForwardTarget?: { address: string; port: number; podPort: number };
}
export interface AwsEngine {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  motoVersion?: string;
}
export interface ImagesEngine {
  tags: Record<
    | 'mariadb'
    | 'gateway'
    | 'frontend'
    | 'backend'
    | 'busybox'
    | 'awsCli'
    | 'prometheus'
    | 'mysqldExporter'
    | 'victoriaLogs'
    | 'vlagent'
    | 'pushgateway'
    | 'nodeExporter'
    | 'nginxExporter'
    | 'blackboxExporter',
    string
  > & {
    debian?: string;
  };
}
/** terraform on PATH, or OpenTofu built from the Go module proxy (same CLI). */
export interface TerraformEngine {
  terraform: string;
  flavour: 'terraform' | 'opentofu';
  version: string;
}
/** The CNCF Distribution registry, plain HTTP on 127.0.0.1 (docker trusts 127.0.0.0/8 without TLS). */
export interface RegistryEngine {
  /** host:port, e.g. 127.0.0.1:15005: the prefix of image references pushed to it. */
  address: string;
  /** http://host:port, for the registry's HTTP API (/v2/...). */
  url: string;
  version?: string;
  /** The filesystem storage root (rootdirectory) on this machine. */
  storage?: string;
}
/** Docker Compose v5 built from the Go module proxy (test/harness/engines/compose.sh). */
export interface ComposeEngine {
  compose: string;
  version: string;
}
/** A kind cluster on real nodes (kubelet + containerd), in a Docker engine of its own (test/harness/engines/kind.sh). */
export interface KindEngine {
  kubeconfig: string;
  context: string;
  cluster: string;
  server: string;
  /** The kind Docker engine (its nodes are containers there, not in the main engine). */
  dockerHost: string;
  nodeImage: string;
  kind: string;
  kubectl: string;
  /** busybox and kubectl, on every node: an image for the gc CronJob. */
  kubectlImage: string;
  nodes: number;
  /** The host's address on the kind network: where pods reach a server a test runs on the host. */
  hostAddress: string;
  /** The cluster's ingress controller (Traefik), on NodePorts of the control-plane node's address. */
  ingress: { http: string; https: string; namespace: string };
}
export interface ScannersEngine {
  kubeScore?: string;
  /** Grafana dashboards decoded by the Grafana Foundation SDK's strict decoder. */
  grafanaCheck?: string;
  checkov?: string;
  polaris?: string;
  tfsec?: string;
}

export interface Engines {
  docker: DockerEngine;
  mariadb: MariadbEngine;
  helm: HelmEngine;
  kube: KubeEngine;
  aws: AwsEngine;
  images: ImagesEngine;
  scanners: ScannersEngine;
  terraform: TerraformEngine;
  registry: RegistryEngine;
  compose: ComposeEngine;
  kind: KindEngine;
}
export type EngineName = keyof Engines;

export const harnessCache = (): string => process.env.OMRS_HARNESS_CACHE ?? '/var/cache/omrs-harness';
export const enginesRequired = (): boolean => process.env.OMRS_REQUIRE_ENGINES === '1';

export function readEngine<N extends EngineName>(name: N): Engines[N] | undefined {
  const file = join(harnessCache(), 'state', `${name}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Engines[N];
}

/**
 * For use at the top of a describe block:
 *   const docker = requireEngine('docker');
 *   describe.skipIf(!docker)('...', () => { ... })
 * Missing engines throw when OMRS_REQUIRE_ENGINES=1 so CI never skips silently.
 */
export function requireEngine<N extends EngineName>(name: N): Engines[N] | undefined {
  const engine = readEngine(name);
  if (engine) return engine;
  const reason = `engine '${name}' is not running (no ${join(harnessCache(), 'state', `${name}.json`)}); start it with: npm run engines -- up ${name}`;
  if (enginesRequired()) throw new Error(`OMRS_REQUIRE_ENGINES=1 but ${reason}`);
  console.warn(`\n  SKIPPED: ${reason}\n`);
  return undefined;
}
