// Readiness, in the readiness order of render/workloads.ts (database → init Jobs → backends →
// frontend → gateway). Watches of the namespace's Deployments, StatefulSets, Jobs and Pods keep a
// cache; each step waits until its objects are ready, with its own deadline from the profile, and
// reports progress as events. The pods say what the workloads do not: a container waiting on its
// image, and images a node will never get (then the step fails at once instead of at its deadline).
import type * as k8s from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../../errors.js';
import type { EventSink, HealthState, RuntimeState } from '../../events/types.js';
import type { KubeClient } from './client.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'Job';
export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  component: string;
}

export interface ReadyStep {
  id: string;
  title: string;
  timeoutMs: number;
  workloads: WorkloadRef[];
}

type Obj = k8s.V1Deployment | k8s.V1StatefulSet | k8s.V1Job;

export interface Readiness {
  ready: boolean;
  /** e.g. "1/1 ready", "job done". */
  detail: string;
  /** A failure that waiting will not fix (job failed, pods forbidden by a quota or admission). */
  failed?: string;
}

const conditionsOf = (
  o: Obj | undefined,
): { type: string; status: string; reason?: string; message?: string }[] =>
  (
    o?.status as
      { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined
  )?.conditions ?? [];

/** Pure: is this object rolled out? */
export function readiness(kind: WorkloadKind, o: Obj | undefined): Readiness {
  if (!o) return { ready: false, detail: 'not created yet' };
  const generation = o.metadata?.generation ?? 0;
  if (kind === 'Job') {
    const job = o as k8s.V1Job;
    const c = conditionsOf(job);
    const failed = c.find((x) => x.type === 'Failed' && x.status === 'True');
    if (failed)
      return {
        ready: false,
        detail: 'job failed',
        failed: `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim(),
      };
    if (c.some((x) => x.type === 'Complete' && x.status === 'True'))
      return { ready: true, detail: 'job done' };
    return {
      ready: false,
      detail: `job running (${job.status?.active ?? 0} active, ${job.status?.failed ?? 0} failed)`,
    };
  }
  const want = (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const status = (o.status ?? {}) as {
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    replicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const detail = `${ready}/${want} ready${updated < want ? `, ${updated}/${want} updated` : ''}`;
  const c = conditionsOf(o);
  const replicaFailure = c.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
  const deadline = c.find(
    (x) => x.type === 'Progressing' && x.status === 'False' && x.reason === 'ProgressDeadlineExceeded',
  );
  const failed = replicaFailure
    ? `${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? ''}`
    : deadline
      ? `ProgressDeadlineExceeded: ${deadline.message ?? ''}`
      : undefined;
  const observed = (status.observedGeneration ?? 0) >= generation;
  let done = observed && ready >= want && updated >= want && (status.replicas ?? 0) <= want;
  if (kind === 'Deployment') done &&= (status.availableReplicas ?? 0) >= want;
  if (kind === 'StatefulSet' && status.updateRevision)
    done &&= status.currentRevision === status.updateRevision || updated >= want;
  return { ready: done, detail, ...(failed && !done && { failed: failed.trim() }) };
}

/** A workload's readiness on the two axes every view shows; a finished Job is ok with no health, as on Docker. */
export function workloadState(
  kind: WorkloadKind,
  r: Readiness,
): { runtime: RuntimeState; health: HealthState } {
  if (r.ready) return { runtime: 'ok', health: kind === 'Job' ? 'none' : 'healthy' };
  return r.failed ? { runtime: 'error', health: 'unhealthy' } : { runtime: 'starting', health: 'starting' };
}

/** Waiting reasons that no amount of waiting fixes: the node may not pull, or the name is not an image. */
const NEVER_STARTS = new Set(['ErrImageNeverPull', 'InvalidImageName']);

/**
 * An init container that failed and that the kubelet now backs off from restarting: init
 * containers wait inside themselves (for the database, say), so one that exits non-zero has met
 * something waiting does not fix, such as a module whose checksum is wrong. Its last log lines
 * (terminationMessagePolicy FallbackToLogsOnError) say what.
 */
function crashLoopingInit(pod: k8s.V1Pod): string | undefined {
  for (const c of pod.status?.initContainerStatuses ?? []) {
    const last = c.lastState?.terminated;
    if (c.state?.waiting?.reason !== 'CrashLoopBackOff' || !last || last.exitCode === 0) continue;
    const message = last.message?.trim();
    return `init container ${c.name} of pod ${pod.metadata?.name ?? ''} exited with code ${last.exitCode}${message ? `: ${message}` : ''}`;
  }
  return undefined;
}

/** A workload's readiness with what its pods' containers are waiting on, if anything. */
export function withPods(r: Readiness, pods: k8s.V1Pod[]): Readiness {
  if (r.ready) return r;
  let waiting: { reason: string; message?: string } | undefined;
  for (const pod of pods) {
    const initFailed = crashLoopingInit(pod);
    if (initFailed)
      return { ...r, detail: `${r.detail}, Init:CrashLoopBackOff`, failed: r.failed ?? initFailed };
    for (const c of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const w = c.state?.waiting;
      if (!w?.reason || w.reason === 'ContainerCreating' || w.reason === 'PodInitializing') continue;
      if (!waiting || NEVER_STARTS.has(w.reason))
        waiting = { reason: w.reason, ...(w.message && { message: `${c.name}: ${w.message}` }) };
    }
  }
  if (!waiting) return r;
  const detail = `${r.detail}, ${waiting.reason}`;
  if (r.failed || !NEVER_STARTS.has(waiting.reason)) return { ...r, detail };
  return { ...r, detail, failed: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
}

const PATHS: Record<WorkloadKind, (ns: string) => string> = {
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  StatefulSet: (ns) => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  Job: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
};

/** A cache of the namespace's workloads fed by three watches. */
export class WorkloadWatch {
  readonly #cache = new Map<string, Obj>();
  readonly #pods = new Map<string, k8s.V1Pod>();
  readonly #waiters = new Set<() => void>();
  readonly #controllers: AbortController[] = [];
  #closed = false;
  #error: unknown;

  private constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  static async start(
    client: KubeClient,
    namespace: string,
    kinds: WorkloadKind[] = ['StatefulSet', 'Job', 'Deployment'],
  ): Promise<WorkloadWatch> {
    const w = new WorkloadWatch(client, namespace);
    await Promise.all(kinds.map((k) => w.#watch(k)));
    // Best effort: without the right to watch pods, readiness is the workloads' alone.
    await w.#watchPods().catch(() => undefined);
    return w;
  }

  async #watchPods(): Promise<void> {
    const watch = new this.client.k8s.Watch(this.client.config);
    const controller = await watch.watch(
      `/api/v1/namespaces/${this.namespace}/pods`,
      { allowWatchBookmarks: false },
      (phase, pod: k8s.V1Pod) => {
        const name = pod.metadata?.name ?? '';
        if (phase === 'DELETED') this.#pods.delete(name);
        else this.#pods.set(name, pod);
        this.#notify();
      },
      () => {
        if (this.#closed) return;
        setTimeout(() => void this.#watchPods().catch(() => undefined), 1000).unref();
      },
    );
    this.#controllers.push(controller);
  }

  /** The pods a workload's selector matches. */
  podsOf(o: Obj | undefined): k8s.V1Pod[] {
    const want = Object.entries(o?.spec?.selector?.matchLabels ?? {});
    if (want.length === 0) return [];
    return [...this.#pods.values()].filter((p) => want.every(([k, v]) => p.metadata?.labels?.[k] === v));
  }

  async #watch(kind: WorkloadKind): Promise<void> {
    const watch = new this.client.k8s.Watch(this.client.config);
    const controller = await watch.watch(
      PATHS[kind](this.namespace),
      { allowWatchBookmarks: false },
      (phase, obj: Obj) => {
        const key = `${kind}/${obj.metadata?.name ?? ''}`;
        if (phase === 'DELETED') this.#cache.delete(key);
        else this.#cache.set(key, obj);
        this.#notify();
      },
      (error: unknown) => {
        if (this.#closed) return;
        // The API server ends watches now and then: start again (the initial list refreshes the cache).
        if (error) this.#error = error;
        void this.#watch(kind).catch((e: unknown) => {
          this.#error = e;
          this.#notify();
        });
      },
    );
    this.#controllers.push(controller);
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  get(kind: WorkloadKind, name: string): Obj | undefined {
    return this.#cache.get(`${kind}/${name}`);
  }

  /** Resolves on the next change (or after `ms`, or when the signal aborts). */
  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get lastError(): unknown {
    return this.#error;
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#controllers) c.abort();
    this.#notify();
  }
}

export interface StepFailure {
  step: ReadyStep;
  workload: WorkloadRef;
  reason: string;
  object: Obj | undefined;
}

/** Waits for every step in order. Returns undefined when all are ready, else what failed. */
export async function waitOrdered(
  watch: WorkloadWatch,
  steps: ReadyStep[],
  events: EventSink,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<StepFailure | undefined> {
  for (const step of steps) {
    if (step.workloads.length === 0) continue;
    const started = now();
    const deadline = started + step.timeoutMs;
    events.emit({ type: 'step', id: step.id, title: step.title, status: 'started' });
    const reported = new Map<string, string>();
    for (;;) {
      if (signal.aborted)
        throw new OmrsError({
          code: 'INTERRUPTED',
          message: `waiting for ${step.title} interrupted`,
          exitCode: ExitCode.interrupted,
          hint: 'Run `omrs up` again: it converges.',
        });
      let allReady = true;
      let failure: StepFailure | undefined;
      let readyCount = 0;
      for (const w of step.workloads) {
        const o = watch.get(w.kind, w.name);
        const r = withPods(readiness(w.kind, o), watch.podsOf(o));
        if (reported.get(w.name) !== r.detail) {
          reported.set(w.name, r.detail);
          events.emit({
            type: 'resource',
            name: w.name,
            kind: w.kind,
            ...workloadState(w.kind, r),
            detail: r.detail,
          });
        }
        if (r.ready) readyCount++;
        else allReady = false;
        if (r.failed && !failure) failure = { step, workload: w, reason: r.failed, object: o };
      }
      events.emit({
        type: 'progress',
        step: step.id,
        current: readyCount,
        total: step.workloads.length,
        unit: 'ready',
      });
      if (allReady) {
        events.emit({
          type: 'step',
          id: step.id,
          title: step.title,
          status: 'done',
          durationMs: now() - started,
        });
        break;
      }
      const pending = step.workloads.find((w) => !readiness(w.kind, watch.get(w.kind, w.name)).ready)!;
      if (failure || now() >= deadline) {
        const late = watch.get(pending.kind, pending.name);
        const f = failure ?? {
          step,
          workload: pending,
          reason: `not ready within ${Math.round(step.timeoutMs / 1000)} s (${withPods(readiness(pending.kind, late), watch.podsOf(late)).detail})`,
          object: late,
        };
        events.emit({
          type: 'step',
          id: step.id,
          title: step.title,
          status: 'failed',
          detail: `${f.workload.kind}/${f.workload.name}: ${f.reason}`,
          durationMs: now() - started,
        });
        return f;
      }
      await watch.changed(Math.min(deadline - now(), 2000), signal);
    }
  }
  return undefined;
}
