// The profile's seed step on a cluster environment: each tenant's database, reached through a
// port-forward to its database pod, gets the profile's test data (once: the same plan again adds
// nothing). Run by `omrs up --runtime kube`, `omrs env create` and the dashboard's `s` key.
import { step } from '../../events/bus.js';
import type { EventSink } from '../../events/types.js';
import type { Target } from './connect.js';
import { seedTenant } from '../../seed/index.js';
import { clusterBackends, tenantDatabaseOf } from './database.js';

/** One line per tenant: what seeding did. */
export async function seedTenants(
  target: Target,
  deps: { events: EventSink; signal: AbortSignal },
): Promise<string[]> {
  const lines: string[] = [];
  const backends = await clusterBackends(target);
  for (const tenant of [...backends.keys()].sort()) {
    const database = await tenantDatabaseOf(target, tenant, deps.events, backends);
    try {
      const line = await step(deps.events, `seed-${tenant}`, `seed tenant ${tenant}`, () =>
        seedTenant(tenant, database.url, target.resolved.profile.seed, deps),
      );
      deps.events.emit({ type: 'info', message: line });
      lines.push(line);
    } finally {
      await database.release();
    }
  }
  return lines;
}
