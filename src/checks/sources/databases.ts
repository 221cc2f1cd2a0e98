// The databases the data-cleanup rules read: the one a URL names, or, for a URL that names only the
// server, every tenant database of the profile, each through its own connection (the rules read
// DATABASE()). A tenant database that does not exist yet has no data to clean: it is skipped.
import { OmrsError } from '../../errors.js';
import { namesDatabase, urlTarget } from '../../platform/database.js';
import type { Profile } from '../../profile/schema.js';
import { tenantValues } from '../../render/values.js';
import type { DatabaseContext } from '../rules/database.js';

export interface OpenDatabases {
  databases: { context: DatabaseContext; target: string; label?: string }[];
  skipped: string[];
  close(): Promise<void>;
}

/**
 * Opens the databases of `raw`: its own database when it names one and `everyTenant` is not set,
 * else each tenant's database of `tenants` on that server.
 */
export async function openDatabases(
  raw: string,
  tenants: Profile['tenants'] | undefined,
  everyTenant = false,
): Promise<OpenDatabases> {
  const named = namesDatabase(raw);
  const opened: OpenDatabases = { databases: [], skipped: [], close: async () => undefined };
  const connections: { end(): Promise<void> }[] = [];
  opened.close = async () => {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
  };
  try {
    if ((named && !everyTenant) || !tenants) {
      const target = urlTarget(raw);
      const conn = await target.connect();
      connections.push(conn);
      opened.databases.push({ context: { conn, database: target.database }, target: target.description });
      return opened;
    }
    for (const tenant of tenantValues(tenants)) {
      const target = urlTarget(withDatabase(raw, tenant.database));
      const conn = await target.connect().catch((error: unknown) => {
        if (error instanceof OmrsError && error.code === 'SEED_DB_MISSING') return undefined;
        throw error;
      });
      if (!conn) {
        opened.skipped.push(
          `${tenant.database} (tenant ${tenant.name}) does not exist yet: no data to clean`,
        );
        continue;
      }
      connections.push(conn);
      opened.databases.push({
        context: { conn, database: tenant.database },
        target: target.description,
        label: tenant.database,
      });
    }
    return opened;
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** The URL pointed at another database on the same server. */
function withDatabase(raw: string, database: string): string {
  const url = new URL(raw); // namesDatabase(raw) has refused a URL that does not parse
  url.pathname = `/${database}`;
  return url.toString();
}
