// Disposable environments on a cluster: a namespace per environment, created with ALL its labels
// and annotations in one request (so an interrupted `env create` never leaves an unlabelled
// namespace or a release outside a labelled one), a TTL as a unix-time label, and gc that removes
// exactly the expired ones with their release, volume claims and namespace.
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import { step } from '../events/bus.js';
import { labelValue } from '../render/values.js';
import { nowSeconds as clockSeconds } from '../platform/clock.js';
import { ownerName } from '../platform/identity.js';
import { api, apiError, isConflict, type KubeClient } from '../runtime/kube/client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from '../runtime/kube/connect.js';
import { namespaceFor } from '../render/env-name.js';
import { KANNOTATION, KLABEL, namespaceLabels } from '../runtime/kube/labels.js';
import { downTarget, type KubeDownResult } from '../runtime/kube/down.js';
import { prepareCluster } from '../runtime/kube/providers/prepare.js';
import { kubeUp, type KubeUpRequest, type KubeUpResult } from '../runtime/kube/up.js';
import * as cron from './gc-cronjob.js';
import { expiredOf, expiryFields, extendedExpiry, isoOf, readExpiry, type SkippedEnv } from './expiry.js';
import { generateName, ttlSeconds } from './names.js';

export interface EnvDeps extends KubeDeps {
  now?: () => number;
  /** Name generator (tests force collisions with it). */
  random?: () => Buffer;
}

export interface EnvCreateRequest extends KubeRequest {
  name?: string;
  ttl: string;
  /** Create the namespace and labels only; do not install (benchmarks of the bookkeeping). */
  noInstall?: boolean;
  /** false: no seed step (env create --from-snapshot restores instead). */
  seed?: boolean;
  /** Profile value overrides for the install (env create --from-snapshot starts no backend). */
  adjust?: KubeUpRequest['adjust'];
}

export interface EnvCreateResult {
  name: string;
  namespace: string;
  context: string;
  owner: string;
  expires: string;
  up?: KubeUpResult;
  seeded: boolean;
  seedNote: string;
}

export interface EnvInfo {
  name: string;
  namespace: string;
  runtime: string;
  profile: string;
  owner: string;
  url: string;
  created: string;
  /** ISO time; null when the expiry label or record is missing or not a time (see `problem`). */
  expires: string | null;
  ageSeconds: number;
  expiresInSeconds: number | null;
  state: string;
  /** What is wrong with this environment's bookkeeping (its expiry), when something is. */
  problem?: string;
}

const nowSeconds = (deps: EnvDeps): number => clockSeconds(deps.now);
/** For times omrs computed itself (now plus a bounded TTL): always a real date. */
const iso = (unix: number): string => isoOf(unix)!;
const EXPIRES_LABEL = `label ${KLABEL.expires}`;

const DISPOSABLE = `${KLABEL.disposable}=true`;

export async function createEnv(request: EnvCreateRequest, given: EnvDeps): Promise<EnvCreateResult> {
  const ttl = ttlSeconds(request.ttl);
  // kind and minikube: the cluster runs, with the profile's images in its nodes, before the guard connects.
  const deps = request.noInstall ? given : await prepareCluster(request, given);
  const requested = request.name;
  // The guard and the profile come first; the name is only a namespace to claim.
  const probe = await connect({ ...request, env: requested ?? 'probe' }, deps, 'create an environment on');
  const owner = await ownerName(deps.env, deps.cwd);
  const created = nowSeconds(deps);
  const expires = created + ttl;
  let target: Target | undefined;
  for (let attempt = 0; attempt < 8 && !target; attempt++) {
    const name = requested ?? generateName(probe.resolved.name, deps.random);
    const namespace = namespaceFor(name);
    const labels = {
      ...namespaceLabels(name, probe.resolved.name, probe.digest),
      [KLABEL.disposable]: 'true',
      [KLABEL.expires]: String(expires),
      [KLABEL.owner]: labelValue(owner) || 'unknown',
      [KLABEL.runtime]: probe.runtime,
    };
    const annotations = {
      [KANNOTATION.owner]: owner,
      [KANNOTATION.created]: iso(created),
      [KANNOTATION.expires]: iso(expires),
      [KANNOTATION.appDigest]: probe.digest,
      [KANNOTATION.state]: 'creating',
      [KANNOTATION.url]: `http://${probe.resolved.profile.ingress.host}/`,
    };
    try {
      // One request: the namespace exists with every label and annotation, or not at all.
      await probe.client.core.createNamespace({
        body: { metadata: { name: namespace, labels, annotations } },
      });
      target = { ...probe, env: name, namespace };
    } catch (error) {
      if (!isConflict(error)) throw apiError(error, `create namespace ${namespace}`, probe.client.context);
      if (requested)
        throw new OmrsError({
          code: 'ENV_EXISTS',
          message: `environment ${requested} exists already (namespace ${namespace})`,
          exitCode: ExitCode.usage,
          hint: 'Choose another --name, or leave it out for a generated one.',
        });
      deps.events.emit({ type: 'debug', message: `name ${name} is taken, trying another` });
    }
  }
  if (!target)
    throw new OmrsError({
      code: 'ENV_NAME_EXHAUSTED',
      message: 'could not find a free environment name in 8 attempts',
      exitCode: ExitCode.failed,
    });
  const base = {
    name: target.env,
    namespace: target.namespace,
    context: target.decision.context,
    owner,
    expires: iso(expires),
  };
  if (request.noInstall) return { ...base, seeded: false, seedNote: 'not installed (--no-install)' };
  try {
    // Seeded by the profile's seed step, through a port-forward to each tenant's database pod.
    const up = await kubeUp({ ...request, env: target.env }, deps, target);
    // A signal that came while the lease was released, or while the state was written: the command
    // ends as interrupted (exit 130), so the environment must not be listed as ready.
    if (deps.signal.aborted) throw new InterruptedError('env create');
    await setState(target.client, target.namespace, 'ready');
    if (deps.signal.aborted) throw new InterruptedError('env create');
    const seedNote = up.seeded
      ? `seeded by the seed step of the profile: ${up.seeded.join('; ')}`
      : 'the profile does not enable seeding';
    return { ...base, up, seeded: up.seeded !== undefined, seedNote };
  } catch (error) {
    await setState(target.client, target.namespace, 'failed').catch(() => undefined);
    throw error;
  }
}

async function setState(
  client: KubeClient,
  namespace: string,
  state: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Promise<void> {
  const { setHeaderOptions, PatchStrategy } = client.k8s;
  await api(`update namespace ${namespace}`, client.context, () =>
    client.core.patchNamespace(
      {
        name: namespace,
        body: {
          metadata: {
            ...(extra.labels && { labels: extra.labels }),
            annotations: { [KANNOTATION.state]: state, ...extra.annotations },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
}

export type EnvScope = KubeRequest;

/** Connects for env commands that do not deploy: the profile only decides the context. */
const scope = (request: EnvScope, deps: EnvDeps, action: string): Promise<Target> =>
  connect({ ...request, env: request.env ?? 'env' }, deps, action);

export async function listEnvs(request: EnvScope, deps: EnvDeps, target?: Target): Promise<EnvInfo[]> {
  const t = target ?? (await scope(request, deps, 'list environments on'));
  const list = await api('list environments (namespaces)', t.client.context, () =>
    t.client.core.listNamespace({ labelSelector: DISPOSABLE }),
  );
  const now = nowSeconds(deps);
  return list.items
    .map((ns): EnvInfo => {
      const l = ns.metadata?.labels ?? {};
      const a = ns.metadata?.annotations ?? {};
      const expiry = readExpiry(l[KLABEL.expires], now, EXPIRES_LABEL);
      const createdMs = [a[KANNOTATION.created], ns.metadata?.creationTimestamp]
        .map((t) => (t === undefined ? NaN : new Date(t).getTime()))
        .find((t) => !Number.isNaN(t));
      const created = createdMs === undefined ? undefined : Math.floor(createdMs / 1000);
      const terminating = ns.status?.phase === 'Terminating';
      return {
        name: l[KLABEL.env] ?? ns.metadata?.name ?? '',
        namespace: ns.metadata?.name ?? '',
        runtime: l[KLABEL.runtime] ?? 'kube',
        profile: l[KLABEL.profile] ?? '',
        owner: a[KANNOTATION.owner] ?? l[KLABEL.owner] ?? '',
        url: a[KANNOTATION.url] ?? '',
        created: created === undefined ? '' : (isoOf(created) ?? ''),
        ...expiryFields(expiry, now),
        ageSeconds: created === undefined ? 0 : now - created,
        state: terminating
          ? 'deleting'
          : expiry.unix !== undefined && expiry.unix <= now
            ? 'expired'
            : (a[KANNOTATION.state] ?? 'unknown'),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function findEnv(
  t: Target,
  name: string,
): Promise<{ namespace: string; labels: Record<string, string> }> {
  const list = await api('find the environment', t.client.context, () =>
    t.client.core.listNamespace({ labelSelector: `${DISPOSABLE},${KLABEL.env}=${labelValue(name)}` }),
  );
  const ns = list.items[0];
  if (!ns?.metadata?.name)
    throw new OmrsError({
      code: 'ENV_NOT_FOUND',
      message: `no disposable environment named ${name} on context ${t.decision.context}`,
      exitCode: ExitCode.usage,
      hint: 'List them with `omrs env ls`.',
    });
  return { namespace: ns.metadata.name, labels: ns.metadata.labels ?? {} };
}

export async function extendEnv(
  request: EnvScope & { name: string; ttl: string },
  deps: EnvDeps,
): Promise<{ name: string; expires: string }> {
  const ttl = ttlSeconds(request.ttl);
  const t = await scope(request, deps, 'extend an environment on');
  const env = await findEnv(t, request.name);
  const now = nowSeconds(deps);
  const expires = extendedExpiry(
    readExpiry(env.labels[KLABEL.expires], now, EXPIRES_LABEL),
    now,
    ttl,
    request.name,
  );
  const a = await api('read namespace', t.client.context, () =>
    t.client.core.readNamespace({ name: env.namespace }),
  );
  await setState(t.client, env.namespace, a.metadata?.annotations?.[KANNOTATION.state] ?? 'ready', {
    labels: { [KLABEL.expires]: String(expires) },
    annotations: { [KANNOTATION.expires]: iso(expires) },
  });
  return { name: request.name, expires: iso(expires) };
}

export async function removeEnv(
  request: EnvScope & { name: string },
  deps: EnvDeps,
): Promise<KubeDownResult> {
  const t = await scope(request, deps, 'remove an environment on');
  const env = await findEnv(t, request.name);
  return downTarget(
    {
      client: t.client,
      decision: t.decision,
      env: env.labels[KLABEL.env] ?? request.name,
      namespace: env.namespace,
    },
    true,
    deps,
  );
}

export interface GcResult {
  context: string;
  dryRun: boolean;
  removed: { name: string; namespace: string; expired: string; pvcs: string[] }[];
  kept: number;
  /** Environments left alone because their expiry is not a time (they are counted as kept). */
  skipped: SkippedEnv[];
}

/** Removes every expired disposable environment (release, claims, namespace), and nothing else. */
export async function gcEnvs(request: EnvScope & { dryRun?: boolean }, deps: EnvDeps): Promise<GcResult> {
  const t = await scope(request, deps, 'collect expired environments on');
  const envs = await listEnvs(request, deps, t);
  const { expired, skipped } = expiredOf(envs);
  const removed: GcResult['removed'] = [];
  await step(
    deps.events,
    'gc',
    `remove ${expired.length} expired environment${expired.length === 1 ? '' : 's'}`,
    async () => {
      const queue = [...expired];
      const worker = async (): Promise<void> => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          if (request.dryRun) {
            removed.push({ name: e.name, namespace: e.namespace, expired: e.expires, pvcs: [] });
            continue;
          }
          const down = await downTarget(
            { client: t.client, decision: t.decision, env: e.name, namespace: e.namespace },
            true,
            { ...deps, events: { emit: () => undefined } },
          );
          removed.push({ name: e.name, namespace: e.namespace, expired: e.expires, pvcs: down.deletedPvcs });
          deps.events.emit({ type: 'info', message: `removed ${e.name} (expired ${e.expires})` });
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, expired.length) }, worker));
    },
  );
  return {
    context: t.decision.context,
    dryRun: request.dryRun === true,
    removed: removed.sort((a, b) => a.name.localeCompare(b.name)),
    kept: envs.length - expired.length,
    skipped,
  };
}

export interface GcCronJobResult {
  context: string;
  namespace: string;
  applied?: string[];
  deleted?: string[];
}

/** Installs (or with `uninstall` removes) the in-cluster CronJob that collects expired environments. */
export async function gcCronJob(
  request: EnvScope & { uninstall?: boolean; schedule?: string; image?: string },
  deps: EnvDeps,
): Promise<GcCronJobResult> {
  const schedule = request.uninstall
    ? undefined
    : cron.checkSchedule(request.schedule ?? cron.GC_DEFAULT_SCHEDULE);
  const t = await scope(
    request,
    deps,
    request.uninstall ? 'remove the gc CronJob from' : 'install the gc CronJob on',
  );
  const base = { context: t.decision.context, namespace: cron.GC_NAMESPACE };
  if (request.uninstall) return { ...base, deleted: await cron.uninstallGcCronJob(t.client) };
  const applied = await step(deps.events, 'gc-cronjob', `apply the ${cron.GC_NAME} CronJob`, () =>
    cron.installGcCronJob(t.client, {
      schedule: schedule ?? cron.GC_DEFAULT_SCHEDULE,
      image: request.image ?? cron.GC_DEFAULT_IMAGE,
    }),
  );
  return { ...base, applied };
}
