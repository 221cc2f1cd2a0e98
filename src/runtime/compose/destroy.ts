// `omrs destroy` on Docker: what carries the environment's label (containers, its network, its
// volumes), and a final dump of each tenant's database while its container runs.
import type { Docker } from '../../platform/docker.js';
import type { EventSink } from '../../events/types.js';
import { snapshot } from '../../seed/snapshot.js';
import type { DestroyScope, FinalSnapshot } from '../runtime.js';
import { composeTenantDatabases } from './database.js';
import { envFilter, listContainers } from './engine.js';
import { LABEL } from './names.js';

export async function composeDestroyScope(docker: Docker, env: string): Promise<DestroyScope> {
  const filter = envFilter(env);
  const [containers, networks, volumes] = await Promise.all([
    listContainers(docker, env),
    docker.listNetworks({ filters: filter }),
    docker.listVolumes({ filters: filter }),
  ]);
  const databases = containers.some((c) => c.Labels[LABEL.role] === 'main')
    ? await composeTenantDatabases(docker, env)
    : new Map<string, string | undefined>();
  const tenants = [...databases.keys()].sort();
  const hasVolumes = (volumes.Volumes ?? []).length > 0;
  return {
    env,
    runtime: 'compose',
    objects: [
      ...containers.map((c) => `container ${c.Names[0]!.replace(/^\//, '')}`).sort(),
      ...networks.map((n) => `network ${n.Name}`).sort(),
      ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`).sort(),
    ],
    // Volumes without containers (after `omrs down`) hold a database no container serves.
    databases:
      tenants.length > 0 || hasVolumes
        ? [{ where: env, tenants, running: tenants.length > 0 && tenants.every((t) => databases.get(t)) }]
        : [],
    kept: [],
  };
}

export async function composeFinalSnapshot(
  docker: Docker,
  scope: DestroyScope,
  name: string,
  deps: { cwd: string; env: Record<string, string | undefined>; events: EventSink },
): Promise<FinalSnapshot[]> {
  const urls = await composeTenantDatabases(docker, scope.env);
  const out: FinalSnapshot[] = [];
  for (const place of scope.databases)
    for (const tenant of place.tenants) {
      const url = urls.get(tenant);
      if (!url) continue;
      const r = await snapshot(url, `${name}-${place.where}`, deps);
      out.push({ where: place.where, tenant, name: r.name, file: r.file, bytes: r.bytes });
    }
  return out;
}
