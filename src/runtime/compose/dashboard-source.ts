// The dashboard's data source on the compose runtime: status for the service table, logs follow
// for the log pane, restart, seed, down and open through the runtime's use cases.
import { step } from '../../events/bus.js';
import type { EventBus } from '../../events/bus.js';
import { openProfile } from '../../profile/index.js';
import type { Docker } from '../../platform/docker.js';
import { sleep } from './engine.js';
import { logs } from './logs.js';
import { restartService } from './restart.js';
import { seedComposeTenants } from './seed.js';
import { down } from './down.js';
import { status } from './status.js';
import { readAlerts } from '../alerts.js';
import { openInBrowser, restartLine, restartTracker } from '../dashboard-common.js';
import { paneLine, type DashboardSource } from '../runtime.js';

export interface ComposeSourceDeps {
  docker: Docker;
  /** Where the source reports: the bus the dashboard's store folds. */
  bus: EventBus;
  env: Record<string, string | undefined>;
  cwd: string;
  signal: AbortSignal;
}

export interface ComposeSourceOptions {
  /** The environment's name (omrs.dev/env). */
  name: string;
  /** The profile to seed with: a name or a path; default the env's omrs.dev/profile label. */
  profile?: string;
}

export function composeSource(options: ComposeSourceOptions, deps: ComposeSourceDeps): DashboardSource {
  const { docker, bus } = deps;
  const env = options.name;
  // Resource events keep the kind `up` gave each service (Deployment, StatefulSet, Job).
  const kinds = new Map<string, string>();
  const unsubscribe = bus.subscribe((e) => {
    if (e.type === 'resource') kinds.set(e.name, e.kind);
  });
  const restarting = restartTracker();
  let profileLabel: string | undefined;

  return {
    env,
    async refresh() {
      const result = await status(env, { docker });
      profileLabel = result.profile ?? profileLabel;
      for (const s of result.services) {
        if (restarting.has(s.name)) continue;
        bus.emit({
          type: 'resource',
          name: s.name,
          kind: kinds.get(s.name) ?? (s.role === 'job' ? 'Job' : 'container'),
          runtime: s.runtime,
          health: s.health,
          restarts: s.restarts,
          ports: s.ports.map((p) => p.replace(/^127\.0\.0\.1:/, '')),
          ...(s.detail !== undefined && { detail: s.detail }),
        });
      }
      // A short wait: the dashboard polls every 2 s, and a Prometheus that does not answer is shown as such.
      const monitoring = result.prometheusUrl ? await readAlerts(result.prometheusUrl, 1500) : undefined;
      return {
        exists: result.exists,
        ...(result.url && { url: result.url }),
        ...(monitoring && { monitoring }),
      };
    },

    async followLogs(service, signal, onLine) {
      let since: string | undefined;
      while (!signal.aborted) {
        // A restart ends docker's log stream: follow again from where it ended.
        await logs(
          { env, service, follow: true, ...(since ? { since } : { tail: 50 }) },
          {
            docker,
            signal,
            onLine: (l) => onLine(paneLine(l)),
          },
        );
        since = new Date().toISOString();
        await sleep(1000, signal).catch(() => undefined);
      }
    },

    async restart(service) {
      const result = await restarting.during(service, () =>
        restartService(env, service, {
          docker,
          events: bus,
          signal: deps.signal,
          ...(kinds.has(service) && { kind: kinds.get(service) }),
        }),
      );
      return restartLine(service, result);
    },

    async seed() {
      const { profile } = await openProfile(options.profile ?? profileLabel, deps);
      const lines = await step(bus, 'seed', 'Seed test data', () =>
        seedComposeTenants(docker, env, profile.seed, { events: bus, signal: deps.signal }),
      );
      return lines.join('; ') || `${env} has no tenant database to seed`;
    },

    async down() {
      const result = await down(env, { volumes: false }, { docker, events: bus, env: deps.env });
      return `${env} is down: ${result.containers.length} containers removed${result.keptVolumes.length ? `; kept volumes ${result.keptVolumes.join(', ')}` : ''}`;
    },

    async open(what = 'gateway') {
      const { url, grafanaUrl } = await status(env, { docker });
      if (what === 'grafana')
        return grafanaUrl
          ? openInBrowser(grafanaUrl, deps.env)
          : `${env} has no published Grafana (monitoring.enabled and monitoring.grafana.enabled)`;
      return url ? openInBrowser(url, deps.env) : `${env} has no published gateway`;
    },

    close: unsubscribe,
  };
}
