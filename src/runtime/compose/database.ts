// The database of a tenant of a running compose environment, as a mysql:// URL this machine can
// reach: the tenant backend's OMRS_DB_* variables, with the database container's IP on the
// environment's network in place of its alias. Used by `omrs seed --env` and `omrs db --env`.
import { ExitCode, OmrsError } from '../../errors.js';
import type { Docker } from '../../platform/docker.js';
import { listContainers } from './engine.js';
import { LABEL, networkName } from './names.js';

/** The URL of the database a backend's OMRS_DB_* variables name, reached at `host`. */
function backendDatabaseUrl(vars: Record<string, string | undefined>, host: string): string | undefined {
  const { OMRS_DB_USERNAME: user, OMRS_DB_PASSWORD: password = '', OMRS_DB_NAME: database } = vars;
  if (!user || !database) return undefined;
  return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${vars.OMRS_DB_PORT ?? '3306'}/${database}`;
}

const tenantOfBackend = (service: string): string => service.replace(/^backend-/, '');

const envVars = (list: string[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/**
 * Every tenant of the environment with the URL of its database (undefined while the database
 * container does not run, or when the backend names no database).
 */
export async function composeTenantDatabases(
  docker: Docker,
  env: string,
): Promise<Map<string, string | undefined>> {
  const containers = (await listContainers(docker, env)).filter((c) => c.Labels[LABEL.role] === 'main');
  if (containers.length === 0)
    throw new OmrsError({
      code: 'ENV_NOT_FOUND',
      message: `no environment ${env} on this Docker engine`,
      exitCode: ExitCode.usage,
      hint: 'List them with `omrs status` or `omrs env ls`; start it with `omrs up --env <name>`.',
    });
  // Aliases and the environment variables are only in the inspect output, not in the list.
  const network = networkName(env);
  const inspected = await Promise.all(containers.map((c) => docker.getContainer(c.Id).inspect()));
  const ipOf = (host: string | undefined) =>
    inspected.find(
      (i) =>
        i.State.Running &&
        host !== undefined &&
        i.NetworkSettings.Networks?.[network]?.Aliases?.includes(host),
    )?.NetworkSettings.Networks?.[network]?.IPAddress;
  const databases = new Map<string, string | undefined>();
  for (const backend of inspected) {
    const service = backend.Config.Labels?.[LABEL.service];
    if (!service?.startsWith('backend-')) continue;
    const vars = envVars(backend.Config.Env);
    const ip = ipOf(vars.OMRS_DB_HOSTNAME);
    databases.set(tenantOfBackend(service), ip ? backendDatabaseUrl(vars, ip) : undefined);
  }
  return databases;
}

/** The URL of one tenant's database; `tenant` may be omitted when the environment has one. */
export async function composeTenantDatabase(
  docker: Docker,
  env: string,
  tenant?: string,
): Promise<{ tenant: string; url: string }> {
  const databases = await composeTenantDatabases(docker, env);
  const chosen = tenant ?? (databases.size === 1 ? [...databases.keys()][0] : undefined);
  if (chosen === undefined || !databases.has(chosen))
    throw new OmrsError({
      code: 'SEED_BAD_TENANT',
      message: tenant
        ? `environment ${env} has no tenant ${tenant}`
        : `environment ${env} has ${databases.size} tenants`,
      exitCode: ExitCode.usage,
      hint: `Pass --tenant with one of: ${[...databases.keys()].sort().join(', ') || '(none: no backend container)'}.`,
    });
  const url = databases.get(chosen);
  if (!url)
    throw new OmrsError({
      code: 'SEED_DB_NOT_RUNNING',
      message: `the database of tenant ${chosen} in environment ${env} is not running`,
      exitCode: ExitCode.prerequisite,
      hint: `Start it with \`omrs up --env ${env}\`.`,
    });
  return { tenant: chosen, url };
}
