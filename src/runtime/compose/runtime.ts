// The compose runtime (Docker) behind the Runtime interface: each method names the environment
// (--env, else the profile's), reaches the engine once, and hands over to the compose use case.
import { OmrsError } from '../../errors.js';
import { connectDocker, type Docker } from '../../platform/docker.js';
import type { DownResult, OpenTarget, Runtime, RuntimeDeps, RuntimeRequest } from '../runtime.js';
import { composeBackupStatus, composeBackups, composeFetchBackup, composeRunBackup } from './backups.js';
import { composeSource } from './dashboard-source.js';
import { composeTenantDatabase } from './database.js';
import { listContainers } from './engine.js';
import { logs } from './logs.js';
import { restartService } from './restart.js';
import { composeDestroyScope, composeFinalSnapshot } from './destroy.js';
import { down, type DownResult as ComposeDownResult } from './down.js';
import { status, TOOL_URL_FIELDS } from './status.js';
import { readAlerts } from '../alerts.js';
import { envNameFor } from './env-name.js';
import { up } from './up.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What `down` removed, counted: "4 containers, 1 network". */
function removedOf(r: ComposeDownResult): string[] {
  return [
    ...(r.containers.length ? [plural(r.containers.length, 'container')] : []),
    ...(r.networks.length ? [plural(r.networks.length, 'network')] : []),
    ...(r.volumes.length ? [plural(r.volumes.length, 'volume')] : []),
  ];
}

export function composeRuntime(request: RuntimeRequest, deps: RuntimeDeps): Runtime {
  let client: Promise<Docker> | undefined;
  const docker = (): Promise<Docker> =>
    (client ??= connectDocker(deps.env).catch((error: unknown) => {
      client = undefined;
      throw error;
    }));
  let name: Promise<string> | undefined;
  const envName = (): Promise<string> => (name ??= envNameFor(request, deps));
  const named = {
    ...(request.profile && { profile: request.profile }),
    ...(request.env && { env: request.env }),
  };

  const downAll = async (volumes: boolean): Promise<DownResult> => {
    const env = await envName();
    const result = await down(
      env,
      { volumes },
      { docker: await docker(), events: deps.events, env: deps.env, signal: deps.signal },
    );
    return { ...result, runtime: 'compose', removed: removedOf(result), kept: result.keptVolumes };
  };

  return {
    kind: 'compose',

    async up(options) {
      const result = await up({ ...named, ...options }, { ...deps, docker: await docker() });
      return { ...result, runtime: 'compose' };
    },

    down: (options) => downAll(options.volumes === true),

    async status() {
      const env = await envName();
      const client = await docker();
      const containers = await listContainers(client, env);
      const [result, backup] = await Promise.all([
        status(env, { docker: client, containers }),
        composeBackupStatus(containers, env, deps.env),
      ]);
      const monitoring = result.prometheusUrl ? await readAlerts(result.prometheusUrl) : undefined;
      return {
        ...result,
        ...(backup && { backup }),
        ...(monitoring && { monitoring }),
        runtime: 'compose',
        services: result.services.map((s) => ({ ...s, kind: s.role === 'job' ? 'Job' : 'container' })),
      };
    },

    async logs(options, sink) {
      const env = await envName();
      return logs(
        {
          env,
          follow: options.follow === true,
          ...(options.service && { service: options.service }),
          ...(options.since && { since: options.since }),
          ...(options.tail !== undefined && { tail: options.tail }),
        },
        { docker: await docker(), signal: deps.signal, onLine: (line) => sink.onLine(line) },
      );
    },

    async open(options = {}) {
      const env = await envName();
      const published = await status(env, { docker: await docker() });
      const { url } = published;
      const again = `\`omrs up${request.env ? ` --env ${request.env}` : ''}\``;
      const target = options.target ?? 'gateway';
      if (target !== 'gateway') {
        const tool = OPEN_TOOLS[target];
        const toolUrl = published[TOOL_URL_FIELDS[target]];
        if (!toolUrl)
          throw new OmrsError({
            code: 'ENV_NOT_RUNNING',
            message: `environment ${env} has no published ${tool.name}`,
            hint: `Set ${tool.settings} in its profile and run ${again}.`,
          });
        return { env, url: toolUrl, forwarding: false, close: async () => undefined };
      }
      if (!url)
        throw new OmrsError({
          code: 'ENV_NOT_RUNNING',
          message: `environment ${env} has no published gateway`,
          hint: `Start it with \`omrs up${request.env ? ` --env ${request.env}` : ''}\`; a profile with gateway.enabled: false has none.`,
        });
      return { env, url, forwarding: false, close: async () => undefined };
    },

    async restart(options) {
      return restartService(await envName(), options.service, {
        docker: await docker(),
        events: deps.events,
        signal: deps.signal,
        ...(options.kind && { kind: options.kind }),
        ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      });
    },

    async seedTarget(options) {
      const found = await composeTenantDatabase(await docker(), await envName(), options.tenant);
      return { ...found, release: async () => undefined };
    },

    async dashboardSource(options) {
      const profile = options.profile ?? request.profile;
      return composeSource(
        { name: await envName(), ...(profile && { profile }) },
        { docker: await docker(), bus: options.bus, env: deps.env, cwd: deps.cwd, signal: deps.signal },
      );
    },

    async destroyScope() {
      return composeDestroyScope(await docker(), await envName());
    },

    async finalSnapshot(scope, name) {
      return composeFinalSnapshot(await docker(), scope, name, deps);
    },

    destroy: () => downAll(true),

    async backups() {
      return composeBackups(await docker(), await envName(), deps.env);
    },

    async fetchBackup(id, tenant, file) {
      return composeFetchBackup(await docker(), await envName(), deps.env, { id, tenant, file });
    },

    async runBackup(options) {
      return composeRunBackup(await docker(), await envName(), { ...deps, timeoutMs: options.timeoutMs });
    },
  };
}

/** The monitoring tools `omrs open` opens on Docker: what each is called, and what runs it. */
const OPEN_TOOLS = {
  prometheus: { name: 'Prometheus', settings: 'monitoring.enabled: true' },
  logs: {
    name: 'log store',
    settings: 'monitoring.enabled: true (monitoring.logs.enabled is on by default)',
  },
  grafana: {
    name: 'Grafana',
    settings: 'monitoring.enabled: true (monitoring.grafana.enabled is on by default)',
  },
} as const satisfies Record<Exclude<OpenTarget, 'gateway'>, { name: string; settings: string }>;
