// The database of a tenant of an environment on a cluster, reached from this machine through a
// port-forward (pods/portforward, no kubectl) to a ready pod of the database Service the tenant's
// backend uses, with the backend's own login (OMRS_DB_* and its Secret). For `omrs seed --env` and
// `omrs db --env`; an external database (RDS) is not forwarded: pass its URL with --db instead.
import type { V1Deployment, V1EnvVar, V1Service } from '@kubernetes/client-node';
import { ExitCode, OmrsError } from '../../errors.js';
import { api, apiError, isNotFound, type KubeClient } from './client.js';
import type { EventSink } from '../../events/types.js';
import type { Target } from './connect.js';
import { snapshot } from '../../seed/snapshot.js';
import { forwardPort, readyPodOf } from './port-forward.js';

export interface ClusterDatabase {
  url: string;
  tenant: string;
  release(): Promise<void>;
}

async function envValue(
  client: KubeClient,
  namespace: string,
  v: V1EnvVar | undefined,
): Promise<string | undefined> {
  if (!v) return undefined;
  if (v.value !== undefined) return v.value;
  const ref = v.valueFrom?.secretKeyRef;
  const name = ref?.name;
  if (!ref || !name) return undefined;
  const secret = await api(`read Secret ${name}`, client.context, () =>
    client.core.readNamespacedSecret({ name, namespace }),
  );
  const data = secret.data?.[ref.key];
  return data === undefined ? secret.stringData?.[ref.key] : Buffer.from(data, 'base64').toString('utf8');
}

/** The tenants' backend Deployments of the release, by tenant name. */
/** What finding a tenant's database needs of a target (promote passes a colour's namespace). */
export type DatabaseTarget = Pick<Target, 'client' | 'namespace' | 'env' | 'runtime'>;

export async function clusterBackends(target: DatabaseTarget): Promise<Map<string, V1Deployment>> {
  const { client, namespace, env } = target;
  const deployments = await api('list backends', client.context, () =>
    client.apps.listNamespacedDeployment({
      namespace,
      labelSelector: `app.kubernetes.io/instance=${env},app.kubernetes.io/component=backend`,
    }),
  );
  return new Map(deployments.items.map((d) => [d.metadata?.labels?.['omrs.dev/tenant'] ?? 'default', d]));
}

/** The Service, or undefined when there is none of that name (other API errors are errors). */
async function serviceNamed(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<V1Service | undefined> {
  try {
    return await client.core.readNamespacedService({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw apiError(error, `read Service ${name}`, client.context);
  }
}

function pickBackend(
  byTenant: Map<string, V1Deployment>,
  env: string,
  tenant?: string,
): { tenant: string; backend: V1Deployment } {
  const chosen = tenant ?? (byTenant.size === 1 ? [...byTenant.keys()][0] : undefined);
  const backend = chosen === undefined ? undefined : byTenant.get(chosen);
  if (!backend || chosen === undefined)
    throw new OmrsError({
      code: byTenant.size === 0 ? 'ENV_NOT_FOUND' : 'SEED_BAD_TENANT',
      message:
        byTenant.size === 0
          ? `environment ${env} has no backend on the cluster`
          : tenant
            ? `environment ${env} has no tenant ${tenant}`
            : `environment ${env} has ${byTenant.size} tenants`,
      exitCode: ExitCode.usage,
      hint:
        byTenant.size === 0
          ? 'List the environments with `omrs env ls`; start one with `omrs up --runtime kube --env <name>`.'
          : `Pass --tenant with one of: ${[...byTenant.keys()].sort().join(', ')}.`,
    });
  return { tenant: chosen, backend };
}

/**
 * One tenant's database on an approved target (`wanted` may be omitted when there is one); pass
 * the release's backends when the caller has listed them already.
 */
export async function tenantDatabaseOf(
  target: DatabaseTarget,
  wanted: string | undefined,
  events: EventSink,
  backends?: Map<string, V1Deployment>,
): Promise<ClusterDatabase> {
  const { client, namespace, env } = target;
  const { tenant, backend } = pickBackend(backends ?? (await clusterBackends(target)), env, wanted);
  const vars = backend.spec?.template.spec?.containers[0]?.env ?? [];
  const get = (name: string) =>
    envValue(
      client,
      namespace,
      vars.find((v) => v.name === name),
    );
  const [host, port, database, user, password] = await Promise.all(
    ['OMRS_DB_HOSTNAME', 'OMRS_DB_PORT', 'OMRS_DB_NAME', 'OMRS_DB_USERNAME', 'OMRS_DB_PASSWORD'].map(get),
  );
  if (!host || !database || !user)
    throw new OmrsError({
      code: 'SEED_NO_TARGET',
      message: `the backend of tenant ${tenant} names no database in OMRS_DB_* variables`,
      exitCode: ExitCode.failed,
    });
  // The chart names the bundled database by its Service ("<release>-db", maybe with a DNS suffix).
  const serviceName = host.split('.')[0]!;
  const inNamespace =
    !host.includes('.') ||
    host === `${serviceName}.${namespace}` ||
    host.startsWith(`${serviceName}.${namespace}.`);
  const service = inNamespace ? await serviceNamed(client, namespace, serviceName) : undefined;
  if (!service?.spec?.selector)
    throw new OmrsError({
      code: 'SEED_EXTERNAL_DATABASE',
      message: `tenant ${tenant} uses a database outside namespace ${namespace} (${host})`,
      exitCode: ExitCode.usage,
      hint: 'Reach it from here and pass its URL: --db mysql://user:password@host:3306/database.',
    });
  const pod = await readyPodOf(client, namespace, service.spec.selector);
  if (!pod?.metadata?.name)
    throw new OmrsError({
      code: 'SEED_DB_NOT_RUNNING',
      message: `no ready database pod behind Service ${serviceName} in namespace ${namespace}`,
      exitCode: ExitCode.prerequisite,
      hint: `Check \`omrs status --runtime ${target.runtime} --env ${env}\`.`,
    });
  const forward = await forwardPort(
    client,
    { namespace, pod: pod.metadata.name, port: Number(port ?? 3306) },
    { onProblem: (message) => events.emit({ type: 'warning', message }) },
  );
  return {
    tenant,
    url: `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@127.0.0.1:${forward.port}/${database}`,
    release: forward.close,
  };
}

export interface DumpDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  events: EventSink;
}

/** Dumps the tenants' databases of one namespace under one snapshot name (port-forwarded). */
export async function dumpTenants(
  target: DatabaseTarget,
  tenants: string[],
  name: string,
  deps: DumpDeps,
): Promise<{ tenant: string; name: string; file: string; bytes: number }[]> {
  const backends = await clusterBackends(target);
  const dumps = [];
  for (const tenant of tenants) {
    const db = await tenantDatabaseOf(target, tenant, deps.events, backends);
    try {
      const r = await snapshot(db.url, name, { cwd: deps.cwd, env: deps.env, events: deps.events });
      dumps.push({ tenant, name, file: r.file, bytes: r.bytes });
    } finally {
      await db.release();
    }
  }
  return dumps;
}
