// Restarting one service of a running environment (the dashboard's `r`): `docker restart` of its
// containers, then the same readiness probe `up` waits on, so "restarted" means "healthy again".
import { ExitCode, OmrsError } from '../../errors.js';
import type { EventSink } from '../../events/types.js';
import type { RestartResult } from '../runtime.js';
import type { Docker } from '../../platform/docker.js';
import { listContainers, waitReady } from './engine.js';
import { LABEL, networkName } from './names.js';
import type { ProbePlan } from './plan.js';

export interface ComposeRestartResult extends RestartResult {
  containers: string[];
}

export interface RestartDeps {
  docker: Docker;
  events: EventSink;
  signal: AbortSignal;
  /** How long to wait for the probe after the restart (default 2 minutes). */
  timeoutMs?: number;
  /** The kind the resource events carry (what `up` called it: Deployment, StatefulSet). */
  kind?: string;
}

export async function restartService(
  env: string,
  service: string,
  deps: RestartDeps,
): Promise<ComposeRestartResult> {
  const { docker, events, signal } = deps;
  const started = performance.now();
  const all = await listContainers(docker, env);
  const containers = all.filter(
    (c) => c.Labels[LABEL.service] === service && (c.Labels[LABEL.role] ?? 'main') === 'main',
  );
  if (containers.length === 0) {
    const names = [...new Set(all.map((c) => c.Labels[LABEL.service]).filter(Boolean))].sort();
    throw new OmrsError({
      code: 'SERVICE_NOT_FOUND',
      message: `environment ${env} has no service "${service}" to restart`,
      hint: names.length > 0 ? `Services: ${names.join(', ')}.` : 'Start it with `omrs up`.',
      exitCode: ExitCode.usage,
    });
  }
  const kind = deps.kind ?? 'container';
  events.emit({
    type: 'resource',
    name: service,
    kind,
    runtime: 'starting',
    health: 'starting',
    detail: 'restarting',
  });
  const deadline = Date.now() + (deps.timeoutMs ?? 120_000);
  const outcomes = await Promise.all(
    containers.map(async (c) => {
      await docker.getContainer(c.Id).restart({ t: 10 });
      const label = c.Labels[LABEL.probe];
      const probe = label ? (JSON.parse(label) as ProbePlan) : undefined;
      return waitReady(docker, { id: c.Id, network: networkName(env) }, probe, deadline, signal);
    }),
  );
  const healthy = outcomes.every((o) => o.ready);
  const failed = outcomes.find((o) => !o.ready) ?? outcomes[0]!;
  events.emit({
    type: 'resource',
    name: service,
    kind,
    runtime: healthy ? 'ok' : 'error',
    health: healthy ? 'healthy' : 'unhealthy',
    detail: failed.last.message,
  });
  return {
    env,
    service,
    containers: containers.map((c) => c.Names[0]!.replace(/^\//, '')),
    ready: healthy,
    detail: failed.last.message,
    durationMs: Math.round(performance.now() - started),
  };
}
