// Reads the cluster snapshot the cluster rules need, in one named context only.
import { ExitCode, OmrsError } from '../../errors.js';
import type { ClusterContext, TenantObject } from '../rules/cluster.js';

export interface ClusterTarget {
  /** The kubeconfig file; default: $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
  context: string;
  /** Namespace whose tenant-labelled objects are compared with the profile's tenants. */
  namespace: string;
  tenants: string[];
  now?: Date;
}

type Meta = {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
type Item = { metadata?: Meta };

export async function readCluster(target: ClusterTarget): Promise<ClusterContext> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  if (!kc.getContexts().some((c) => c.name === target.context))
    throw new OmrsError({
      code: 'CHECK_NO_CONTEXT',
      message: `kube context "${target.context}" is not in the kubeconfig`,
      exitCode: ExitCode.prerequisite,
      hint: 'Set cluster.context in the profile or pass --context with a context from `kubectl config get-contexts`.',
    });
  kc.setCurrentContext(target.context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  try {
    const [pvcs, pvs, pods, cronJobs, namespaces] = await Promise.all([
      core.listPersistentVolumeClaimForAllNamespaces(),
      core.listPersistentVolume(),
      core.listPodForAllNamespaces(),
      batch.listCronJobForAllNamespaces(),
      core.listNamespace(),
    ]);
    const ns = target.namespace;
    const labelSelector = 'omrs.dev/tenant';
    const lists: [string, Promise<{ items: Item[] }>][] = [
      ['Deployment', apps.listNamespacedDeployment({ namespace: ns, labelSelector })],
      ['StatefulSet', apps.listNamespacedStatefulSet({ namespace: ns, labelSelector })],
      ['Service', core.listNamespacedService({ namespace: ns, labelSelector })],
      ['Secret', core.listNamespacedSecret({ namespace: ns, labelSelector })],
      ['ConfigMap', core.listNamespacedConfigMap({ namespace: ns, labelSelector })],
      ['Job', batch.listNamespacedJob({ namespace: ns, labelSelector })],
      ['PersistentVolumeClaim', core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector })],
    ];
    const tenantObjects: TenantObject[] = [];
    for (const [kind, list] of lists)
      for (const o of (await list).items)
        tenantObjects.push({
          kind,
          namespace: ns,
          name: o.metadata?.name ?? '?',
          tenant: o.metadata?.labels?.['omrs.dev/tenant'] ?? '',
        });
    // A CronJob's claim (the backups') is mounted only while one of its Jobs runs: it counts too.
    const mounted = new Set<string>();
    const specs = [
      ...pods.items.map((p) => ({ namespace: p.metadata?.namespace, spec: p.spec })),
      ...cronJobs.items.map((c) => ({
        namespace: c.metadata?.namespace,
        spec: c.spec?.jobTemplate.spec?.template.spec,
      })),
    ];
    for (const { namespace, spec } of specs)
      for (const v of spec?.volumes ?? [])
        if (v.persistentVolumeClaim) mounted.add(`${namespace}/${v.persistentVolumeClaim.claimName}`);
    return {
      context: target.context,
      now: target.now ?? new Date(),
      pvcs: pvcs.items.map((c) => ({
        namespace: c.metadata?.namespace ?? '',
        name: c.metadata?.name ?? '',
        phase: c.status?.phase ?? 'Pending',
        ...(c.spec?.volumeName && { volume: c.spec.volumeName }),
        labels: c.metadata?.labels ?? {},
      })),
      mountedClaims: mounted,
      pvs: pvs.items.map((v) => ({
        name: v.metadata?.name ?? '',
        phase: v.status?.phase ?? 'Pending',
        ...(v.spec?.claimRef && { claim: `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` }),
        ...(v.spec?.persistentVolumeReclaimPolicy && { reclaimPolicy: v.spec.persistentVolumeReclaimPolicy }),
      })),
      namespaces: namespaces.items.map((n) => ({
        name: n.metadata?.name ?? '',
        labels: n.metadata?.labels ?? {},
        annotations: n.metadata?.annotations ?? {},
      })),
      tenantObjects,
      tenants: target.tenants,
    };
  } catch (error) {
    if (error instanceof OmrsError) throw error;
    const e = error as { code?: number; message?: string };
    throw new OmrsError({
      code: 'CHECK_CLUSTER_FAILED',
      message: `cannot read the cluster in context ${target.context}: ${e.code ? `HTTP ${e.code}` : (e.message ?? String(error))}`,
      exitCode: e.code === 401 || e.code === 403 ? ExitCode.prerequisite : ExitCode.failed,
      hint: 'The cluster checks list PVCs, PVs, pods and namespaces cluster-wide: they need a role that can list them.',
      cause: error,
    });
  }
}
