// The Kubernetes objects the chart renders → a compose plan (containers, volumes, files, one
// network). Pure: no docker, no file system. Every runtime deploys the same rendered objects;
// this is how compose does it.
import { OmrsError } from '../../errors.js';
import type {
  Container,
  KeyToPath,
  PodSpec,
  RawObject,
  ServiceSpec,
  Volume,
  WorkloadSpec,
} from '../../render/kube-spec.js';
import { componentLabel, objectId, phaseOf, serviceSelects, type Phase } from '../../render/workloads.js';
import { cpuToNano, memoryToBytes } from '../../render/quantities.js';
import { resolveEnv } from './env.js';
import { volumeName, networkName } from './names.js';
import type {
  ComposePlan,
  ContainerPlan,
  FilePlan,
  Mount,
  ProbePlan,
  Published,
  PublishedTool,
  ServicePlan,
} from './plan.js';
import { PUBLISHED_TOOLS } from './plan.js';
import { probePlan } from './probes-plan.js';
import { normaliseSchedule } from '../../profile/cron.js';
import { SCHEDULE_DIR, SCHEDULE_VOLUME, scheduledCommand } from './scheduler.js';

export interface TranslateOptions {
  env: string;
  /** The host port requested for the gateway (profile ports.gateway). */
  gatewayPort: number;
  /** The host ports requested for the monitoring tools (profile ports.prometheus, .logs, .grafana), used when the chart runs them. */
  toolPorts?: Partial<Record<PublishedTool, number>>;
}

/** Kinds that compose does not need, on purpose. */
const SKIPPED: Record<string, string> = {
  NetworkPolicy: 'one private network per environment already isolates it',
  PodDisruptionBudget: 'no voluntary evictions on one machine',
  HorizontalPodAutoscaler: 'replicas are fixed on compose',
  Ingress: 'the gateway port is published on 127.0.0.1',
  ServiceAccount: 'no Kubernetes API inside compose containers',
  Role: 'no Kubernetes API inside compose containers',
  RoleBinding: 'no Kubernetes API inside compose containers',
  ServiceMonitor: 'no Prometheus operator on compose',
};
const DATA_KINDS = new Set(['Secret', 'ConfigMap', 'Service', 'PersistentVolumeClaim']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob']);

export function translate(objects: RawObject[], options: TranslateOptions): ComposePlan {
  const plan: ComposePlan = {
    env: options.env,
    network: networkName(options.env),
    volumes: [],
    files: [],
    services: [],
    skipped: [],
    warnings: [],
  };
  const secrets = new Map<string, Record<string, string>>();
  const configMaps = new Map<string, Record<string, string>>();
  const services = objects.filter((o) => o.kind === 'Service');
  for (const o of objects) {
    if (o.kind === 'Secret') secrets.set(o.metadata.name, secretData(o));
    if (o.kind === 'ConfigMap') configMaps.set(o.metadata.name, { ...(o.data ?? {}) });
  }
  const lookup = { secrets, configMaps };
  for (const o of objects) {
    if (SKIPPED[o.kind]) plan.skipped.push({ object: objectId(o), reason: SKIPPED[o.kind]! });
    else if (!WORKLOADS.has(o.kind) && !DATA_KINDS.has(o.kind))
      throw new OmrsError({
        code: 'COMPOSE_UNSUPPORTED_KIND',
        message: `The compose runtime cannot run ${objectId(o)}: kind ${o.kind} has no compose equivalent.`,
        hint: 'Use a Kubernetes runtime (kind, minikube, kube) for this profile, or disable the feature that renders it.',
      });
  }
  for (const o of objects.filter((x) => WORKLOADS.has(x.kind))) {
    const service = translateWorkload(o, { ...options, lookup, services, plan });
    if (service) plan.services.push(service);
  }
  plan.volumes = [...new Set(plan.volumes)].sort();
  return plan;
}

interface Context extends TranslateOptions {
  lookup: { secrets: Map<string, Record<string, string>>; configMaps: Map<string, Record<string, string>> };
  services: RawObject[];
  plan: ComposePlan;
}

function secretData(o: RawObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(o.stringData ?? {})) out[k] = v;
  return out;
}

export function shortName(o: RawObject): string {
  const instance = o.metadata.labels?.['app.kubernetes.io/instance'];
  const name = o.metadata.name;
  return instance && name.startsWith(`${instance}-`) && name.length > instance.length + 1
    ? name.slice(instance.length + 1)
    : name;
}

function translateWorkload(o: RawObject, ctx: Context): ServicePlan | undefined {
  const id = objectId(o);
  if (o.kind === 'CronJob') return translateCronJob(o, ctx);
  const spec = o.spec as WorkloadSpec | undefined;
  const pod = spec?.template?.spec;
  if (!spec || !pod || !Array.isArray(pod.containers) || pod.containers.length === 0)
    throw new OmrsError({
      code: 'COMPOSE_BAD_OBJECT',
      message: `${id} has no pod template with containers.`,
    });
  if (pod.hostNetwork) unsupported(id, 'hostNetwork: true');
  const name = shortName(o);
  const podLabels = { ...(spec.template.metadata?.labels ?? {}) };
  const kind = o.kind as ServicePlan['kind'];
  let replicas = kind === 'Job' ? 1 : (spec.replicas ?? 1);
  if (kind === 'StatefulSet' && replicas > 1) {
    ctx.plan.warnings.push(`${id} asks for ${replicas} replicas; compose runs one`);
    replicas = 1;
  }
  const podName = `omrs-${ctx.env}-${name}`;
  const volumes = podVolumes(o, pod, spec, name, ctx);
  const build = (c: Container, index: number, init: boolean): ContainerPlan =>
    translateContainer(o, c, pod, {
      volumes,
      podName,
      env: ctx.env,
      lookup: ctx.lookup,
      primary: !init && index === 0,
    });
  const initContainers = (pod.initContainers ?? []).map((c, i) => {
    if (c.restartPolicy === 'Always') unsupported(id, `native sidecar init container "${c.name}"`);
    return build(c, i, true);
  });
  const containers = pod.containers.map((c, i) => build(c, i, false));

  const selecting =
    kind === 'Job'
      ? []
      : ctx.services.filter((s) => serviceSelects((s.spec as ServiceSpec | undefined)?.selector, podLabels));
  const aliases = selecting.map((s) => s.metadata.name);
  if (kind === 'StatefulSet') {
    const pod0 = `${o.metadata.name}-0`;
    aliases.push(pod0, ...(spec.serviceName ? [`${pod0}.${spec.serviceName}`] : []));
  }
  for (const s of selecting) checkServicePorts(s, pod.containers, ctx.plan);
  const phase = phaseOf(o);
  const component = componentLabel(podLabels);
  const tenant = podLabels['omrs.dev/tenant'];
  const service: ServicePlan = {
    name,
    source: id,
    kind,
    ...(component && { component }),
    ...(tenant && { tenant }),
    phase,
    replicas,
    aliases: [...new Set(aliases)],
    initContainers,
    containers,
    ...(kind === 'Job' && { backoffLimit: spec.backoffLimit ?? 6 }),
    ...(pod.securityContext?.fsGroup !== undefined && { fsGroup: pod.securityContext.fsGroup }),
  };
  const published = publishedAs(phase, component);
  const hostPort = published && (published === 'gateway' ? ctx.gatewayPort : ctx.toolPorts?.[published]);
  if (published && hostPort !== undefined) {
    const containerPort = firstPort(selecting, pod.containers);
    if (containerPort !== undefined) service.publish = { as: published, containerPort, hostPort };
  }
  return service;
}

interface CronJobSpec {
  schedule?: string;
  suspend?: boolean;
  jobTemplate?: { spec?: WorkloadSpec };
}

/**
 * A CronJob as one long-running pod whose steps run on its schedule (scheduler.ts): its init
 * containers and containers, in that order, each wrapped in the scheduler and given the emptyDir
 * that records the runs. A suspended CronJob runs no pod.
 */
function translateCronJob(o: RawObject, ctx: Context): ServicePlan | undefined {
  const id = objectId(o);
  const cron = (o.spec ?? {}) as CronJobSpec;
  const job = cron.jobTemplate?.spec;
  const schedule = normaliseSchedule(cron.schedule ?? '');
  if ('error' in schedule) unsupported(id, `the schedule "${cron.schedule ?? ''}" (${schedule.error})`);
  const pod = job?.template?.spec;
  if (!job?.template || !pod)
    throw new OmrsError({ code: 'COMPOSE_BAD_OBJECT', message: `${id} has no job template with a pod.` });
  const mount = { name: SCHEDULE_VOLUME, mountPath: SCHEDULE_DIR };
  const steps = [...(pod.initContainers ?? []), ...(pod.containers ?? [])].map((c) => ({
    ...c,
    volumeMounts: [...(c.volumeMounts ?? []), mount],
  }));
  const asDeployment: RawObject = {
    ...o,
    kind: 'Deployment',
    spec: {
      replicas: cron.suspend === true ? 0 : 1,
      template: {
        ...job.template,
        spec: {
          ...pod,
          initContainers: [],
          containers: steps,
          volumes: [...(pod.volumes ?? []), { name: SCHEDULE_VOLUME, emptyDir: {} }],
        },
      },
    },
  };
  const service = translateWorkload(asDeployment, ctx)!;
  service.containers = service.containers.map((c, i) => {
    const command = [...(c.entrypoint ?? []), ...(c.cmd ?? [])];
    if (!c.entrypoint) unsupported(id, `container "${c.name}" without a command (the scheduler wraps it)`);
    const rest = { ...c };
    delete rest.cmd;
    return {
      ...rest,
      entrypoint: scheduledCommand(schedule.fields, i === 0 ? 'first' : `after:${c.name}`, command),
    };
  });
  return { ...service, source: id, kind: 'CronJob', schedule: schedule.fields };
}

function unsupported(id: string, what: string): never {
  throw new OmrsError({
    code: 'COMPOSE_UNSUPPORTED',
    message: `The compose runtime cannot express ${what} in ${id}.`,
    hint: 'Run this profile on a Kubernetes runtime (kind, minikube, kube), or change the chart values so the object does not need it.',
  });
}

function resolvePort(port: number | string | undefined, containers: Container[]): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of containers) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  return undefined;
}

function checkServicePorts(s: RawObject, containers: Container[], plan: ComposePlan): void {
  for (const p of (s.spec as ServiceSpec).ports ?? []) {
    const target = resolvePort(p.targetPort ?? p.port, containers);
    if (target !== undefined && target !== p.port)
      plan.warnings.push(
        `${objectId(s)} maps port ${p.port} to ${target}: on compose the name ${s.metadata.name} reaches the container on ${target} only`,
      );
  }
}

/** What compose publishes on 127.0.0.1: the gateway, and Prometheus, the log store and Grafana (monitoring.enabled). */
function publishedAs(phase: Phase, component: string | undefined): Published | undefined {
  if (phase === 'gateway') return 'gateway';
  return PUBLISHED_TOOLS.find((tool) => tool === component);
}

function firstPort(services: RawObject[], containers: Container[]): number | undefined {
  for (const s of services) {
    const first = (s.spec as ServiceSpec).ports?.[0];
    const port = first && resolvePort(first.targetPort ?? first.port, containers);
    if (port !== undefined) return port;
  }
  return containers[0]?.ports?.[0]?.containerPort;
}

interface PodVolume {
  volume: Volume;
  /** How a mount of this volume is made; `subPath` is resolved per mount. */
  kind: 'volume' | 'bind' | 'tmpfs' | 'emptyDir';
  source?: string;
  sizeBytes?: number;
}

function podVolumes(
  o: RawObject,
  pod: PodSpec,
  spec: WorkloadSpec,
  service: string,
  ctx: Context,
): Map<string, PodVolume> {
  const id = objectId(o);
  const result = new Map<string, PodVolume>();
  const all = [...(pod.initContainers ?? []), ...pod.containers];
  const users = (name: string): number =>
    all.filter((c) => (c.volumeMounts ?? []).some((m) => m.name === name)).length;
  const owner = pod.securityContext?.runAsUser ?? pod.containers[0]?.securityContext?.runAsUser;
  const group =
    pod.securityContext?.fsGroup ??
    pod.securityContext?.runAsGroup ??
    pod.containers[0]?.securityContext?.runAsGroup;
  for (const t of spec.volumeClaimTemplates ?? []) {
    const source = volumeName(ctx.env, `${service}-${t.metadata.name}`);
    ctx.plan.volumes.push(source);
    result.set(t.metadata.name, { volume: { name: t.metadata.name }, kind: 'volume', source });
  }
  for (const v of pod.volumes ?? []) {
    if (v.persistentVolumeClaim) {
      const source = volumeName(ctx.env, stripRelease(v.persistentVolumeClaim.claimName, o));
      ctx.plan.volumes.push(source);
      result.set(v.name, { volume: v, kind: 'volume', source });
    } else if (v.emptyDir) {
      const sizeBytes = v.emptyDir.sizeLimit ? memoryToBytes(v.emptyDir.sizeLimit) : undefined;
      if (v.emptyDir.medium === 'Memory' && users(v.name) === 1)
        result.set(v.name, { volume: v, kind: 'tmpfs', ...(sizeBytes && { sizeBytes }) });
      else result.set(v.name, { volume: v, kind: 'emptyDir' });
    } else if (v.secret || v.configMap) {
      const isSecret = Boolean(v.secret);
      const ref = isSecret ? v.secret!.secretName : v.configMap!.name;
      const data = (isSecret ? ctx.lookup.secrets : ctx.lookup.configMaps).get(ref);
      const optional = (isSecret ? v.secret!.optional : v.configMap!.optional) === true;
      if (!data && !optional) missingRef(id, isSecret ? 'Secret' : 'ConfigMap', ref, `volume "${v.name}"`);
      const folder = `${service}/${v.name}`;
      const items: KeyToPath[] =
        (isSecret ? v.secret!.items : v.configMap!.items) ??
        Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      const defaultMode = isSecret ? 0o600 : (v.configMap!.defaultMode ?? 0o644) & 0o777;
      for (const item of items) {
        const value = data?.[item.key];
        if (value === undefined) {
          if (optional) continue;
          missingRef(id, isSecret ? 'Secret' : 'ConfigMap', `${ref}`, `volume "${v.name}" key "${item.key}"`);
        }
        const file: FilePlan = {
          path: `${folder}/${item.path}`,
          content: Buffer.from(value, 'utf8'),
          mode: isSecret ? 0o600 : (item.mode ?? defaultMode),
        };
        if (isSecret) file.secret = { name: ref, key: item.key };
        if (owner !== undefined) file.uid = owner;
        if (group !== undefined) file.gid = group;
        ctx.plan.files.push(file);
      }
      result.set(v.name, { volume: v, kind: 'bind', source: folder });
    } else {
      const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      unsupported(id, `volume "${v.name}" of type ${type}`);
    }
  }
  return result;
}

function stripRelease(name: string, o: RawObject): string {
  const instance = o.metadata.labels?.['app.kubernetes.io/instance'];
  return instance && name.startsWith(`${instance}-`) ? name.slice(instance.length + 1) : name;
}

export function missingRef(id: string, kind: string, name: string, where: string): never {
  throw new OmrsError({
    code: 'COMPOSE_MISSING_REFERENCE',
    message: `${id} uses ${kind} "${name}" (${where}), which the chart did not render.`,
    hint: `On compose every ${kind} must come from the profile: set the value in the profile (e.g. admin.password) instead of a reference to an existing cluster ${kind}.`,
  });
}

interface ContainerContext {
  volumes: Map<string, PodVolume>;
  podName: string;
  env: string;
  lookup: Context['lookup'];
  primary: boolean;
}

function translateContainer(o: RawObject, c: Container, pod: PodSpec, ctx: ContainerContext): ContainerPlan {
  const id = `${objectId(o)} container "${c.name}"`;
  const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
  const { env, sources, expand } = resolveEnv(c, {
    id,
    podName: ctx.podName,
    namespace: ctx.env,
    ...ctx.lookup,
  });
  const mounts: Mount[] = (c.volumeMounts ?? []).map((m) => {
    const v = ctx.volumes.get(m.name);
    if (!v)
      throw new OmrsError({
        code: 'COMPOSE_BAD_OBJECT',
        message: `${id} mounts volume "${m.name}", which the pod does not declare.`,
      });
    if (v.kind === 'emptyDir')
      return {
        type: 'emptyDir',
        volume: m.name,
        target: m.mountPath,
        ...(m.subPath && { subPath: m.subPath }),
      };
    if (v.kind === 'tmpfs') {
      // Each subPath of a private in-memory emptyDir is its own tmpfs: only this container sees them.
      return { type: 'tmpfs', target: m.mountPath, ...(v.sizeBytes && { sizeBytes: v.sizeBytes }) };
    }
    if (v.kind === 'bind')
      return {
        type: 'bind',
        source: m.subPath ? `${v.source}/${m.subPath}` : v.source!,
        target: m.mountPath,
        readOnly: true,
      };
    // Docker 20.10 (API 1.41) cannot mount a sub-folder of a named volume.
    if (m.subPath) unsupported(id, `a subPath mount of volume "${m.name}"`);
    return { type: 'volume', source: v.source!, target: m.mountPath, readOnly: m.readOnly === true };
  });
  const limits = c.resources?.limits ?? {};
  const memoryBytes = limits.memory ? memoryToBytes(limits.memory) : undefined;
  const nanoCpus = limits.cpu ? cpuToNano(limits.cpu) : undefined;
  const user =
    sc.runAsUser !== undefined
      ? `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}`
      : undefined;
  const groups = [
    ...(pod.securityContext?.fsGroup !== undefined ? [pod.securityContext.fsGroup] : []),
    ...(pod.securityContext?.supplementalGroups ?? []),
  ];
  const probe = (p: Container['startupProbe']): ProbePlan | undefined =>
    p ? probePlan(p, c, id) : undefined;
  const plan: ContainerPlan = {
    name: c.name,
    image: c.image,
    pullPolicy:
      c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'Never' ? c.imagePullPolicy : 'IfNotPresent',
    env,
    envSources: sources,
    groupAdd: groups.map(String),
    readOnlyRootfs: sc.readOnlyRootFilesystem === true,
    capAdd: sc.capabilities?.add ?? [],
    capDrop: sc.capabilities?.drop ?? [],
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    privileged: sc.privileged === true,
    mounts,
    ports: (c.ports ?? []).map((p) => p.containerPort),
  };
  if (c.command) plan.entrypoint = c.command.map(expand);
  if (c.args) plan.cmd = c.args.map(expand);
  if (c.workingDir) plan.workingDir = c.workingDir;
  if (user) plan.user = user;
  if (memoryBytes) plan.memoryBytes = memoryBytes;
  if (nanoCpus) plan.nanoCpus = nanoCpus;
  const startup = probe(c.startupProbe);
  const readiness = probe(c.readinessProbe);
  const liveness = probe(c.livenessProbe);
  if (startup) plan.startupProbe = startup;
  if (readiness) plan.readinessProbe = readiness;
  if (liveness) plan.livenessProbe = liveness;
  return plan;
}
