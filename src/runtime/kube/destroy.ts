// `omrs destroy` on a cluster: every namespace labelled with the environment (its own, or the base
// namespace and the two colours of a promoted one), their helm releases, and a final dump of each
// bundled database first. An external database (RDS) is named as kept: it is not in a namespace.
import { step } from '../../events/bus.js';
import { findHelm } from '../../render/helm.js';
import { labelValue } from '../../render/values.js';
import type { DestroyScope, FinalSnapshot } from '../runtime.js';
import { api, type KubeClient } from './client.js';
import type { Target } from './connect.js';
import { clusterBackends, dumpTenants, type DumpDeps } from './database.js';
import { deleteNamespace } from './down.js';
import { helmUninstall } from './helm.js';
import { KLABEL, MANAGED_BY } from './labels.js';
import { leaseEnv } from './lease.js';

interface EnvNamespace {
  name: string;
  /** Deleted already (an earlier destroy or down --volumes): the cluster removes the rest. */
  terminating: boolean;
  releases: string[];
  claims: number;
  tenants: string[];
  bundled: boolean;
  dbReady: boolean;
  externalHosts: string[];
}

const envSelector = (env: string): string =>
  `${KLABEL.env}=${labelValue(env)},${KLABEL.managedBy}=${MANAGED_BY}`;

async function describeNamespace(
  client: KubeClient,
  t: Target,
  name: string,
  terminating: boolean,
): Promise<EnvNamespace> {
  const [secrets, claims, sets] = await Promise.all([
    api('list helm releases', client.context, () =>
      client.core.listNamespacedSecret({ namespace: name, labelSelector: 'owner=helm' }),
    ),
    api('list volume claims', client.context, () =>
      client.core.listNamespacedPersistentVolumeClaim({ namespace: name }),
    ),
    api('list database StatefulSets', client.context, () =>
      client.apps.listNamespacedStatefulSet({
        namespace: name,
        labelSelector: 'app.kubernetes.io/component=db',
      }),
    ),
  ]);
  const releases = [...new Set(secrets.items.map((s) => s.metadata?.labels?.name ?? '').filter(Boolean))];
  const backends = await clusterBackends({ client, namespace: name, env: t.env, runtime: t.runtime });
  const externalHosts = [...backends.values()]
    .map((d) => d.spec?.template.spec?.containers[0]?.env?.find((v) => v.name === 'OMRS_DB_HOSTNAME')?.value)
    .filter(
      (host): host is string => host !== undefined && host.includes('.') && host.split('.')[1] !== name,
    );
  return {
    name,
    terminating,
    releases: releases.sort(),
    claims: claims.items.length,
    tenants: [...backends.keys()].sort(),
    bundled: sets.items.length > 0,
    dbReady: sets.items.some((s) => (s.status?.readyReplicas ?? 0) > 0),
    externalHosts,
  };
}

/** The namespaces that carry the environment's label, with what each holds. */
export type KubeDestroyScope = DestroyScope & { namespaces: EnvNamespace[] };

export async function kubeDestroyScope(t: Target): Promise<KubeDestroyScope> {
  const { client } = t;
  const list = await api('list namespaces', client.context, () =>
    client.core.listNamespace({ labelSelector: envSelector(t.env) }),
  );
  const found = list.items
    .filter((n) => n.metadata?.name)
    .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  const namespaces = await Promise.all(
    found.map((n) => describeNamespace(client, t, n.metadata!.name!, n.status?.phase === 'Terminating')),
  );
  const detail = (n: EnvNamespace): string => {
    const parts = [
      ...n.releases.map((r) => `release ${r}`),
      ...(n.claims > 0 ? [`${n.claims} volume claim${n.claims === 1 ? '' : 's'}`] : []),
    ];
    if (n.terminating) parts.unshift('being deleted already');
    return parts.length > 0 ? ` (${parts.join(', ')})` : '';
  };
  return {
    env: t.env,
    runtime: t.runtime as DestroyScope['runtime'],
    context: t.decision.context,
    objects: namespaces.map((n) => `namespace ${n.name}${detail(n)}`),
    databases: namespaces
      .filter((n) => n.bundled && n.tenants.length > 0 && !n.terminating)
      .map((n) => ({ where: n.name, tenants: n.tenants, running: n.dbReady })),
    kept: [...new Set(namespaces.flatMap((n) => n.externalHosts))].map(
      (host) => `external database ${host} (its tenant databases are not dropped)`,
    ),
    namespaces,
  };
}

export async function kubeFinalSnapshot(
  t: Target,
  scope: DestroyScope,
  name: string,
  deps: DumpDeps,
): Promise<FinalSnapshot[]> {
  const out: FinalSnapshot[] = [];
  for (const place of scope.databases) {
    const target = { client: t.client, namespace: place.where, env: t.env, runtime: t.runtime };
    const dumps = await dumpTenants(target, place.tenants, `${name}-${place.where}`, deps);
    out.push(...dumps.map((d) => ({ ...d, where: place.where })));
  }
  return out;
}

/** helm uninstall of each release, then the namespace (its volume claims go with it). */
export async function kubeDestroy(
  t: Target,
  scope: KubeDestroyScope,
  deps: DumpDeps & { signal?: AbortSignal },
): Promise<{ removed: string[] }> {
  const removed: string[] = [];
  const helm = scope.namespaces.some((n) => n.releases.length > 0) ? await findHelm(deps.env) : '';
  // One writer per environment: an `up` of it finishes first (its Lease lives in its own namespace).
  const own = scope.namespaces.some((n) => n.name === t.namespace && !n.terminating);
  const release = own ? await leaseEnv(t.client, t.namespace, t.env, 'omrs destroy', deps) : undefined;
  try {
    await removeNamespaces(t, scope, helm, removed, deps);
  } finally {
    await release?.();
  }
  return { removed };
}

async function removeNamespaces(
  t: Target,
  scope: KubeDestroyScope,
  helm: string,
  removed: string[],
  deps: DumpDeps & { signal?: AbortSignal },
): Promise<void> {
  for (const n of scope.namespaces.filter((x) => !x.terminating)) {
    await step(deps.events, `destroy:${n.name}`, `remove namespace ${n.name}`, async () => {
      for (const release of n.releases) {
        await helmUninstall({
          helm,
          release,
          namespace: n.name,
          context: t.decision.context,
          kubeconfig: t.client.kubeconfigPath,
          env: deps.env,
          ...(deps.signal && { signal: deps.signal }),
        });
        removed.push(`release ${n.name}/${release}`);
      }
      await deleteNamespace(t.client, n.name);
      removed.push(`namespace ${n.name}`);
    });
  }
}
