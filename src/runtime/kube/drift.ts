// What a no-op `up` checks before it says "nothing to do": the release's Deployments and
// StatefulSets still exist, with the replicas the release gave them. A workload someone deleted or
// scaled by hand is drift; `up` then applies the release again (helm's three-way merge puts the
// replicas back and re-creates what is missing), as `up` on Docker starts a stopped container.
import type { KubeObject } from '../../render/objects.js';
import { api, type KubeClient } from './client.js';

/** "Deployment/<name>" → the replicas its manifest sets (null when it sets none, e.g. under an autoscaler). */
export type WorkloadReplicas = Record<string, number | null>;

const SCALED = ['Deployment', 'StatefulSet'];

export function workloadReplicas(objects: readonly KubeObject[]): WorkloadReplicas {
  const out: WorkloadReplicas = {};
  for (const o of objects) {
    if (!SCALED.includes(o.kind)) continue;
    const replicas = (o.raw.spec as { replicas?: unknown } | undefined)?.replicas;
    out[`${o.kind}/${o.metadata.name}`] = typeof replicas === 'number' ? replicas : null;
  }
  return out;
}

/** The namespace annotation's text back; undefined when absent or not ours (an older omrs wrote none). */
export function parseWorkloadReplicas(text: string | undefined): WorkloadReplicas | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.every(([, r]) => r === null || typeof r === 'number')
      ? (Object.fromEntries(entries) as WorkloadReplicas)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A Deployment or StatefulSet as the API server has it now. */
interface LiveWorkload {
  metadata?: { name?: string };
  spec?: { replicas?: number };
}

/** One line per workload that differs from what the release gave it; none when all match. */
export async function findDrift(
  client: KubeClient,
  namespace: string,
  expected: WorkloadReplicas,
): Promise<string[]> {
  const [deployments, statefulSets] = await Promise.all([
    api('list Deployments', client.context, () => client.apps.listNamespacedDeployment({ namespace })),
    api('list StatefulSets', client.context, () => client.apps.listNamespacedStatefulSet({ namespace })),
  ]);
  return driftOf(expected, deployments.items, statefulSets.items);
}

/** The same, from lists already read (`omrs status` has them). */
export function driftOf(
  expected: WorkloadReplicas,
  deployments: readonly LiveWorkload[],
  statefulSets: readonly LiveWorkload[],
): string[] {
  const live = new Map<string, number>();
  for (const d of deployments) live.set(`Deployment/${d.metadata?.name}`, d.spec?.replicas ?? 1);
  for (const s of statefulSets) live.set(`StatefulSet/${s.metadata?.name}`, s.spec?.replicas ?? 1);
  const drift: string[] = [];
  for (const [workload, replicas] of Object.entries(expected)) {
    const now = live.get(workload);
    if (now === undefined) drift.push(`${workload} is missing`);
    else if (replicas !== null && now !== replicas)
      drift.push(`${workload} has ${now} replica${now === 1 ? '' : 's'}, the release ${replicas}`);
  }
  return drift;
}
