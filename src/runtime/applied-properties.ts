// What `omrs status` says of the profile's openmrs.globalProperties: read back from each tenant's
// global_property table (where the backend applied them at start), through the runtime's way to the
// database (a port-forward on clusters). A property the backend has not applied yet, or whose value
// someone changed since, is named (never its value: one may be a secret).
import { urlTarget } from '../platform/database.js';
import type { Runtime, StatusResult } from './runtime.js';

/** Per tenant: how many of the profile's properties hold the profile's value; which differ (values
 * are not shown: one may be a secret) or have no row; why the database could not be read. */
export type AppliedProperties = NonNullable<StatusResult['globalProperties']>[number];

/** Healthy backends' tenants: services are "backend-<tenant>" on Docker, "<env>-backend-<tenant>" on a cluster. */
const backendTenants = (status: StatusResult): string[] =>
  status.services
    .filter((s) => s.health === 'healthy')
    .map((s) => (s.name.startsWith(`${status.env}-`) ? s.name.slice(status.env.length + 1) : s.name))
    .filter((name) => name.startsWith('backend-'))
    .map((name) => name.slice('backend-'.length));

export async function appliedGlobalProperties(
  runtime: Runtime,
  status: StatusResult,
  wanted: Record<string, string>,
): Promise<AppliedProperties[]> {
  const names = Object.keys(wanted);
  if (!status.exists || names.length === 0) return [];
  const out: AppliedProperties[] = [];
  for (const tenant of backendTenants(status)) {
    let release: (() => Promise<void>) | undefined;
    try {
      const target = await runtime.seedTarget({ tenant });
      release = target.release;
      const conn = await urlTarget(target.url).connect();
      try {
        const [rows] = await conn.query(
          'SELECT property, property_value FROM global_property WHERE property IN (?)',
          [names],
        );
        const have = new Map(
          (rows as { property: string; property_value: string | null }[]).map((r) => [
            r.property,
            r.property_value,
          ]),
        );
        const missing = names.filter((n) => !have.has(n));
        const differ = names.filter((n) => have.has(n) && have.get(n) !== wanted[n]);
        out.push({ tenant, applied: names.length - differ.length - missing.length, differ, missing });
      } finally {
        await conn.end();
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      out.push({ tenant, applied: 0, differ: [], missing: [], error: reason });
    } finally {
      await release?.();
    }
  }
  return out;
}
