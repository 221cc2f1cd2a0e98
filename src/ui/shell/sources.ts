// The shell's data sources: profiles through the profile use cases, environments through the
// compose runtime (Docker) and the cluster of the default profile, each loaded on first use.
import { OmrsError, isOmrsError, type Problem } from '../../errors.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile } from '../../profile/index.js';
import { listProfiles } from '../../profile/load.js';
import { loadProjectConfig } from '../../profile/project-config.js';
import { formatLocation, formatPath } from '../errors.js';
import type { Docker } from '../../platform/docker.js';
import { firstLine } from '../../runtime/dashboard-common.js';
import type { EnvironmentSummary, OpenedEnvironment, ShellSources } from './types.js';
import { openedEnvironment } from './opened.js';

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

/**
 * The environments the shell lists: compose environments (containers labelled omrs.dev/env on
 * the Docker engine) and those on the cluster of the default profile, the disposable ones with
 * their expiry. Docker, the kube client and the dashboard are loaded on first use.
 */
export function environmentSources(deps: EnvironmentDeps): {
  listEnvironments(): Promise<EnvironmentSummary[]>;
  dashboardFor(env: EnvironmentSummary): Promise<OpenedEnvironment>;
} {
  let client: Promise<Docker> | undefined;
  const docker = (): Promise<Docker> =>
    (client ??= import('../../platform/docker.js')
      .then(({ connectDocker }) => connectDocker(deps.env))
      .catch((error: unknown) => {
        client = undefined;
        throw error;
      }));

  return {
    async listEnvironments() {
      const [compose, cluster] = await Promise.allSettled([
        composeEnvironments(await docker().catch(unreachable), deps),
        import('./cluster-environments.js').then((m) => m.clusterEnvironments(deps)),
      ]);
      const found = [
        ...(compose.status === 'fulfilled' ? compose.value : []),
        ...(cluster.status === 'fulfilled' ? cluster.value : []),
      ];
      // Docker's failure is the one to tell: the cluster ones need a cluster that may not be there.
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
      // The runtime it was listed on (on a cluster, in the namespace it was listed in).
      const [{ selectRuntime }, { discardEvents }] = await Promise.all([
        import('../../runtime/select.js'),
        import('../../events/bus.js'),
      ]);
      const runtime = await selectRuntime(
        { env: env.name, runtime: env.runtime },
        { cwd: deps.cwd, env: deps.env, events: discardEvents, signal: deps.signal, interactive: false },
      );
      return openedEnvironment(
        (bus) => runtime.dashboardSource({ bus, ...(env.namespace && { namespace: env.namespace }) }),
        env.url,
      );
    },
  };
}

function unreachable(error: unknown): never {
  throw new OmrsError({
    code: 'DOCKER_UNREACHABLE',
    message: `Docker is not reachable, so compose environments cannot be listed: ${firstLine(error)}`,
    hint: 'Start Docker (or set DOCKER_HOST) and open `omrs` again.',
    cause: error,
  });
}

async function composeEnvironments(docker: Docker, deps: EnvironmentDeps): Promise<EnvironmentSummary[]> {
  const [{ LABEL }, { listComposeEnvs }, { discardEvents }] = await Promise.all([
    import('../../runtime/compose/names.js'),
    import('../../envs/compose.js'),
    import('../../events/bus.js'),
  ]);
  const now = Date.now();
  const [containers, disposable] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [LABEL.env] } }),
    // What `omrs env ls` reads: the record `env extend` rewrites wins over the network's label.
    listComposeEnvs({ ...deps, docker, events: discardEvents, now: () => now }),
  ]);
  // Disposable environments count down to their expiry: the TTL countdown.
  const expiresAt = new Map(
    disposable.flatMap((e) => (e.expires === null ? [] : [[e.name, Date.parse(e.expires)] as const])),
  );
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
        ...(expiresAt.has(name) && { expiresAt: expiresAt.get(name)! }),
      };
    });
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
