// A bundled database lives inside its colour (a StatefulSet per colour namespace), so no RDS
// snapshot covers it. Before the idle colour is deployed, promote dumps the live colour's tenant
// databases (mariadb-dump through a port-forward, the code of `omrs db snapshot`) into the records
// folder; `omrs rollback --restore-database` loads them back into that colour, and restarts its
// backends, before traffic returns to it. Dumps hold password hashes: 0600 files (seed/snapshot.ts).
import { ExitCode, OmrsError } from '../errors.js';
import type { EventSink } from '../events/types.js';
import type { Profile } from '../profile/schema.js';
import type { KubeClient } from '../runtime/kube/client.js';
import {
  clusterBackends,
  dumpTenants,
  tenantDatabaseOf,
  type DatabaseTarget,
} from '../runtime/kube/database.js';
import { rolloutRestart } from '../runtime/kube/restart.js';
import { restore } from '../seed/snapshot.js';

export interface DatabaseDump {
  tenant: string;
  /** The snapshot name (`omrs db restore <name>` takes it too). */
  name: string;
  file: string;
  bytes: number;
}

export interface ColourDatabases {
  client: KubeClient;
  /** The colour's namespace. */
  namespace: string;
  release: string;
  runtime: Profile['runtime'];
  /** Where the dumps go: `<dir>/.omrs/snapshots/<database>/<name>.sql.gz`. */
  dir: string;
  env: Record<string, string | undefined>;
  events: EventSink;
}

const targetOf = (c: ColourDatabases): DatabaseTarget => ({
  client: c.client,
  namespace: c.namespace,
  env: c.release,
  runtime: c.runtime,
});

/** Dumps every tenant's database of the colour under one snapshot name. */
export const dumpColour = (c: ColourDatabases, tenants: string[], name: string): Promise<DatabaseDump[]> =>
  dumpTenants(targetOf(c), tenants, name, { cwd: c.dir, env: c.env, events: c.events });

/** Loads the dumps back into the colour's databases, then restarts its backends (ready again). */
export async function restoreColour(
  c: ColourDatabases,
  dumps: Pick<DatabaseDump, 'tenant' | 'name'>[],
  signal: AbortSignal,
): Promise<void> {
  const target = targetOf(c);
  const backends = await clusterBackends(target);
  for (const dump of dumps) {
    const db = await tenantDatabaseOf(target, dump.tenant, c.events, backends);
    try {
      await restore(db.url, dump.name, { cwd: c.dir, env: c.env, events: c.events });
    } finally {
      await db.release();
    }
  }
  // The backends cached what the database held before: roll them so they read the restored data.
  for (const deployment of backends.values()) {
    const name = deployment.metadata!.name!;
    const r = await rolloutRestart(target, { kind: 'Deployment', name }, { events: c.events, signal });
    if (!r.ready)
      throw new OmrsError({
        code: 'ROLLBACK_TARGET_NOT_READY',
        message: `${c.namespace}/${name} did not become ready after the restore (${r.detail}); traffic was not switched`,
        exitCode: ExitCode.failed,
      });
  }
}
