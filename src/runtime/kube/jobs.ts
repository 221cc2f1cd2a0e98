// A Job's pod template is immutable: helm cannot patch a Job whose template a new render (or an
// older revision, on rollback) changes ("field is immutable"). omrs deletes such a Job first, so
// helm creates it again; every Job of the chart is safe to run again.
import { stringMap } from '../../render/json.js';
import { parseObjects, type KubeObject } from '../../render/objects.js';
import { podTemplateOf, rawOf } from '../../render/workloads.js';
import { api, type KubeClient } from './client.js';
import { helmManifest, helmRollback, type HelmTarget } from './helm.js';

/** What helm would change of a Job: the labels of its pod template, and the spec hash the chart sets. */
function jobIdentity(
  labels: Record<string, string> | undefined,
  templateLabels: Record<string, string> | undefined,
) {
  return { specHash: labels?.['omrs.dev/spec-hash'], templateLabels: templateLabels ?? {} };
}

const templateLabelsOf = (o: KubeObject): Record<string, string> =>
  stringMap(podTemplateOf(rawOf(o))?.meta.labels);

/**
 * Deletes the live Jobs whose pod template `objects` (what helm is about to apply) change, so helm
 * creates them again. A changed label (a new profile name, another app digest) counts too.
 */
export async function replaceChangedJobs(
  client: KubeClient,
  namespace: string,
  objects: KubeObject[],
): Promise<string[]> {
  const wanted = new Map(
    objects
      .filter((o) => o.kind === 'Job')
      .map((o) => [o.metadata.name, jobIdentity(o.metadata.labels, templateLabelsOf(o))]),
  );
  if (wanted.size === 0) return [];
  const live = await api('list jobs', client.context, () => client.batch.listNamespacedJob({ namespace }));
  const replaced: string[] = [];
  for (const job of live.items) {
    const name = job.metadata?.name ?? '';
    const want = wanted.get(name);
    if (!want) continue;
    const have = jobIdentity(job.metadata?.labels, job.spec?.template.metadata?.labels);
    const same =
      have.specHash === want.specHash &&
      Object.entries(want.templateLabels).every(([k, v]) => have.templateLabels[k] === v);
    if (same) continue;
    await api(`delete job ${name}`, client.context, () =>
      client.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
    );
    replaced.push(`Job/${name}`);
  }
  return replaced;
}

/** `helm rollback` to `revision`, after deleting the Jobs that revision's manifest would change. */
export async function rollbackReplacingJobs(
  client: KubeClient,
  target: HelmTarget,
  revision: number,
): Promise<void> {
  const objects = parseObjects(await helmManifest(target, revision));
  await replaceChangedJobs(client, target.namespace, objects);
  await helmRollback(target, revision);
}
