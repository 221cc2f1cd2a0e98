// The profile's seed step for one tenant's database, as `omrs up`, `omrs env create` and the
// dashboard run it on every runtime: the profile's plan, once (the same plan again adds nothing).
import type { EventSink } from '../events/types.js';
import type { Profile } from '../profile/schema.js';
import { seed } from './run.js';
import { urlTarget } from '../platform/database.js';

/** Seeds `url` with the profile's seed settings; answers one line for the user. */
export async function seedTenant(
  tenant: string,
  url: string,
  settings: Profile['seed'],
  deps: { events: EventSink; signal: AbortSignal },
): Promise<string> {
  const result = await seed(urlTarget(url), {
    size: settings.size,
    seed: settings.seed,
    locale: settings.locale,
    ...(settings.counts && { counts: settings.counts }),
    events: deps.events,
    signal: deps.signal,
  });
  return result.status === 'already-seeded'
    ? `${tenant}: already seeded (seed ${result.seed}, ${result.size})`
    : `${tenant}: seeded ${result.rowsWritten} rows (seed ${result.seed}, ${result.size})`;
}
