// `omrs status` of an environment on a cluster: its namespace, Helm release and workloads.
import type * as k8s from '@kubernetes/client-node';
import type { HealthState, RuntimeState } from '../../events/types.js';
import { componentLabel } from '../../render/workloads.js';
import { api, apiError, isNotFound } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { backupStatus, type BackupStatus } from './backup-status.js';
import { clusterMonitoringValues, logStoreStatus, type LogStoreStatus } from './cluster-monitoring.js';
import { driftOf, parseWorkloadReplicas } from './drift.js';
import { KANNOTATION, KLABEL } from './labels.js';
import { forwardComponent, type OpenHandle } from './open.js';
import { readAlerts, type MonitoringStatus } from '../alerts.js';
import { releaseRevisions } from './up.js';
import { readiness, workloadState, type WorkloadKind } from './watch.js';

export interface KubeServiceStatus {
  name: string;
  kind: WorkloadKind;
  component: string;
  runtime: RuntimeState;
  health: HealthState;
  detail: string;
  generation: number;
}

export interface KubeEnvStatus {
  env: string;
  namespace: string;
  context: string;
  exists: boolean;
  profile?: string;
  revision?: number;
  releaseStatus?: string;
  services: KubeServiceStatus[];
  backup?: BackupStatus;
  monitoring?: MonitoringStatus;
  /** The cluster's log store, when the profile ships logs (charts/omrs-monitoring). */
  logStore?: LogStoreStatus;
  /** Workloads of the release deleted or scaled by hand since its last rollout (`omrs up` repairs them). */
  drift?: string[];
}

export async function kubeStatus(
  request: KubeRequest,
  deps: KubeDeps,
  target?: Target,
): Promise<KubeEnvStatus> {
  const t = target ?? (await connect(request, deps, 'read'));
  const { client, namespace, env } = t;
  const base = { env, namespace, context: t.decision.context };
  let ns: k8s.V1Namespace;
  try {
    ns = await client.core.readNamespace({ name: namespace });
  } catch (error) {
    if (isNotFound(error)) return { ...base, exists: false, services: [] };
    throw apiError(error, `read namespace ${namespace}`, client.context);
  }
  const selector = `app.kubernetes.io/instance=${env}`;
  const [deployments, statefulSets, jobs, revisions, cronJobs] = await Promise.all([
    api('list deployments', client.context, () =>
      client.apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
    ),
    api('list statefulsets', client.context, () =>
      client.apps.listNamespacedStatefulSet({ namespace, labelSelector: selector }),
    ),
    api('list jobs', client.context, () =>
      client.batch.listNamespacedJob({ namespace, labelSelector: selector }),
    ),
    releaseRevisions(client, namespace, env),
    api('list cronjobs', client.context, () =>
      client.batch.listNamespacedCronJob({
        namespace,
        labelSelector: `${selector},app.kubernetes.io/component=backup`,
      }),
    ),
  ]);
  // The backup CronJob's Jobs are told apart: a failed nightly run is a backup problem, not a service down.
  const isBackup = (j: k8s.V1Job): boolean => componentLabel(j.metadata?.labels) === 'backup';
  const cron = cronJobs.items[0];
  const services: KubeServiceStatus[] = [];
  const add = (kind: WorkloadKind, items: (k8s.V1Deployment | k8s.V1StatefulSet | k8s.V1Job)[]): void => {
    for (const o of items) {
      const r = readiness(kind, o);
      services.push({
        name: o.metadata?.name ?? '',
        kind,
        component: componentLabel(o.metadata?.labels) ?? '',
        ...workloadState(kind, r),
        detail: r.failed ?? r.detail,
        generation: o.metadata?.generation ?? 0,
      });
    }
  };
  add('StatefulSet', statefulSets.items);
  add(
    'Job',
    jobs.items.filter((j) => !isBackup(j)),
  );
  add('Deployment', deployments.items);
  const last = revisions[revisions.length - 1];
  const profile = ns.metadata?.labels?.[KLABEL.profile];
  const monitoring = services.some((s) => s.component === 'prometheus')
    ? await clusterAlerts(t, deps)
    : undefined;
  const logStore = clusterMonitoringValues(t.resolved.profile) ? await logStoreStatus(client) : undefined;
  const expected = parseWorkloadReplicas(ns.metadata?.annotations?.[KANNOTATION.workloads]);
  const drift = expected ? driftOf(expected, deployments.items, statefulSets.items) : [];
  return {
    ...base,
    exists: true,
    ...(profile && { profile }),
    ...(last && { revision: last.revision, releaseStatus: last.status }),
    services,
    ...(cron && { backup: backupStatus(cron, jobs.items.filter(isBackup), new Date()) }),
    ...(monitoring && { monitoring }),
    ...(logStore && { logStore }),
    ...(drift.length > 0 && { drift }),
  };
}

/** The environment's firing alerts, from its Prometheus through a port-forward held for the one read. */
async function clusterAlerts(t: Target, deps: KubeDeps): Promise<MonitoringStatus> {
  const where = `Prometheus of ${t.env} in ${t.namespace}`;
  let forward: OpenHandle;
  try {
    forward = await forwardComponent(t.client, t.namespace, t.env, 'prometheus', {
      onProblem: (message) => deps.events.emit({ type: 'warning', message }),
    });
  } catch (error) {
    return { url: where, firing: [], pending: [], error: (error as Error).message };
  }
  try {
    return { ...(await readAlerts(forward.url)), url: where };
  } finally {
    await forward.close();
  }
}
