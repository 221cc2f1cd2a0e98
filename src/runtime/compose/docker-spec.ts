// A planned container → the dockerode create options, and the spec hash that tells whether an
// existing container still matches the plan.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import { canonicalJson } from '../../profile/digest.js';
import { LABEL, containerName } from './names.js';
import type { ComposePlan, ContainerPlan, ServicePlan } from './plan.js';

export type Role = 'main' | 'sidecar' | 'init' | 'job';

export interface SpecContext {
  plan: ComposePlan;
  service: ServicePlan;
  container: ContainerPlan;
  role: Role;
  replica: number;
  /** The env's state folder: files/ (Secrets, ConfigMaps) and scratch/ (emptyDirs) are in it. */
  stateDir: string;
  labels: Record<string, string>;
  /** The host port to publish on (may differ from the requested one when it was taken). */
  hostPort?: number;
}

export interface ContainerSpec {
  name: string;
  hash: string;
  options: ContainerCreateOptions;
}

export function nameFor(
  env: string,
  service: ServicePlan,
  container: ContainerPlan,
  role: Role,
  replica: number,
): string {
  if (role === 'init') return containerName(env, service.name, replica, `init-${container.name}`);
  if (role === 'sidecar') return containerName(env, service.name, replica, container.name);
  return containerName(env, service.name, replica);
}

/** The host folder of a pod's emptyDir (with its subPath). */
export const podScratchDir = (stateDir: string, service: ServicePlan, replica: number): string =>
  join(stateDir, 'scratch', replica > 0 ? `${service.name}-${replica + 1}` : service.name);
export const emptyDirPath = (
  stateDir: string,
  service: ServicePlan,
  replica: number,
  volume: string,
  subPath?: string,
): string => join(podScratchDir(stateDir, service, replica), volume, subPath ?? '');

/** Every emptyDir folder a container mounts (relative parts), to create before it starts. */
export const emptyDirsOf = (
  stateDir: string,
  service: ServicePlan,
  replica: number,
  c: ContainerPlan,
): string[] =>
  c.mounts.flatMap((m) =>
    m.type === 'emptyDir' ? [emptyDirPath(stateDir, service, replica, m.volume, m.subPath)] : [],
  );

/** sha256 over everything that shapes the container, including the content of its files. */
export function specHash(ctx: Omit<SpecContext, 'stateDir' | 'labels' | 'hostPort'>): string {
  const { plan, service, container, role, replica } = ctx;
  const binds = container.mounts.flatMap((m) => (m.type === 'bind' ? [m.source] : []));
  const files = plan.files
    .filter((f) => binds.some((b) => f.path === b || f.path.startsWith(`${b}/`)))
    .map((f) => ({
      path: f.path,
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
      sha: createHash('sha256').update(f.content).digest('hex'),
    }));
  const shape = {
    container,
    role,
    replica,
    network: plan.network,
    aliases: role === 'main' ? service.aliases : [],
    // A pod's init containers shape it too (a changed one replaces the pod, as a Deployment rolls).
    initContainers: role === 'main' && service.initContainers.length > 0 ? service.initContainers : undefined,
    publish: role === 'main' ? service.publish : undefined,
    kind: service.kind,
    files,
  };
  return createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(shape))))
    .digest('hex');
}

export function containerSpec(ctx: SpecContext): ContainerSpec {
  const { plan, service, container: c, role, replica } = ctx;
  const name = nameFor(plan.env, service, c, role, replica);
  const hash = specHash(ctx);
  const mounts: MountSettings[] = c.mounts.map((m) => {
    if (m.type === 'tmpfs')
      return {
        Type: 'tmpfs',
        Source: '',
        Target: m.target,
        TmpfsOptions: { Mode: 0o1777, SizeBytes: m.sizeBytes ?? 0 },
      };
    if (m.type === 'bind')
      return {
        Type: 'bind',
        Source: join(ctx.stateDir, 'files', m.source),
        Target: m.target,
        ReadOnly: true,
      };
    if (m.type === 'emptyDir')
      return {
        Type: 'bind',
        Source: emptyDirPath(ctx.stateDir, service, replica, m.volume, m.subPath),
        Target: m.target,
        ReadOnly: false,
      };
    if (m.type === 'host') return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: true };
    return { Type: 'volume', Source: m.source, Target: m.target, ReadOnly: m.readOnly };
  });
  const ownsNetwork = role !== 'sidecar';
  const mainName = containerName(plan.env, service.name, replica);
  const publish =
    role === 'main' && service.publish && ctx.hostPort !== undefined ? service.publish : undefined;
  const podHost = service.kind === 'StatefulSet' ? `${service.source.split('/')[1]}-${replica}` : name;
  const options: ContainerCreateOptions = {
    name,
    Image: c.image,
    Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...ctx.labels,
      [LABEL.specHash]: hash,
      [LABEL.service]: service.name,
      [LABEL.role]: role,
      ...(publish && { [LABEL.publishedAs]: publish.as }),
      ...(role === 'main' &&
        (c.readinessProbe ?? c.startupProbe) && {
          [LABEL.probe]: JSON.stringify(c.readinessProbe ?? c.startupProbe),
        }),
      ...(role === 'main' &&
        service.schedule && {
          [LABEL.schedule]: service.schedule,
          [LABEL.scheduleAfter]: service.containers
            .slice(1)
            .map((s) => s.name)
            .join(','),
        }),
    },
    ...(c.entrypoint && { Entrypoint: c.entrypoint }),
    ...(c.cmd && { Cmd: c.cmd }),
    ...(c.workingDir && { WorkingDir: c.workingDir }),
    ...(c.user && { User: c.user }),
    ...(ownsNetwork && { Hostname: podHost.slice(0, 63) }),
    // A sidecar's ports are its pod's (the main container's network): Docker refuses them on it.
    ...(ownsNetwork && { ExposedPorts: Object.fromEntries(c.ports.map((p) => [`${p}/tcp`, {}])) }),
    HostConfig: {
      NetworkMode: ownsNetwork ? plan.network : `container:${mainName}`,
      RestartPolicy: { Name: role === 'main' || role === 'sidecar' ? 'unless-stopped' : 'no' },
      ReadonlyRootfs: c.readOnlyRootfs,
      CapAdd: c.capAdd,
      CapDrop: c.capDrop,
      Privileged: c.privileged,
      SecurityOpt: c.noNewPrivileges ? ['no-new-privileges'] : [],
      GroupAdd: c.groupAdd,
      Mounts: mounts,
      ...(c.memoryBytes && { Memory: c.memoryBytes }),
      ...(c.nanoCpus && { NanoCpus: c.nanoCpus }),
      ...(publish && {
        PortBindings: {
          [`${publish.containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(ctx.hostPort) }],
        },
      }),
    },
    ...(ownsNetwork && {
      NetworkingConfig: {
        EndpointsConfig: { [plan.network]: { Aliases: role === 'main' ? service.aliases : [] } },
      },
    }),
  };
  return { name, hash, options };
}
