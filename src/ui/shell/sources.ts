// The shell's data sources: profiles through the profile use cases, environments through the
// compose runtime (Docker) and the disposable environments' listing, each loaded on first use.
import { OmrsError, isOmrsError, type Problem } from '../../errors.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile } from '../../profile/index.js';
import { listProfiles } from '../../profile/load.js';
import { loadProjectConfig } from '../../profile/project-config.js';
import { formatLocation, formatPath } from '../errors.js';
import type { Docker } from '../../runtime/docker.js';
import type { DashboardSource } from '../dashboard/source.js';
import type { ViewStore } from '../progress-view.js';
import type { EnvironmentSummary, ShellSources } from './types.js';

export interface SourceDeps {
  cwd: string;
  env: Record<string, string | undefined>;
}

const MAX_PROBLEMS = 3;

/** Until runtimes exist there are no environments to list. */
export const noEnvironments = async (): Promise<EnvironmentSummary[]> => [];

export interface EnvironmentDeps extends SourceDeps {
  signal: AbortSignal;
}

/** What the shell opens when Enter is pressed on an environment: the dashboard's store and source. */
export interface OpenedEnvironment {
  store: ViewStore;
  source: DashboardSource;
  url?: string;
  close(): void;
}

const DISPOSABLE_TIMEOUT_MS = 5000;

/**
 * The environments the shell lists: compose environments (containers labelled omrs.dev/env on
 * the Docker engine) and the disposable ones on the cluster of the default profile, with the time
 * they have left. Docker, the kube client and the dashboard are loaded on first use.
 */
export function environmentSources(deps: EnvironmentDeps): {
  listEnvironments(): Promise<EnvironmentSummary[]>;
  dashboardFor(env: EnvironmentSummary): Promise<OpenedEnvironment>;
} {
  let client: Promise<Docker> | undefined;
  const docker = (): Promise<Docker> =>
    (client ??= (async () => {
      const { createDocker, pingDocker } = await import('../../runtime/docker.js');
      const created = await createDocker(deps.env);
      await pingDocker(created, deps.env);
      return created;
    })().catch((error: unknown) => {
      client = undefined;
      throw error;
    }));

  return {
    async listEnvironments() {
      const [compose, disposable] = await Promise.allSettled([
        composeEnvironments(await docker().catch(unreachable)),
        disposableEnvironments(deps),
      ]);
      const found = [
        ...(compose.status === 'fulfilled' ? compose.value : []),
        ...(disposable.status === 'fulfilled' ? disposable.value : []),
      ];
      // Docker's failure is the one to tell: the disposable ones need a cluster that may not be there.
      if (compose.status === 'rejected' && found.length === 0) throw compose.reason;
      if (compose.status === 'rejected')
        found.push({
          name: 'docker',
          profile: '-',
          runtime: 'compose',
          status: `not reachable: ${firstLine(compose.reason)}`,
        });
      return found;
    },
    async dashboardFor(env) {
      if (env.runtime !== 'compose')
        throw new OmrsError({
          code: 'DASHBOARD_UNSUPPORTED',
          message: `the dashboard shows compose environments; ${env.name} runs on ${env.runtime}`,
          hint: `\`omrs env ls\` and \`omrs status --env ${env.name} --runtime ${env.runtime}\` show it.`,
        });
      const [{ EventBus }, { createViewStore }, { composeSource }] = await Promise.all([
        import('../../events/bus.js'),
        import('../progress-view.js'),
        import('../dashboard/compose-source.js'),
      ]);
      const bus = new EventBus();
      const store = createViewStore(bus);
      const source = composeSource(
        { name: env.name },
        { docker: await docker(), bus, env: deps.env, cwd: deps.cwd, signal: deps.signal },
      );
      return {
        store,
        source,
        ...(env.url && { url: env.url }),
        close() {
          source.close?.();
          store.close();
        },
      };
    },
  };
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

function unreachable(error: unknown): never {
  throw new OmrsError({
    code: 'DOCKER_UNREACHABLE',
    message: `Docker is not reachable, so compose environments cannot be listed: ${firstLine(error)}`,
    hint: 'Start Docker (or set DOCKER_HOST) and open `omrs` again.',
    cause: error,
  });
}

async function composeEnvironments(docker: Docker): Promise<EnvironmentSummary[]> {
  const { LABEL } = await import('../../runtime/compose/names.js');
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.env] } });
  const byEnv = new Map<string, typeof containers>();
  for (const c of containers) {
    if (c.Labels[LABEL.role] === 'init' || c.Labels[LABEL.role] === 'job') continue;
    const name = c.Labels[LABEL.env]!;
    byEnv.set(name, [...(byEnv.get(name) ?? []), c]);
  }
  return [...byEnv.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => {
      const running = list.filter((c) => c.State === 'running').length;
      const port = list.flatMap((c) =>
        c.Ports.filter((p) => p.PublicPort && p.IP === '127.0.0.1').map((p) => p.PublicPort),
      )[0];
      return {
        name,
        profile: list[0]!.Labels[LABEL.profile] ?? '-',
        runtime: 'compose',
        status:
          running === list.length
            ? 'running'
            : running === 0
              ? 'stopped'
              : `${running}/${list.length} running`,
        ...(port !== undefined && { url: `http://localhost:${port}/openmrs/spa/` }),
      };
    });
}

/** The disposable environments with the time they have left; none when no cluster answers in time. */
async function disposableEnvironments(deps: EnvironmentDeps): Promise<EnvironmentSummary[]> {
  const [{ listEnvs }, { humanSeconds }, { discardEvents }] = await Promise.all([
    import('../../envs/index.js'),
    import('../../envs/names.js'),
    import('../../events/bus.js'),
  ]);
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(DISPOSABLE_TIMEOUT_MS)]);
  const list = await Promise.race([
    listEnvs({}, { env: deps.env, cwd: deps.cwd, events: discardEvents, signal, interactive: false }),
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('the cluster did not answer')), { once: true }),
    ),
  ]);
  return list.map((e) => ({
    name: e.name,
    profile: e.profile || '-',
    runtime: e.runtime,
    status: e.expiresInSeconds <= 0 ? 'expired' : `${e.state} · ${humanSeconds(e.expiresInSeconds)} left`,
    ...(e.url && { url: e.url }),
  }));
}

export function profileSources(deps: SourceDeps): Pick<ShellSources, 'listProfiles' | 'inspectProfile'> {
  return {
    async listProfiles() {
      const config = await loadProjectConfig(deps.cwd);
      return {
        folder: config.profilesDir,
        names: listProfiles(config.profilesDir),
        defaultProfile: config.defaultProfile,
      };
    },
    async inspectProfile(name) {
      try {
        const resolved = await openProfile(name, deps);
        return {
          ok: true,
          name: resolved.name,
          runtime: resolved.profile.runtime,
          appDigest: appDigest(resolved.profile),
          file: formatLocation(resolved.file, undefined, undefined, deps.cwd),
          ...(resolved.profile.description && { description: resolved.profile.description }),
        };
      } catch (error) {
        if (!isOmrsError(error)) throw error;
        const problems = error.problems.slice(0, MAX_PROBLEMS).map((p) => describeProblem(p, deps.cwd));
        if (error.problems.length > MAX_PROBLEMS)
          problems.push(`… and ${error.problems.length - MAX_PROBLEMS} more (omrs profile validate ${name})`);
        return { ok: false, name, error: error.message, problems, ...(error.hint && { hint: error.hint }) };
      }
    },
  };
}

function describeProblem(problem: Problem, cwd: string): string {
  const where = problem.location
    ? formatLocation(problem.location.file, problem.location.line, problem.location.column, cwd)
    : '';
  const path = problem.path && problem.path.length > 0 ? formatPath(problem.path) : '';
  return [[where, path].filter(Boolean).join(' '), problem.message].filter(Boolean).join(': ');
}
