// The dashboard's data source on a Kubernetes cluster: the workloads of the release for the
// service table, pod logs for the log pane, a rollout restart, down (claims kept) and a
// port-forward to the gateway, through the kube runtime's use cases on an approved target.
import { ExitCode, OmrsError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import type { Target } from '../../runtime/kube/connect.js';
import type { OpenHandle } from '../../runtime/kube/logs.js';
import type { WorkloadKind } from '../../runtime/kube/watch.js';
import { openInBrowser, pause, restartLine, restartTracker } from './source-common.js';
import type { DashboardSource } from './source.js';

export interface KubeSourceDeps {
  /** The environment's release on the context the guard approved (what `up` or connect gave). */
  target: Target;
  /** Where the source reports: the bus the dashboard's store folds. */
  bus: EventBus;
  env: Record<string, string | undefined>;
  cwd: string;
  signal: AbortSignal;
}

/** The chart prefixes every object with the release name; the table shows the service part. */
const serviceName = (env: string, workload: string): string =>
  workload.startsWith(`${env}-`) ? workload.slice(env.length + 1) : workload;

export function kubeSource(deps: KubeSourceDeps): DashboardSource {
  const { target, bus } = deps;
  const env = target.env;
  const kube = { cwd: deps.cwd, env: deps.env, events: bus, signal: deps.signal };
  const workloads = new Map<string, { kind: WorkloadKind; name: string }>();
  const restarting = restartTracker();
  let forward: Promise<OpenHandle> | undefined;
  const stopForward = async () => {
    const handle = await forward?.catch(() => undefined);
    forward = undefined;
    await handle?.close();
  };

  return {
    env,
    async refresh() {
      const { kubeStatus } = await import('../../runtime/kube/status.js');
      const status = await kubeStatus({ env }, kube, target);
      for (const s of status.services) {
        const service = serviceName(env, s.name);
        workloads.set(service, { kind: s.kind, name: s.name });
        if (restarting.has(service)) continue;
        bus.emit({
          type: 'resource',
          name: service,
          kind: s.kind,
          runtime: s.runtime,
          health: s.health,
          detail: s.detail,
        });
      }
      const url = forward && (await forward.catch(() => undefined))?.url;
      return { exists: status.services.length > 0, ...(url && { url }) };
    },

    async followLogs(service, signal, onLine) {
      const { kubeLogs } = await import('../../runtime/kube/logs.js');
      const told = new Set<string>();
      const tell = (text: string) => {
        if (!told.has(text)) onLine(text);
        told.add(text);
      };
      // A follow ends when its pods go (a restart rolls them): follow the new ones, once a moment.
      while (!signal.aborted) {
        const result = await kubeLogs(
          { env, service, follow: true, tail: 50 },
          { ...kube, signal, onLine: ({ line }) => onLine(line) },
          target,
        );
        if (result.pods.length === 0) tell(`(no pods of ${service} yet)`);
        for (const { pod, reason } of result.unavailable)
          tell(`(no log from ${pod}: ${reason.split('\n')[0]})`);
        await pause(result.unavailable.length < result.pods.length ? 1000 : 5000, signal);
      }
    },

    async restart(service) {
      const workload = workloads.get(service);
      if (!workload)
        throw new OmrsError({
          code: 'SERVICE_NOT_FOUND',
          message: `environment ${env} has no workload "${service}" to restart`,
          exitCode: ExitCode.usage,
        });
      const { rolloutRestart } = await import('../../runtime/kube/restart.js');
      const result = await restarting.during(service, () =>
        rolloutRestart(target, { ...workload, label: service }, { events: bus, signal: deps.signal }),
      );
      return restartLine(service, result);
    },

    async seed() {
      const { seedTenants } = await import('../../runtime/kube/seed.js');
      const lines = await seedTenants(target, { events: bus, signal: deps.signal });
      return lines.join('; ') || `${env} has no tenant backend to seed`;
    },

    async down() {
      const { downTarget } = await import('../../runtime/kube/status.js');
      await stopForward();
      const result = await downTarget(target, false, kube);
      const kept = result.keptPvcs.length ? `; kept volume claims ${result.keptPvcs.join(', ')}` : '';
      return `${env} is down: ${result.uninstalled ? 'release uninstalled' : 'nothing was installed'}${kept}`;
    },

    async open() {
      const { kubeOpen } = await import('../../runtime/kube/logs.js');
      forward ??= kubeOpen({ env }, kube, target);
      const handle = await forward.catch((error: unknown) => {
        forward = undefined;
        throw error;
      });
      return `${await openInBrowser(handle.url, deps.env)} (forwarded to ${handle.pod})`;
    },

    close() {
      void stopForward();
    },
  };
}
