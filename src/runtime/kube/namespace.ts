// An environment's namespace (and the cluster's monitoring one): made sure of with every label in
// one request, then labelled or annotated by merge patches.
import { ExitCode, OmrsError } from '../../errors.js';
import { api, apiError, isConflict, isNotFound, type KubeClient } from './client.js';

export async function mergePatchNamespace(
  client: KubeClient,
  name: string,
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> },
): Promise<void> {
  const { setHeaderOptions, PatchStrategy } = client.k8s;
  await api(`label namespace ${name}`, client.context, () =>
    client.core.patchNamespace(
      { name, body: { metadata } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
}

/** Creates the namespace with every label and annotation in ONE request (never half-labelled), or completes them. */
export async function ensureNamespace(
  client: KubeClient,
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Promise<{ created: boolean; annotations: Record<string, string> }> {
  try {
    const ns = await client.core.readNamespace({ name });
    if (ns.status?.phase === 'Terminating')
      throw new OmrsError({
        code: 'KUBE_NAMESPACE_TERMINATING',
        message: `namespace ${name} is still being deleted`,
        exitCode: ExitCode.failed,
        hint: 'Wait until it is gone, then run the command again.',
      });
    const missing = Object.entries(labels).some(([k, v]) => ns.metadata?.labels?.[k] !== v);
    if (missing) await mergePatchNamespace(client, name, { labels });
    return { created: false, annotations: ns.metadata?.annotations ?? {} };
  } catch (error) {
    if (!isNotFound(error))
      throw error instanceof OmrsError ? error : apiError(error, `read namespace ${name}`, client.context);
  }
  try {
    await client.core.createNamespace({ body: { metadata: { name, labels, annotations } } });
  } catch (error) {
    // Another omrs created it a moment ago: take it as it is.
    if (isConflict(error)) return ensureNamespace(client, name, labels, annotations);
    throw apiError(error, `create namespace ${name}`, client.context);
  }
  return { created: true, annotations };
}
