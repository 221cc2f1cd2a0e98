// `omrs env create --from-snapshot <name>`: a disposable environment whose tenant databases are
// loaded from snapshots (`omrs db snapshot <name>`, or destroy's final ones) instead of seeded.
// The files are checked before anything is created; the environment comes up without its seed
// step, each tenant's database is restored through the runtime's way to it (a port-forward on
// clusters), then the backends start on the restored data. On a cluster the environment comes up
// without backends and a second up starts them, once; on Docker the restore needs the backend
// containers (they carry the tenants' logins), so they run first and restart after it.
import { existsSync } from 'node:fs';
import { ExitCode, OmrsError } from '../errors.js';
import { openProfile, type ProfileDeps } from '../profile/index.js';
import { tenantValues } from '../render/values.js';
import type { Runtime, RuntimeDeps } from '../runtime/runtime.js';
import { restore, snapshotPath } from '../seed/snapshot.js';

/** The tenants of the profile, refused before any work when a snapshot file is missing. */
export async function snapshotTenants(
  profile: string | undefined,
  name: string,
  deps: ProfileDeps,
): Promise<string[]> {
  const { profile: p } = await openProfile(profile, deps);
  const tenants = tenantValues(p.tenants);
  const missing = tenants
    .map((t) => snapshotPath(deps.cwd, t.database, name))
    .filter((file) => !existsSync(file));
  if (missing.length > 0)
    throw new OmrsError({
      code: 'SNAPSHOT_NOT_FOUND',
      message: `no snapshot "${name}" for ${missing.length === 1 ? 'the database' : 'the databases'} of the profile: ${missing.join(', ')}`,
      exitCode: ExitCode.usage,
      hint: `Take one from a seeded environment: omrs db snapshot ${name} --env <env> [--tenant t]. Nothing was created.`,
    });
  return tenants.map((t) => t.name);
}

/**
 * Loads the snapshot into each tenant's database of the new environment, then starts its backends:
 * `up` when the environment was created without them, else a restart of each.
 */
export async function restoreTenants(
  runtime: Runtime,
  tenants: string[],
  name: string,
  deps: Pick<RuntimeDeps, 'cwd' | 'env' | 'events'>,
  backendsRunning: boolean,
): Promise<void> {
  for (const tenant of tenants) {
    const target = await runtime.seedTarget({ tenant });
    try {
      await restore(target.url, name, { cwd: deps.cwd, env: deps.env, events: deps.events });
    } finally {
      await target.release();
    }
  }
  if (!backendsRunning) {
    // The profile's own replicas: the backends start, once, on the restored databases.
    await runtime.up({ seed: false });
    return;
  }
  // Nothing a backend read before the restore may stay.
  for (const tenant of tenants) {
    const r = await runtime.restart({ service: `backend-${tenant}` });
    if (!r.ready)
      throw new OmrsError({
        code: 'ENV_RESTORE_NOT_READY',
        message: `backend-${tenant} did not become ready after the restore: ${r.detail}`,
        exitCode: ExitCode.failed,
      });
  }
}
