// After the backend is healthy: seed each tenant's database (profile.seed) through the db
// container's IP on the env network, with the tenant's own database user.
import type { EventSink } from '../../events/types.js';
import type { ServiceOutcome } from './converge.js';
import { backendDatabaseUrl, tenantOfBackend } from './database.js';
import type { Prepared } from './up.js';

export interface SeedStepDeps {
  events: EventSink;
  signal: AbortSignal;
}

export async function seedAfterUp(prepared: Prepared, outcomes: ServiceOutcome[], deps: SeedStepDeps): Promise<void> {
  const { seed, seedStatus, urlTarget, resolvePlan } = await import('../../seed/index.js');
  const { plan, profile } = prepared;
  for (const backend of plan.services.filter((s) => s.phase === 'backend')) {
    const env = backend.containers[0]!.env;
    const host = env.OMRS_DB_HOSTNAME;
    const dbService = plan.services.find((s) => host && s.aliases.includes(host));
    const ip = outcomes.find((o) => o.service === dbService?.name)?.ip ?? host;
    const url = ip ? backendDatabaseUrl(env, ip) : undefined;
    if (!url) {
      deps.events.emit({ type: 'warning', message: `cannot seed ${backend.name}: its database connection is not in OMRS_DB_* variables` });
      continue;
    }
    const tenant = tenantOfBackend(backend.name);
    const target = urlTarget(url);
    const request = { size: profile.seed.size, seed: profile.seed.seed, locale: profile.seed.locale, ...(profile.seed.counts && { counts: profile.seed.counts }) };
    const wantedPlan = resolvePlan(request);
    const status = await seedStatus(target);
    const done = status.runs.some((r) => r.status === 'done' && r.seed === wantedPlan.seed && r.size === wantedPlan.size && JSON.stringify(r.counts) === JSON.stringify(wantedPlan.counts));
    if (done) {
      deps.events.emit({ type: 'info', message: `${tenant}: already seeded (seed ${wantedPlan.seed}, ${wantedPlan.size})` });
      continue;
    }
    const result = await seed(target, { ...request, events: deps.events, signal: deps.signal });
    deps.events.emit({ type: 'info', message: `${tenant}: seeded ${result.rowsWritten} rows (${result.status})` });
  }
}
