// `omrs status` and `omrs down` on Docker: everything is found by the omrs.dev/env label, so
// neither needs the profile or the chart.
import type { ContainerInfo } from 'dockerode';
import { InterruptedError } from '../../errors.js';
import { step } from '../../events/bus.js';
import type { EventSink, HealthState, RuntimeState } from '../../events/types.js';
import type { Docker } from '../../platform/docker.js';
import { conflictError, containerState, envFilter, listContainers, removeContainer } from './engine.js';
import { withEnvLock } from './lock.js';
import { LABEL, networkName } from './names.js';
import type { ProbePlan } from './plan.js';
import { runProbe } from './probe.js';
import { removeEnvDir } from './state.js';

export interface ServiceStatus {
  name: string;
  container: string;
  role: string;
  image: string;
  runtime: RuntimeState;
  health: HealthState;
  state: string;
  exitCode?: number;
  restarts: number;
  ports: string[];
  detail?: string;
}

export interface EnvStatus {
  env: string;
  exists: boolean;
  url?: string;
  profile?: string;
  appDigest?: string;
  services: ServiceStatus[];
}

export async function status(env: string, deps: { docker: Docker }): Promise<EnvStatus> {
  const { docker } = deps;
  const containers = (await listContainers(docker, env)).filter((c) => c.Labels[LABEL.role] !== 'init');
  const network = networkName(env);
  const services = await Promise.all(containers.map((c) => serviceStatus(docker, c, network)));
  services.sort((a, b) => a.name.localeCompare(b.name));
  const published = containers.flatMap((c) =>
    c.Ports.filter((p) => p.PublicPort && p.IP === '127.0.0.1').map((p) => p.PublicPort),
  );
  const first = containers[0];
  return {
    env,
    exists: containers.length > 0,
    ...(published[0] !== undefined && { url: `http://localhost:${published[0]}/openmrs/spa/` }),
    ...(first && { profile: first.Labels[LABEL.profile], appDigest: first.Labels[LABEL.appDigest] }),
    services,
  };
}

async function serviceStatus(docker: Docker, c: ContainerInfo, network: string): Promise<ServiceStatus> {
  const name = c.Labels[LABEL.service] ?? c.Names[0]!.replace(/^\//, '');
  const role = c.Labels[LABEL.role] ?? 'main';
  const base = { name, container: c.Names[0]!.replace(/^\//, ''), role, image: c.Image, state: c.State };
  const ports = c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}→${p.PrivatePort}`);
  const state = await containerState(docker, c.Id, network).catch(() => undefined);
  const restarts = state?.restarts ?? 0;
  if (role === 'job') {
    const ok = state?.exitCode === 0 && c.State === 'exited';
    return {
      ...base,
      runtime: c.State === 'running' ? 'starting' : ok ? 'ok' : 'error',
      health: 'none',
      restarts,
      ports,
      ...(state && { exitCode: state.exitCode }),
      detail: c.State === 'running' ? 'running' : ok ? 'completed' : `failed (exit ${state?.exitCode})`,
    };
  }
  if (!state?.running) {
    const crashed = c.State === 'exited' || c.State === 'dead' || c.State === 'restarting';
    return {
      ...base,
      runtime: crashed ? 'error' : 'stopped',
      health: 'unhealthy',
      restarts,
      ports,
      ...(state && { exitCode: state.exitCode }),
      detail: `${c.State}${state ? ` (exit code ${state.exitCode}${state.oomKilled ? ', out of memory' : ''})` : ''}; \`omrs up\` repairs it`,
    };
  }
  const probeLabel = c.Labels[LABEL.probe];
  const probe = probeLabel ? (JSON.parse(probeLabel) as ProbePlan) : undefined;
  if (!probe) return { ...base, runtime: 'ok', health: 'none', restarts, ports };
  const result = await runProbe(
    docker,
    { id: c.Id, ...(state.ip && { ip: state.ip }) },
    probe.action,
    Math.min(3000, probe.timeoutSeconds * 1000),
  );
  return {
    ...base,
    runtime: 'ok',
    health: result.ok ? 'healthy' : 'unhealthy',
    restarts,
    ports,
    detail: result.message,
  };
}

export interface DownResult {
  env: string;
  containers: string[];
  networks: string[];
  volumes: string[];
  keptVolumes: string[];
}

export interface DownDeps {
  docker: Docker;
  events: EventSink;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** `omrs down`: waits for an `up` of the same environment to finish first (one writer per env). */
export async function down(env: string, options: { volumes: boolean }, deps: DownDeps): Promise<DownResult> {
  return withEnvLock(env, `omrs down${options.volumes ? ' --volumes' : ''}`, deps, () =>
    downLocked(env, options, deps),
  );
}

async function downLocked(env: string, options: { volumes: boolean }, deps: DownDeps): Promise<DownResult> {
  const { docker, events } = deps;
  const filter = envFilter(env);
  const result: DownResult = { env, containers: [], networks: [], volumes: [], keptVolumes: [] };
  // Between steps: a Ctrl-C stops here; the next `down` removes the rest.
  const stopIfAsked = (): void => {
    if (deps.signal?.aborted) throw new InterruptedError('down');
  };
  await step(events, 'containers', 'Remove containers', async () => {
    const containers = await listContainers(docker, env);
    await Promise.all(
      containers.map(async (c) => {
        await removeContainer(docker, c.Id);
        result.containers.push(c.Names[0]!.replace(/^\//, ''));
        events.emit({
          type: 'resource',
          name: c.Labels[LABEL.service] ?? c.Id,
          kind: 'container',
          runtime: 'stopped',
          health: 'none',
          detail: 'removed',
        });
      }),
    );
  });
  stopIfAsked();
  await step(events, 'network', 'Remove the network', async () => {
    for (const n of await docker.listNetworks({ filters: filter })) {
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error;
        });
      result.networks.push(n.Name);
    }
  });
  stopIfAsked();
  const volumes = (await docker.listVolumes({ filters: filter })).Volumes ?? [];
  if (options.volumes) {
    await step(events, 'volumes', 'Remove volumes', async () => {
      for (const v of volumes) {
        await docker
          .getVolume(v.Name)
          .remove()
          .catch((error: { statusCode?: number }) => {
            if (error.statusCode === 409)
              throw conflictError(
                env,
                `remove volume ${v.Name}`,
                error,
                `remove the containers that use it (\`docker ps -a --filter volume=${v.Name}\`)`,
              );
            if (error.statusCode !== 404) throw error;
          });
        result.volumes.push(v.Name);
      }
    });
  } else result.keptVolumes = volumes.map((v) => v.Name);
  await removeEnvDir(deps.env, env, !options.volumes);
  return result;
}
