// The Docker runtime's log shipper (monitoring.logs): one vlagent container per environment that
// tails the json-file log of every container of the environment, named by id, and sends each line
// to the environment's log store with the fields environment, tenant, service and container. It
// reads the files where the engine keeps them (<DockerRootDir>/containers/<id>), and sees the
// folders of its own environment's containers only (a folder also holds the container's
// configuration, environment variables included): `up` re-creates it when the environment's
// containers change, and its read positions live in a volume, so a new shipper goes on where the
// old one stopped.
import type { ContainerInfo } from 'dockerode';
import type { Docker } from '../../platform/docker.js';
import { convergeService, type ConvergeContext, type ServiceOutcome } from './converge.js';
import { listContainers } from './engine.js';
import { LABEL, volumeName } from './names.js';
import type { ContainerPlan, ServicePlan } from './plan.js';

export const SHIPPER_SERVICE = 'log-shipper';
/** Where the shipper sees each container's folder of the engine, by id. */
const CONTAINERS_DIR = '/docker-containers';
const DATA_DIR = '/vlagent-data';
const PORT = 9429;
/** The fields a log line is found by; VictoriaLogs keeps one stream per combination. */
export const LOG_FIELDS = ['environment', 'tenant', 'service'] as const;

export interface ShippedContainer {
  id: string;
  /** The container's name: what `docker ps` and `omrs logs` show. */
  name: string;
  /** The chart component (backend, db, gateway, …); else the planned service's name. */
  service: string;
  tenant?: string;
}

export interface ShipperOptions {
  env: string;
  image: string;
  pullPolicy: ContainerPlan['pullPolicy'];
  /** The store's name on the environment's network (its Service). */
  store: string;
  /** The engine's data root (`docker info`): the log files are in its containers/ folder. */
  dockerRoot: string;
  containers: ShippedContainer[];
}

/**
 * Can this engine's logs be shipped? The shipper reads json-file logs, the engine's default
 * driver unless its daemon.json names another; the reason when not.
 */
export async function shippableEngine(
  docker: Docker,
): Promise<{ dockerRoot: string } | { reason: string; hint: string }> {
  const info = (await docker.info().catch((error: unknown) => ({ error }))) as {
    LoggingDriver?: string;
    DockerRootDir?: string;
    error?: unknown;
  };
  if (info.error)
    return {
      reason: `the Docker engine did not say where it keeps logs: ${String(info.error)}`,
      hint: 'Run `omrs up` again; `docker info` shows what the engine answers.',
    };
  if (info.LoggingDriver !== 'json-file' || !info.DockerRootDir)
    return {
      reason: `the Docker engine logs with the "${info.LoggingDriver ?? 'unknown'}" driver; the shipper reads json-file logs`,
      hint: 'Set "log-driver": "json-file" in the engine’s daemon.json (the default), or turn monitoring.logs.enabled off.',
    };
  return { dockerRoot: info.DockerRootDir };
}

/** The environment's containers whose output goes to the store: every one but the shipper's own. */
export function shippedContainers(
  containers: ContainerInfo[],
  services: ServicePlan[],
  wanted: Set<string>,
): ShippedContainer[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  return containers
    .map((c) => ({ c, name: c.Names[0]!.replace(/^\//, '') }))
    .filter(({ c, name }) => wanted.has(name) && c.Labels[LABEL.service] !== SHIPPER_SERVICE)
    .map(({ c, name }) => {
      const planned = byName.get(c.Labels[LABEL.service] ?? '');
      return {
        id: c.Id,
        name,
        service: planned?.component ?? planned?.name ?? name,
        ...(planned?.tenant && { tenant: planned.tenant }),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** vlagent's flags: one glob per container, with that container's fields (the i-th extraFields goes with the i-th glob). */
export function shipperArgs(options: Pick<ShipperOptions, 'env' | 'store' | 'containers'>): string[] {
  return [
    `-httpListenAddr=:${PORT}`,
    `-tmpDataPath=${DATA_DIR}`,
    `-remoteWrite.url=http://${options.store}:9428/internal/insert`,
    `-fileCollector.streamFields=${LOG_FIELDS.join(',')}`,
    // The file's path and the shipper's host name say nothing a reader needs.
    '-fileCollector.fileField=',
    '-fileCollector.hostnameField=',
    ...options.containers.flatMap((c) => [
      `-fileCollector.glob=${CONTAINERS_DIR}/${c.id}/${c.id}-json.log`,
      `-fileCollector.extraFields=${JSON.stringify({
        environment: options.env,
        ...(c.tenant && { tenant: c.tenant }),
        service: c.service,
        container: c.name,
      })}`,
    ]),
  ];
}

/** The shipper as a planned service, converged like the chart's (spec hash, readiness). */
export function shipperPlan(options: ShipperOptions): ServicePlan {
  const container: ContainerPlan = {
    name: 'vlagent',
    image: options.image,
    pullPolicy: options.pullPolicy,
    cmd: shipperArgs(options),
    env: {},
    envSources: {},
    // The engine keeps the log files root's, mode 0640, in folders of mode 0710: root reads them
    // as their owner, with no capability at all.
    user: '0:0',
    groupAdd: [],
    readOnlyRootfs: true,
    capAdd: [],
    capDrop: ['ALL'],
    noNewPrivileges: true,
    privileged: false,
    memoryBytes: 128 * 1024 * 1024,
    nanoCpus: 200_000_000,
    mounts: [
      ...options.containers.map((c) => ({
        type: 'host' as const,
        source: `${options.dockerRoot}/containers/${c.id}`,
        target: `${CONTAINERS_DIR}/${c.id}`,
        readOnly: true as const,
      })),
      { type: 'volume', source: shipperVolume(options.env), target: DATA_DIR, readOnly: false },
    ],
    ports: [PORT],
    readinessProbe: {
      action: { type: 'http', path: '/health', port: PORT, scheme: 'http', headers: {} },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
  };
  return {
    name: SHIPPER_SERVICE,
    source: 'omrs (the Docker runtime’s log shipper)',
    kind: 'Deployment',
    phase: 'gateway',
    component: SHIPPER_SERVICE,
    replicas: 1,
    aliases: [],
    initContainers: [],
    containers: [container],
  };
}

/** Its read positions: kept across re-creations, removed with the environment's volumes. */
export const shipperVolume = (env: string): string => volumeName(env, SHIPPER_SERVICE);

/**
 * Brings the environment's shipper up to date with its containers, after every other service of
 * `up`. `engine`: shippableEngine's answer, asked while the other services started. Without a
 * json-file engine it warns and ships nothing (and the shipper an earlier `up` made is removed
 * with the containers `up` no longer wants).
 */
export async function convergeShipper(
  store: ServicePlan,
  shipper: Pick<ShipperOptions, 'image' | 'pullPolicy'>,
  engine: Awaited<ReturnType<typeof shippableEngine>>,
  ctx: ConvergeContext,
): Promise<ServiceOutcome | undefined> {
  if ('reason' in engine) {
    ctx.events.emit({
      type: 'warning',
      message: `logs are not shipped: ${engine.reason}`,
      hint: engine.hint,
    });
    return undefined;
  }
  // When this `up` created or replaced nothing, the containers it found are still the ones there.
  const current =
    ctx.changes.length === 0 ? [...ctx.existing.values()] : await listContainers(ctx.docker, ctx.plan.env);
  const plan = shipperPlan({
    ...shipper,
    env: ctx.plan.env,
    store: store.aliases[0] ?? store.name,
    dockerRoot: engine.dockerRoot,
    containers: shippedContainers(current, ctx.plan.services, ctx.wanted),
  });
  return convergeService(plan, ctx);
}
