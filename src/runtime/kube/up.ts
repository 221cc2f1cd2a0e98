// `omrs up` on a cluster: one labelled namespace per environment, `helm upgrade --install` of
// charts/openmrs with the profile's values (no --wait), then our own readiness-ordered watch;
// a failed or timed-out rollout is rolled back to the previous revision. A second `up` with
// unchanged values and chart is recognised from the namespace's release hash and does nothing,
// unless a workload of the release was deleted or scaled by hand since (drift.ts).
import { ExitCode, InterruptedError, OmrsError } from '../../errors.js';
import { step } from '../../events/bus.js';
import { findHelm, helmTemplate } from '../../render/helm.js';
import type { KubeObject } from '../../render/objects.js';
import { phaseOf, rawOf, READINESS_ORDER, type Phase } from '../../render/workloads.js';
import { durationSeconds, profileToValues, type ChartValues } from '../../render/values.js';
import type { Profile } from '../../profile/schema.js';
import { api, type KubeClient } from './client.js';
import { ensureClusterMonitoring } from './cluster-monitoring.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { diagnose, diagnosisProblems } from './diagnose.js';
import { findDrift, parseWorkloadReplicas, workloadReplicas } from './drift.js';
import { helmUpgrade, type HelmTarget } from './helm.js';
import { replaceChangedJobs, rollbackReplacingJobs } from './jobs.js';
import { KANNOTATION, namespaceLabels, releaseHash } from './labels.js';
import { leaseEnv } from './lease.js';
import { ensureNamespace, mergePatchNamespace } from './namespace.js';
import { seedTenants } from './seed.js';
import { WorkloadWatch, waitOrdered, type ReadyStep, type WorkloadKind, type WorkloadRef } from './watch.js';

export interface KubeUpRequest extends KubeRequest {
  /** Extra labels and annotations for the namespace (disposable environments). */
  namespaceLabels?: Record<string, string>;
  namespaceAnnotations?: Record<string, string>;
  /** Profile value overrides applied after loading (tests, env create). */
  adjust?: (profile: Profile) => Profile;
  /** Roll back when the rollout fails (default true). */
  rollback?: boolean;
  /** Run the profile's seed step when it is enabled (default true; `--no-seed` says false). */
  seed?: boolean;
}

export interface KubeUpResult {
  env: string;
  profile: string;
  appDigest: string;
  runtime: string;
  context: string;
  namespace: string;
  release: string;
  revision: number;
  noop: boolean;
  changes: string[];
  /** What the seed step did, one line per tenant (absent when it did not run). */
  seeded?: string[];
  durationMs: number;
}

export interface ReleaseInfo {
  revision: number;
  status: string;
}

/** The release's revisions from helm's own storage (Secrets labelled owner=helm): one API call, no helm process. */
export async function releaseRevisions(
  client: KubeClient,
  namespace: string,
  release: string,
): Promise<ReleaseInfo[]> {
  const list = await api('list the helm release', client.context, () =>
    client.core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${release}` }),
  );
  return list.items
    .map((s) => ({
      revision: Number(s.metadata?.labels?.version ?? 0),
      status: s.metadata?.labels?.status ?? 'unknown',
    }))
    .sort((a, b) => a.revision - b.revision);
}

const STEP_TITLES: Record<Phase, string> = {
  database: 'database ready',
  init: 'tenant init jobs done',
  backend: 'backends ready',
  frontend: 'frontend ready',
  gateway: 'gateway ready',
};

/** Readiness steps from the rendered objects, in readiness order, with the profile's per-step timeouts. */
export function readySteps(objects: KubeObject[], timeouts: Profile['timeouts']): ReadyStep[] {
  const workloads = objects.filter((o): o is KubeObject & { kind: WorkloadKind } =>
    ['Deployment', 'StatefulSet', 'Job'].includes(o.kind),
  );
  return READINESS_ORDER.map(({ phase, component }) => ({
    id: component,
    title: STEP_TITLES[phase],
    timeoutMs: durationSeconds(timeouts[phase]) * 1000,
    workloads: workloads
      .filter((o) => phaseOf(rawOf(o)) === phase)
      .map((o): WorkloadRef => ({ kind: o.kind, name: o.metadata.name, component })),
  }));
}

export function helmTarget(
  t: Pick<Target, 'client' | 'namespace' | 'env' | 'decision'>,
  helm: string,
  env: KubeDeps['env'],
  signal?: AbortSignal,
): HelmTarget {
  return {
    helm,
    release: t.env,
    namespace: t.namespace,
    context: t.decision.context,
    kubeconfig: t.client.kubeconfigPath,
    env,
    ...(signal && { signal }),
  };
}

/**
 * `omrs up` on a cluster. One writer per environment: the namespace is made sure of first (the
 * Lease lives in it), then the env's Lease is held for the rollout and the seed step.
 */
export async function kubeUp(request: KubeUpRequest, deps: KubeDeps, target?: Target): Promise<KubeUpResult> {
  const t = target ?? (await connect(request, deps, 'upgrade'));
  const first = await ensureNamespace(
    t.client,
    t.namespace,
    namespaceLabelsFor(request, t),
    namespaceAnnotationsFor(request, t),
  );
  const release = await leaseEnv(t.client, t.namespace, t.env, 'omrs up', deps);
  try {
    const rolled = await rollout(request, deps, t, first.created);
    const profile = profileFor(request, t);
    const shared = await ensureClusterMonitoring(t.client, profile, { ...deps, command: 'omrs up' });
    const result =
      shared.length > 0 ? { ...rolled, noop: false, changes: [...rolled.changes, ...shared] } : rolled;
    // Ctrl-C during a rollout whose last steps had nothing to wait for: do not start seeding.
    if (deps.signal.aborted) throw new InterruptedError('up');
    const seeded =
      t.resolved.profile.seed.enabled && request.seed !== false ? await seedTenants(t, deps) : undefined;
    // A Ctrl-C after the last point a step checks: `up` and `env create` must not report "ready".
    if (deps.signal.aborted) throw new InterruptedError('up');
    return { ...result, ...(seeded && { seeded }) };
  } finally {
    await release();
  }
}

/** The profile `up` deploys: the environment's, with the request's overrides (tests, env create). */
const profileFor = (request: KubeUpRequest, t: Target): Profile =>
  request.adjust ? request.adjust(t.resolved.profile) : t.resolved.profile;

const namespaceLabelsFor = (request: KubeUpRequest, t: Target): Record<string, string> => ({
  ...namespaceLabels(t.env, t.resolved.name, t.digest),
  ...request.namespaceLabels,
});
const namespaceAnnotationsFor = (request: KubeUpRequest, t: Target): Record<string, string> => ({
  [KANNOTATION.appDigest]: t.digest,
  ...request.namespaceAnnotations,
});

async function rollout(
  request: KubeUpRequest,
  deps: KubeDeps,
  t: Target,
  namespaceCreated: boolean,
): Promise<KubeUpResult> {
  const started = performance.now();
  const profile = profileFor(request, t);
  const { client, namespace, env } = t;
  const values: ChartValues = profileToValues(profile, {
    env,
    profile: t.resolved.name,
    appDigest: t.digest,
  });
  const hash = releaseHash(values, namespace);
  const labels = namespaceLabelsFor(request, t);
  const result = (revision: number, noop: boolean, changes: string[]): KubeUpResult => ({
    env,
    profile: t.resolved.name,
    appDigest: t.digest,
    runtime: t.runtime,
    context: t.decision.context,
    namespace,
    release: env,
    revision,
    noop,
    changes,
    durationMs: Math.round(performance.now() - started),
  });

  // Read again under the lease: another omrs may have changed it while this one waited.
  const ns = await ensureNamespace(client, namespace, labels, namespaceAnnotationsFor(request, t));
  if (namespaceCreated) ns.created = true;
  const revisions = ns.created ? [] : await releaseRevisions(client, namespace, env);
  const last = revisions[revisions.length - 1];
  const repaired: string[] = [];
  if (
    last &&
    last.status === 'deployed' &&
    ns.annotations[KANNOTATION.releaseHash] === hash &&
    ns.annotations[KANNOTATION.releaseRevision] === String(last.revision)
  ) {
    const expected = parseWorkloadReplicas(ns.annotations[KANNOTATION.workloads]);
    const drift = expected ? await findDrift(client, namespace, expected) : [];
    if (drift.length === 0) {
      deps.events.emit({
        type: 'info',
        message: `release ${env} (revision ${last.revision}) already has these values and this chart: nothing to do`,
      });
      return result(last.revision, true, []);
    }
    deps.events.emit({
      type: 'warning',
      message: `release ${env} (revision ${last.revision}) has drifted: ${drift.join('; ')}. Applying the release again`,
    });
    repaired.push(...drift.map((d) => `repaired: ${d}`));
  }

  const helm = await findHelm(deps.env);
  const objects = await step(deps.events, 'render', 'render the chart', () =>
    helmTemplate(values, { helm, release: env, namespace, env: deps.env, signal: deps.signal }),
  );
  const steps = readySteps(objects, profile.timeouts);
  const changes = ns.created ? [`Namespace/${namespace}`] : [...repaired];
  if (!ns.created) changes.push(...(await replaceChangedJobs(client, namespace, objects)));
  const previous = [...revisions].reverse().find((r) => r.status === 'deployed' || r.status === 'superseded');
  const ht = helmTarget(t, helm, deps.env, deps.signal);

  // Watch before helm creates anything, so no transition is missed.
  const watch = await WorkloadWatch.start(client, namespace);
  try {
    await step(deps.events, 'helm', `helm upgrade --install ${env}`, () => helmUpgrade(ht, values));
    const after = await releaseRevisions(client, namespace, env);
    const revision = after[after.length - 1]?.revision ?? 1;
    changes.push(`Release/${env} revision ${revision}`);
    const failure = await waitOrdered(watch, steps, deps.events, deps.signal);
    if (failure) {
      const d = await diagnose(client, namespace, failure);
      let rolledBack = '';
      if (request.rollback !== false && previous) {
        await step(deps.events, 'rollback', `helm rollback ${env} ${previous.revision}`, () =>
          rollbackReplacingJobs(client, { ...ht, signal: undefined }, previous.revision),
        );
        const rb = await releaseRevisions(client, namespace, env);
        await mergePatchNamespace(client, namespace, {
          annotations: { [KANNOTATION.releaseRevision]: String(rb[rb.length - 1]?.revision ?? '') },
        });
        rolledBack = ` Rolled back to revision ${previous.revision}: the previous release keeps serving.`;
      }
      throw new OmrsError({
        code: 'KUBE_ROLLOUT_FAILED',
        message: `${failure.step.title} failed: ${d.object}: ${failure.reason}.${rolledBack}`,
        exitCode: ExitCode.failed,
        problems: diagnosisProblems(d),
        hint: previous
          ? 'Fix the cause above, then run `omrs up` again.'
          : 'This was the first install, so there is nothing to roll back to: fix the cause above and run `omrs up` again.',
      });
    }
    await mergePatchNamespace(client, namespace, {
      annotations: {
        [KANNOTATION.releaseHash]: hash,
        [KANNOTATION.releaseRevision]: String(revision),
        [KANNOTATION.workloads]: JSON.stringify(workloadReplicas(objects)),
      },
    });
    return result(revision, false, changes);
  } finally {
    watch.close();
  }
}
