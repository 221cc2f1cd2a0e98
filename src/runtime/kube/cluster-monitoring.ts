// What omrs runs once per cluster for every environment's monitoring: release `omrs-monitoring` of
// charts/omrs-monitoring in namespace `omrs-monitoring` (today the log store and its node shipper).
// `up` and `promote` of an environment whose profile asks for logs install or update it, under a
// Lease of that namespace, and recognise an unchanged release from the namespace's hash annotation.
import { ExitCode, OmrsError } from '../../errors.js';
import { step } from '../../events/bus.js';
import { chartDir, findHelm } from '../../render/helm.js';
import { clusterMonitoringImages } from '../../render/values.js';
import type { Profile } from '../../profile/schema.js';
import { api, apiError, isNotFound, type KubeClient } from './client.js';
import { helmUpgrade } from './helm.js';
import { KANNOTATION, KLABEL, MANAGED_BY, chartFilesHash, releaseHash } from './labels.js';
import { leaseEnv, type LeaseDeps } from './lease.js';
import { ensureNamespace, mergePatchNamespace } from './namespace.js';

export const MONITORING_NAMESPACE = 'omrs-monitoring';
export const MONITORING_RELEASE = 'omrs-monitoring';
export const LOG_STORE = `${MONITORING_RELEASE}-logs`;
const LOG_SHIPPER = `${MONITORING_RELEASE}-log-shipper`;
const READY_TIMEOUT_MS = 300_000;

/**
 * The release's values from a profile, or nothing when the profile ships no logs. `pinned` are
 * promote's locked references by component (`logs`, `log-shipper`), in place of the profile's tags.
 */
export function clusterMonitoringValues(
  profile: Profile,
  pinned: Record<string, string> = {},
): Record<string, unknown> | undefined {
  const images = Object.fromEntries(
    clusterMonitoringImages(profile).map((i) => [i.component, pinned[i.component] ?? i.image]),
  );
  if (!images.logs || !images['log-shipper']) return undefined;
  return {
    images: { pullPolicy: profile.images.pullPolicy, logs: images.logs, logShipper: images['log-shipper'] },
    logs: { retention: profile.monitoring.logs.retention },
  };
}

/** Whether the store's Deployment is available and the shipper runs ready, updated, on every node it is meant for. */
async function notReady(client: KubeClient): Promise<string | undefined> {
  const namespace = MONITORING_NAMESPACE;
  const store = await api(`read Deployment ${LOG_STORE}`, client.context, () =>
    client.apps.readNamespacedDeployment({ name: LOG_STORE, namespace }),
  );
  const s = store.status;
  if ((store.metadata?.generation ?? 0) > (s?.observedGeneration ?? 0) || (s?.availableReplicas ?? 0) < 1)
    return `the log store (Deployment ${LOG_STORE}) has no ready pod`;
  const shipper = await api(`read DaemonSet ${LOG_SHIPPER}`, client.context, () =>
    client.apps.readNamespacedDaemonSet({ name: LOG_SHIPPER, namespace }),
  );
  const d = shipper.status;
  const wanted = d?.desiredNumberScheduled ?? 0;
  if (
    (shipper.metadata?.generation ?? 0) > (d?.observedGeneration ?? 0) ||
    (d?.updatedNumberScheduled ?? 0) < wanted ||
    (d?.numberReady ?? 0) < wanted
  )
    return `the log shipper (DaemonSet ${LOG_SHIPPER}) is ready on ${d?.numberReady ?? 0} of ${wanted} nodes`;
  return undefined;
}

export interface LogStoreStatus {
  namespace: string;
  /** Why the store or its shipper does not run ready; absent when both do. */
  problem?: string;
}

/** `omrs status`: whether the cluster's log store and shipper run ready. */
export async function logStoreStatus(client: KubeClient): Promise<LogStoreStatus> {
  const namespace = MONITORING_NAMESPACE;
  try {
    const problem = await notReady(client);
    return { namespace, ...(problem && { problem }) };
  } catch (error) {
    const cause = error instanceof OmrsError ? error.cause : error;
    return {
      namespace,
      problem: isNotFound(cause)
        ? 'not installed: `omrs up` or `omrs promote` installs it'
        : error instanceof Error
          ? error.message
          : String(error),
    };
  }
}

async function waitReady(client: KubeClient, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const waiting = await notReady(client);
    if (!waiting) return;
    if (signal.aborted || Date.now() > deadline)
      throw new OmrsError({
        code: 'KUBE_ROLLOUT_FAILED',
        message: `the cluster's log store and shipper are not ready: ${waiting}`,
        exitCode: ExitCode.failed,
        hint: `See why with \`kubectl --namespace ${MONITORING_NAMESPACE} describe pods\`; run \`omrs up\` again once it is fixed, or set monitoring.logs.enabled: false.`,
      });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The release's values for a profile and the hash that recognises them, or nothing without logs. */
function wanted(profile: Profile, pinned: Record<string, string> | undefined) {
  const values = clusterMonitoringValues(profile, pinned);
  if (!values) return undefined;
  const chart = chartDir('omrs-monitoring');
  return { values, chart, hash: releaseHash(values, MONITORING_NAMESPACE, chartFilesHash(chart)) };
}

/**
 * What `ensureClusterMonitoring` would do (promote's plan), reading only: nothing without logs,
 * else install (no release yet), update (other values or chart, or a part missing) or unchanged.
 */
export async function clusterMonitoringChange(
  client: KubeClient,
  profile: Profile,
  pinned?: Record<string, string>,
): Promise<'install' | 'update' | 'unchanged' | undefined> {
  const want = wanted(profile, pinned);
  return want && changeOf(client, want.hash);
}

async function changeOf(client: KubeClient, hash: string): Promise<'install' | 'update' | 'unchanged'> {
  let annotations: Record<string, string>;
  try {
    const ns = await client.core.readNamespace({ name: MONITORING_NAMESPACE });
    annotations = ns.metadata?.annotations ?? {};
  } catch (error) {
    if (isNotFound(error)) return 'install';
    throw apiError(error, `read namespace ${MONITORING_NAMESPACE}`, client.context);
  }
  if (!annotations[KANNOTATION.releaseHash]) return 'install';
  // A store or shipper deleted by hand (not found) is a problem too: the release is applied again.
  return annotations[KANNOTATION.releaseHash] === hash && !(await logStoreStatus(client)).problem
    ? 'unchanged'
    : 'update';
}

/**
 * Installs or updates the cluster's monitoring release when the profile ships logs; answers what it
 * changed (nothing when the release already has these values and this chart, and runs ready).
 */
export async function ensureClusterMonitoring(
  client: KubeClient,
  profile: Profile,
  deps: LeaseDeps & { signal: AbortSignal; command: string; pinned?: Record<string, string> },
): Promise<string[]> {
  const want = wanted(profile, deps.pinned);
  if (!want) return [];
  const { values, chart, hash } = want;
  const namespace = MONITORING_NAMESPACE;
  if ((await changeOf(client, hash)) === 'unchanged') return [];
  const labels = { [KLABEL.managedBy]: MANAGED_BY, 'app.kubernetes.io/part-of': 'omrs' };
  await ensureNamespace(client, namespace, labels, {});

  const release = await leaseEnv(client, namespace, MONITORING_RELEASE, deps.command, deps);
  try {
    const helm = await findHelm(deps.env);
    await step(
      deps.events,
      'cluster-monitoring',
      `helm upgrade --install ${MONITORING_RELEASE} (namespace ${namespace}: the cluster's log store and shipper)`,
      async () => {
        await helmUpgrade(
          {
            helm,
            release: MONITORING_RELEASE,
            namespace,
            context: client.context,
            kubeconfig: client.kubeconfigPath,
            env: deps.env,
            signal: deps.signal,
          },
          values,
          chart,
        );
        await waitReady(client, deps.signal);
      },
    );
    await mergePatchNamespace(client, namespace, { annotations: { [KANNOTATION.releaseHash]: hash } });
    return [`Release/${MONITORING_RELEASE} in namespace ${namespace}`];
  } finally {
    await release();
  }
}
