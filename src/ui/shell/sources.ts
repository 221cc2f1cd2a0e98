// The shell's profile data source, backed by the real profile use cases.
import { isOmrsError, type Problem } from '../../errors.js';
import { appDigest } from '../../profile/digest.js';
import { openProfile } from '../../profile/index.js';
import { listProfiles } from '../../profile/load.js';
import { loadProjectConfig } from '../../profile/project-config.js';
import { formatLocation, formatPath } from '../errors.js';
import type { EnvironmentSummary, ShellSources } from './types.js';

export interface SourceDeps {
  cwd: string;
  env: Record<string, string | undefined>;
}

const MAX_PROBLEMS = 3;

/** Until runtimes exist there are no environments to list. */
export const noEnvironments = async (): Promise<EnvironmentSummary[]> => [];

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
