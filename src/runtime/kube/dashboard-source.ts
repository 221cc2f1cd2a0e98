// The dashboard's data source on a Kubernetes cluster: the workloads of the release for the
// service table, pod logs for the log pane, a rollout restart, down (claims kept) and a
// port-forward to the gateway, through the kube runtime's use cases on an approved target.
import type { EventBus } from '../../events/bus.js';
import type { Target } from './connect.js';
import { serviceName } from './labels.js';
import { kubeLogs } from './logs.js';
import { kubeOpen, type OpenHandle } from './open.js';
import { restartService } from './restart.js';
import { seedTenants } from './seed.js';
import { downTarget } from './down.js';
import { kubeStatus } from './status.js';
import { openInBrowser, pause, restartLine, restartTracker } from '../dashboard-common.js';
import { paneLine, type DashboardOpenTarget, type DashboardSource } from '../runtime.js';

export interface KubeSourceDeps {
  /** The environment's release on the context the guard approved (what `up` or connect gave). */
  target: Target;
  /** Where the source reports: the bus the dashboard's store folds. */
  bus: EventBus;
  env: Record<string, string | undefined>;
  cwd: string;
  signal: AbortSignal;
}

export function kubeSource(deps: KubeSourceDeps): DashboardSource {
  const { target, bus } = deps;
  const env = target.env;
  const kube = { cwd: deps.cwd, env: deps.env, events: bus, signal: deps.signal };
  const restarting = restartTracker();
  // One port-forward per thing opened (the gateway, Grafana), kept until down or close.
  const forwards = new Map<DashboardOpenTarget, Promise<OpenHandle>>();
  const stopForward = async () => {
    const handles = await Promise.all([...forwards.values()].map((f) => f.catch(() => undefined)));
    forwards.clear();
    await Promise.all(handles.map((h) => h?.close()));
  };

  return {
    env,
    async refresh() {
      const status = await kubeStatus({ env }, kube, target);
      for (const s of status.services) {
        const service = serviceName(env, s.name);
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
      const gateway = forwards.get('gateway');
      const url = gateway && (await gateway.catch(() => undefined))?.url;
      return {
        exists: status.services.length > 0,
        ...(url && { url }),
        ...(status.monitoring && { monitoring: status.monitoring }),
      };
    },

    async followLogs(service, signal, onLine) {
      const told = new Set<string>();
      const tell = (text: string) => {
        if (!told.has(text)) onLine(text);
        told.add(text);
      };
      // A follow ends when its pods go (a restart rolls them): follow the new ones, once a moment.
      while (!signal.aborted) {
        const result = await kubeLogs(
          { env, service, follow: true, tail: 50 },
          {
            ...kube,
            signal,
            onLine: (l) => onLine(paneLine(l)),
          },
          target,
        );
        if (result.pods.length === 0) tell(`(no pods of ${service} yet)`);
        for (const { pod, reason } of result.unavailable)
          tell(`(no log from ${pod}: ${reason.split('\n')[0]})`);
        await pause(result.unavailable.length < result.streams ? 1000 : 5000, signal);
      }
    },

    async restart(service) {
      const result = await restarting.during(service, () =>
        restartService(target, service, { ...kube, signal: deps.signal }),
      );
      return restartLine(service, result);
    },

    async seed() {
      const lines = await seedTenants(target, { events: bus, signal: deps.signal });
      return lines.join('; ') || `${env} has no tenant backend to seed`;
    },

    async down() {
      await stopForward();
      const result = await downTarget(target, false, kube);
      const kept = result.keptPvcs.length ? `; kept volume claims ${result.keptPvcs.join(', ')}` : '';
      return `${env} is down: ${result.uninstalled ? 'release uninstalled' : 'nothing was installed'}${kept}`;
    },

    async open(what = 'gateway') {
      const forward = forwards.get(what) ?? kubeOpen({ env, target: what }, kube, target);
      forwards.set(what, forward);
      const handle = await forward.catch((error: unknown) => {
        forwards.delete(what);
        throw error;
      });
      return `${await openInBrowser(handle.url, deps.env)} (forwarded to ${handle.pod})`;
    },

    close() {
      void stopForward();
    },
  };
}
