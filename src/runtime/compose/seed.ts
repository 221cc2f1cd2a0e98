// The profile's seed step on Docker: each tenant's database, reached at the database container's
// IP on the environment's network, with the tenant's own login (compose/database.ts). Run by
// `omrs up` once the backends are healthy, and by the dashboard's `s` key.
import type { EventSink } from '../../events/types.js';
import type { Profile } from '../../profile/schema.js';
import type { Docker } from '../../platform/docker.js';
import { seedTenant } from '../../seed/index.js';
import { composeTenantDatabases } from './database.js';

/** One line per tenant: what seeding did. */
export async function seedComposeTenants(
  docker: Docker,
  env: string,
  settings: Profile['seed'],
  deps: { events: EventSink; signal: AbortSignal },
): Promise<string[]> {
  const lines: string[] = [];
  for (const [tenant, url] of [...(await composeTenantDatabases(docker, env))].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!url) {
      deps.events.emit({
        type: 'warning',
        message: `cannot seed ${tenant}: its database is not running or not in OMRS_DB_* variables`,
      });
      continue;
    }
    const line = await seedTenant(tenant, url, settings, deps);
    deps.events.emit({ type: 'info', message: line });
    lines.push(line);
  }
  return lines;
}
