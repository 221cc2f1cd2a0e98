// The shell's environments on the cluster of the default profile: the disposable ones (with the
// time they expire) and the ones `omrs up --runtime …` installed.
import type { KubeDeps } from '../../runtime/kube/connect.js';
import type { EnvironmentSummary } from './types.js';

export interface ClusterDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

const LIST_TIMEOUT_MS = 5000;

const kubeDeps = async (deps: ClusterDeps, signal = deps.signal): Promise<KubeDeps> => {
  const { discardEvents } = await import('../../events/bus.js');
  return { cwd: deps.cwd, env: deps.env, events: discardEvents, signal, interactive: false };
};

/** The cluster's environments; none when no cluster answers in time. */
export async function clusterEnvironments(deps: ClusterDeps): Promise<EnvironmentSummary[]> {
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
  return Promise.race([
    listCluster(deps, signal),
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('the cluster did not answer')), { once: true }),
    ),
  ]);
}

async function listCluster(deps: ClusterDeps, signal: AbortSignal): Promise<EnvironmentSummary[]> {
  const [{ connect }, { listEnvs }, { api }, { KANNOTATION, KLABEL, MANAGED_BY }] = await Promise.all([
    import('../../runtime/kube/connect.js'),
    import('../../envs/index.js'),
    import('../../runtime/kube/client.js'),
    import('../../runtime/kube/labels.js'),
  ]);
  const now = Date.now();
  const kube = { ...(await kubeDeps(deps, signal)), now: () => now };
  // The same request `env ls` makes, so the shell lists and opens on the context `env ls` uses.
  const t = await connect({ env: 'env' }, kube, 'list environments on');
  const [disposable, installed] = await Promise.all([
    listEnvs({}, kube, t),
    api('list environments (namespaces)', t.client.context, () =>
      t.client.core.listNamespace({
        labelSelector: `${KLABEL.managedBy}=${MANAGED_BY},!${KLABEL.disposable}`,
      }),
    ),
  ]);
  const nowSeconds = Math.floor(now / 1000);
  return [
    ...disposable.map((e) => ({
      name: e.name,
      profile: e.profile || '-',
      runtime: e.runtime,
      status: e.state,
      ...(e.expiresInSeconds !== null && { expiresAt: (nowSeconds + e.expiresInSeconds) * 1000 }),
      namespace: e.namespace,
      ...(e.url && { url: e.url }),
    })),
    ...installed.items.map((ns): EnvironmentSummary => {
      const labels = ns.metadata?.labels ?? {};
      const annotations = ns.metadata?.annotations ?? {};
      return {
        name: labels[KLABEL.env] ?? ns.metadata?.name ?? '',
        profile: labels[KLABEL.profile] ?? '-',
        runtime: t.runtime,
        status:
          ns.status?.phase === 'Terminating'
            ? 'deleting'
            : annotations[KANNOTATION.releaseRevision]
              ? 'deployed'
              : (annotations[KANNOTATION.state] ?? 'unknown'),
        namespace: ns.metadata?.name ?? '',
      };
    }),
  ].sort((a, b) => a.name.localeCompare(b.name));
}
