// What to show when a rollout fails: the object, its conditions, the recent Kubernetes Events of
// it and of its pods, the container that keeps a pod from being ready (an init container, the
// main one or a sidecar) and its last log lines (best effort: a container that has not started, or
// a node without a kubelet such as kwok's, has none, and the report says which).
import type * as k8s from '@kubernetes/client-node';
import type { Problem } from '../../errors.js';
import { apiMessage, type KubeClient } from './client.js';
import type { StepFailure } from './watch.js';

export interface Diagnosis {
  object: string;
  conditions: string[];
  events: string[];
  /** The container that keeps the pod from being ready, and in what state: "container exporter of pod …: CrashLoopBackOff, …". */
  container?: string;
  logs: string[];
  logsNote?: string;
}

export interface ContainerTrouble {
  name: string;
  /** What keeps it from being ready, as a person reads it. */
  state: string;
  /** It has restarted and runs again: its previous run's log says why it ended. */
  previous: boolean;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function stateOf(c: k8s.V1ContainerStatus, init: boolean): string {
  const parts: string[] = [];
  const { waiting, running, terminated } = c.state ?? {};
  if (waiting) parts.push(waiting.reason ?? 'waiting');
  else if (terminated)
    parts.push(
      `exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`,
    );
  else if (running) parts.push(init ? 'running, not finished' : 'running, not ready');
  if (c.restartCount > 0) parts.push(`restarted ${plural(c.restartCount, 'time')}`);
  const last = c.lastState?.terminated;
  if (last && !terminated)
    parts.push(`last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`);
  return parts.join(', ');
}

/**
 * The container that keeps a pod from being ready: the first init container that has not finished
 * well (the ones after it have not started), else a container that is not ready, one that waits
 * or restarts before one that merely fails its probe. Nothing when every container is ready.
 */
export function troubledContainer(pod: k8s.V1Pod): ContainerTrouble | undefined {
  const of = (c: k8s.V1ContainerStatus, init: boolean): ContainerTrouble => ({
    name: c.name,
    state: stateOf(c, init),
    previous: c.restartCount > 0 && c.state?.running !== undefined,
  });
  for (const c of pod.status?.initContainerStatuses ?? []) {
    // A native sidecar (an init container that always restarts) counts once it is started.
    if (c.state?.terminated?.exitCode === 0 || (c.started === true && c.ready)) continue;
    if (c.state?.waiting?.reason === 'PodInitializing') continue;
    return of(c, true);
  }
  const unready = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready);
  const worst = unready.find((c) => c.state?.waiting || c.restartCount > 0) ?? unready[0];
  return worst && of(worst, false);
}

const isReady = (pod: k8s.V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const createdAt = (pod: k8s.V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();

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
  // The pod to read: one that is not ready (a rollout's new pod, not the old one that still
  // serves), the newest first.
  const pod = [...pods]
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || createdAt(b) - createdAt(a))[0];
  const trouble = pod && troubledContainer(pod);
  const container = trouble?.name ?? pod?.spec?.containers[0]?.name;
  const which = trouble
    ? `container ${trouble.name} of pod ${pod?.metadata?.name}`
    : `pod ${pod?.metadata?.name}`;
  if (!pod?.metadata?.name) logsNote = 'no pod exists for it, so there are no logs';
  else {
    const read = (previous: boolean) =>
      client.core.readNamespacedPodLog({
        namespace,
        name: pod.metadata!.name!,
        // A pod with a sidecar (an exporter) refuses a log request that names no container.
        ...(container && { container }),
        tailLines: 20,
        ...(previous && { previous }),
      });
    try {
      logs = String(await read(false))
        .split('\n')
        .filter(Boolean);
      // Restarted and running again without a word yet: the run that ended says why.
      if (logs.length === 0 && trouble?.previous)
        logs = String(await read(true).catch(() => ''))
          .split('\n')
          .filter(Boolean);
      if (logs.length === 0) logsNote = `${which} has written no log lines`;
    } catch (error) {
      const text = apiMessage(error).slice(0, 200);
      const why = /waiting to start|PodInitializing|ContainerCreating/i.test(text)
        ? 'its container has not started'
        : 'the node gave none (a cluster without kubelets, such as kwok, never does)';
      logsNote = `logs of ${which} are not available (${text}): ${why}`;
    }
  }
  return {
    object: `${workload.kind}/${workload.name}`,
    conditions,
    events,
    ...(trouble && { container: `${which}: ${trouble.state}` }),
    logs,
    ...(logsNote && { logsNote }),
  };
}

export function diagnosisProblems(d: Diagnosis): Problem[] {
  return [
    ...d.conditions.map((c) => ({ code: 'CONDITION', message: `${d.object} condition ${c}` })),
    ...d.events.map((e) => ({ code: 'EVENT', message: e })),
    ...(d.container ? [{ code: 'CONTAINER', message: d.container }] : []),
    ...d.logs.map((l) => ({ code: 'LOG', message: l })),
    ...(d.logsNote ? [{ code: 'LOGS', message: d.logsNote }] : []),
  ];
}
