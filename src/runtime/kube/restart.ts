// Restarting one workload of a cluster environment (the dashboard's `r`), as `kubectl rollout
// restart` does: a new pod template annotation makes the controller roll every pod, then the same
// readiness `up` waits on, so "restarted" means "ready again".
import { ExitCode, OmrsError } from '../../errors.js';
import type { EventSink } from '../../events/types.js';
import { api } from './client.js';
import type { RestartResult } from '../runtime.js';
import type { Target } from './connect.js';
import { serviceName } from './labels.js';
import { kubeStatus } from './status.js';
import { WorkloadWatch, readiness, workloadState, type Readiness, type WorkloadKind } from './watch.js';

/** The annotation kubectl sets, so `kubectl rollout history` and other tools recognise it. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export interface KubeRestartRequest {
  kind: WorkloadKind;
  /** The Deployment's or StatefulSet's name. */
  name: string;
  /** The name the resource events carry (the dashboard's row); default `name`. */
  label?: string;
}

export interface KubeRestartResult {
  name: string;
  ready: boolean;
  /** The last readiness detail ("1/1 ready"), or why it is not ready. */
  detail: string;
  durationMs: number;
}

export interface KubeRestartDeps {
  events: EventSink;
  signal: AbortSignal;
  /** How long to wait for the rollout (default 2 minutes). */
  timeoutMs?: number;
}

export async function rolloutRestart(
  t: Pick<Target, 'client' | 'namespace'>,
  request: KubeRestartRequest,
  deps: KubeRestartDeps,
): Promise<KubeRestartResult> {
  const { client, namespace } = t;
  const { kind, name } = request;
  if (kind === 'Job')
    throw new OmrsError({
      code: 'KUBE_RESTART_JOB',
      message: `${name} is a Job: it runs once and cannot be restarted`,
      exitCode: ExitCode.usage,
      hint: 'A changed init job is run again by `omrs up`.',
    });
  const started = performance.now();
  const label = request.label ?? name;
  const report = (r: Readiness, detail: string) =>
    deps.events.emit({ type: 'resource', name: label, kind, ...workloadState(kind, r), detail });

  // Watch before the patch, so no transition of the rollout is missed.
  const watch = await WorkloadWatch.start(client, namespace, [kind]);
  try {
    report({ ready: false, detail: 'restarting' }, 'restarting');
    const { setHeaderOptions, PatchStrategy } = client.k8s;
    const body = {
      spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } },
    };
    const patch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched = await api(`restart ${kind}/${name}`, client.context, () =>
      kind === 'Deployment'
        ? client.apps.patchNamespacedDeployment({ name, namespace, body }, patch)
        : client.apps.patchNamespacedStatefulSet({ name, namespace, body }, patch),
    );
    const generation = patched.metadata?.generation ?? 0;
    const deadline = Date.now() + (deps.timeoutMs ?? 120_000);
    for (;;) {
      const live = watch.get(kind, name);
      // The cache may still hold the object from before the patch: judge only the new generation.
      const current = (live?.metadata?.generation ?? 0) >= generation ? live : undefined;
      const r = current ? readiness(kind, current) : { ready: false, detail: 'restarting' };
      if (deps.signal.aborted)
        throw new OmrsError({
          code: 'INTERRUPTED',
          message: `waiting for ${kind}/${name} to restart interrupted`,
          exitCode: ExitCode.interrupted,
        });
      if (r.ready || r.failed !== undefined || Date.now() >= deadline) {
        const detail = r.failed ?? (r.ready ? r.detail : `not ready after the restart (${r.detail})`);
        report(r.ready ? r : { ...r, failed: detail }, detail);
        return { name, ready: r.ready, detail, durationMs: Math.round(performance.now() - started) };
      }
      await watch.changed(Math.min(deadline - Date.now(), 2000), deps.signal);
    }
  } finally {
    watch.close();
  }
}

/** Restarts the workload of a service (`backend-default`) and waits until it is ready again. */
export async function restartService(
  t: Target,
  service: string,
  deps: KubeRestartDeps & { cwd: string; env: Record<string, string | undefined> },
): Promise<RestartResult> {
  const { services } = await kubeStatus({ env: t.env }, deps, t);
  const workload = services.find((s) => serviceName(t.env, s.name) === service);
  if (!workload)
    throw new OmrsError({
      code: 'SERVICE_NOT_FOUND',
      message: `environment ${t.env} has no workload "${service}" to restart`,
      exitCode: ExitCode.usage,
      hint: `Services: ${services.map((s) => serviceName(t.env, s.name)).join(', ') || '(none)'}.`,
    });
  const result = await rolloutRestart(t, { kind: workload.kind, name: workload.name, label: service }, deps);
  return {
    env: t.env,
    service,
    ready: result.ready,
    detail: result.detail,
    durationMs: result.durationMs,
  };
}
