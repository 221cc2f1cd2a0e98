// The profile's seed step on a cluster environment: each tenant's database, reached through a
// port-forward to its database pod, gets the profile's test data (once: the same plan again adds
// nothing). Run by `omrs up --runtime kube`, `omrs env create` and the dashboard's `s` key.
import { step } from '../../events/bus.js';
import type { EventSink } from '../../events/types.js';
import type { Target } from './connect.js';
import { clusterTenants, tenantDatabaseOf } from './database.js';

/** One line per tenant: what seeding did. */
export async function seedTenants(
  target: Target,
  deps: { events: EventSink; signal: AbortSignal },
): Promise<string[]> {
  const { seed, urlTarget } = await import('../../seed/index.js');
  const plan = target.resolved.profile.seed;
  const lines: string[] = [];
  for (const tenant of await clusterTenants(target)) {
    const database = await tenantDatabaseOf(target, tenant, deps.events);
    try {
      const result = await step(deps.events, `seed-${tenant}`, `seed tenant ${tenant}`, () =>
        seed(urlTarget(database.url), {
          size: plan.size,
          seed: plan.seed,
          locale: plan.locale,
          ...(plan.counts && { counts: plan.counts }),
          events: deps.events,
          signal: deps.signal,
        }),
      );
      lines.push(
        result.status === 'already-seeded'
          ? `${tenant}: already seeded (seed ${result.seed}, ${result.size})`
          : `${tenant}: seeded ${result.rowsWritten} rows (seed ${result.seed}, ${result.size})`,
      );
    } finally {
      await database.release();
    }
  }
  for (const line of lines) deps.events.emit({ type: 'info', message: line });
  return lines;
}
