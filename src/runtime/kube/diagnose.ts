// What to show when a rollout fails: the object, its conditions, the recent Kubernetes Events of
// it and of its pods, and the last log lines of a pod (best effort: a container that has not
// started, or a node without a kubelet such as kwok's, has none, and the report says which).
import type * as k8s from '@kubernetes/client-node';
import type { Problem } from '../../errors.js';
import { apiMessage, type KubeClient } from './client.js';
import type { StepFailure } from './watch.js';

export interface Diagnosis {
  object: string;
  conditions: string[];
  events: string[];
  logs: string[];
  logsNote?: string;
}

const selectorOf = (o: StepFailure['object']): string | undefined => {
  const labels = (o?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
    ?.matchLabels;
  return labels
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : undefined;
};

async function eventsFor(client: KubeClient, namespace: string, name: string): Promise<k8s.CoreV1Event[]> {
  try {
    const list = await client.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items;
  } catch {
    return [];
  }
}

const when = (e: k8s.CoreV1Event): number =>
  new Date(
    (e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0) as string | number | Date,
  ).getTime();

export async function diagnose(
  client: KubeClient,
  namespace: string,
  failure: StepFailure,
): Promise<Diagnosis> {
  const { workload, object } = failure;
  const conditions = (
    (
      object?.status as
        { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined
    )?.conditions ?? []
  ).map(
    (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`,
  );
  const names = [workload.name];
  // The ReplicaSets of a Deployment carry the FailedCreate events (quota, admission).
  if (workload.kind === 'Deployment') {
    try {
      const rs = await client.apps.listNamespacedReplicaSet({
        namespace,
        ...(selectorOf(object) && { labelSelector: selectorOf(object) }),
      });
      names.push(...rs.items.map((r) => r.metadata?.name ?? '').filter(Boolean));
    } catch {
      /* best effort */
    }
  }
  let pods: k8s.V1Pod[] = [];
  const selector = workload.kind === 'Job' ? `job-name=${workload.name}` : selectorOf(object);
  if (selector) {
    try {
      pods = (await client.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
      names.push(...pods.map((p) => p.metadata?.name ?? '').filter(Boolean));
    } catch {
      /* best effort */
    }
  }
  const all = (await Promise.all(names.map((n) => eventsFor(client, namespace, n))))
    .flat()
    .sort((a, b) => when(a) - when(b));
  const events = all
    .slice(-10)
    .map((e) =>
      `${e.type ?? 'Normal'} ${e.reason ?? ''} ${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}: ${e.message ?? ''}`.trim(),
    );
  let logs: string[] = [];
  let logsNote: string | undefined;
  const pod = pods[pods.length - 1];
  if (!pod?.metadata?.name) logsNote = 'no pod exists for it, so there are no logs';
  else {
    try {
      const text = await client.core.readNamespacedPodLog({
        namespace,
        name: pod.metadata.name,
        // The workload's own container: a pod with a sidecar (an exporter) refuses a log request
        // that names none.
        container: pod.spec?.containers[0]?.name,
        tailLines: 20,
      });
      logs = String(text).split('\n').filter(Boolean);
      if (logs.length === 0) logsNote = `pod ${pod.metadata.name} has written no log lines`;
    } catch (error) {
      const text = apiMessage(error).slice(0, 200);
      const why = /waiting to start|PodInitializing|ContainerCreating/i.test(text)
        ? 'its container has not started'
        : 'the node gave none (a cluster without kubelets, such as kwok, never does)';
      logsNote = `logs of pod ${pod.metadata.name} are not available (${text}): ${why}`;
    }
  }
  return {
    object: `${workload.kind}/${workload.name}`,
    conditions,
    events,
    logs,
    ...(logsNote && { logsNote }),
  };
}

export function diagnosisProblems(d: Diagnosis): Problem[] {
  return [
    ...d.conditions.map((c) => ({ code: 'CONDITION', message: `${d.object} condition ${c}` })),
    ...d.events.map((e) => ({ code: 'EVENT', message: e })),
    ...d.logs.map((l) => ({ code: 'LOG', message: l })),
    ...(d.logsNote ? [{ code: 'LOGS', message: d.logsNote }] : []),
  ];
}
