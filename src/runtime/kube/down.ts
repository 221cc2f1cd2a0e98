// `omrs down` on a cluster: helm uninstall, then the volume claims and the namespace (kept with
// their data unless --volumes).
import { InterruptedError } from '../../errors.js';
import { step } from '../../events/bus.js';
import { findHelm } from '../../render/helm.js';
import { api, apiError, isNotFound, type KubeClient } from './client.js';
import { connect, type KubeDeps, type KubeRequest, type Target } from './connect.js';
import { helmUninstall } from './helm.js';
import { KANNOTATION } from './labels.js';
import { leaseEnv } from './lease.js';
import { helmTarget, releaseRevisions } from './up.js';

export interface KubeDownResult {
  env: string;
  namespace: string;
  context: string;
  uninstalled: boolean;
  deletedPvcs: string[];
  keptPvcs: string[];
  namespaceDeleted: boolean;
}

/** helm uninstall; PVCs are kept unless `volumes`; the namespace goes with --volumes or when nothing is left in it. */
export async function kubeDown(
  request: KubeRequest & { volumes?: boolean },
  deps: KubeDeps,
  target?: Target,
): Promise<KubeDownResult> {
  const t = target ?? (await connect(request, deps, 'take down'));
  const volumes = request.volumes === true;
  // One writer per environment: wait for an `up` of it (its Lease lives in the namespace, if any).
  const namespace = await t.client.core.readNamespace({ name: t.namespace }).then(
    (ns) => ns,
    (error: unknown) =>
      isNotFound(error)
        ? undefined
        : Promise.reject(apiError(error, `read namespace ${t.namespace}`, t.client.context)),
  );
  if (!namespace) return downTarget(t, volumes, deps);
  if (namespace.status?.phase === 'Terminating') {
    // An earlier down (interrupted, or still finishing) deleted it: the cluster removes the rest,
    // and no Lease can be made in it any more.
    deps.events.emit({
      type: 'info',
      message: `namespace ${t.namespace} is being deleted already: everything in it goes with it`,
    });
    return {
      env: t.env,
      namespace: t.namespace,
      context: t.decision.context,
      uninstalled: false,
      deletedPvcs: [],
      keptPvcs: [],
      namespaceDeleted: true,
    };
  }
  const release = await leaseEnv(
    t.client,
    t.namespace,
    t.env,
    `omrs down${volumes ? ' --volumes' : ''}`,
    deps,
  );
  try {
    return await downTarget(t, volumes, deps);
  } finally {
    await release();
  }
}

export async function downTarget(
  t: Pick<Target, 'client' | 'namespace' | 'env' | 'decision'>,
  volumes: boolean,
  deps: Pick<KubeDeps, 'env' | 'events' | 'signal'>,
): Promise<KubeDownResult> {
  const { client, namespace, env } = t;
  const result: KubeDownResult = {
    env,
    namespace,
    context: t.decision.context,
    uninstalled: false,
    deletedPvcs: [],
    keptPvcs: [],
    namespaceDeleted: false,
  };
  try {
    await client.core.readNamespace({ name: namespace });
  } catch (error) {
    if (isNotFound(error)) return result;
    throw apiError(error, `read namespace ${namespace}`, client.context);
  }
  const revisions = await releaseRevisions(client, namespace, env);
  if (revisions.length > 0) {
    const helm = await findHelm(deps.env);
    result.uninstalled = await step(deps.events, 'uninstall', `helm uninstall ${env}`, () =>
      helmUninstall(helmTarget(t, helm, deps.env)),
    );
  }
  // Between steps: a Ctrl-C stops here; the next `down` removes the rest.
  if (deps.signal?.aborted) throw new InterruptedError('down');
  const pvcs = await api('list volume claims', client.context, () =>
    client.core.listNamespacedPersistentVolumeClaim({ namespace }),
  );
  const names = pvcs.items.map((p) => p.metadata?.name ?? '').filter(Boolean);
  if (volumes) {
    await step(
      deps.events,
      'volumes',
      `delete ${names.length} volume claims and namespace ${namespace}`,
      async () => {
        await Promise.all(
          names.map((name) =>
            api(`delete claim ${name}`, client.context, () =>
              client.core.deleteNamespacedPersistentVolumeClaim({ name, namespace }),
            ),
          ),
        );
        await deleteNamespace(client, namespace);
      },
    );
    result.deletedPvcs = names;
    result.namespaceDeleted = true;
  } else {
    result.keptPvcs = names;
    if (names.length === 0) {
      await deleteNamespace(client, namespace);
      result.namespaceDeleted = true;
    } else {
      const { setHeaderOptions, PatchStrategy } = client.k8s;
      await api('annotate namespace', client.context, () =>
        client.core.patchNamespace(
          {
            name: namespace,
            body: {
              metadata: {
                annotations: {
                  [KANNOTATION.releaseHash]: null,
                  [KANNOTATION.releaseRevision]: null,
                  [KANNOTATION.state]: 'down',
                },
              },
            },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    }
  }
  return result;
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.core.deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (error) {
    if (!isNotFound(error)) throw apiError(error, `delete namespace ${name}`, client.context);
  }
}
