// Which database `omrs seed` and `omrs db` work on: --db (or $OMRS_DB_URL), else the database of
// a tenant of a running environment (--env), found through the runtime that runs it.
import { ExitCode, OmrsError } from '../../errors.js';
import type { Output } from '../../ui/output.js';
import type { CliContext } from '../context.js';
import { runtimeOf, type RuntimeOpts } from './cluster-runtime.js';

export interface DatabaseFlags extends RuntimeOpts {
  db?: string;
  tenant?: string;
}

export interface DatabaseTarget {
  url: string;
  /** The tenant whose database this is, when it came from an environment. */
  tenant?: string;
  /** Ends what reaching the database needed (a port-forward); idempotent. */
  release(): Promise<void>;
}

const nothingToRelease = async () => undefined;

export async function databaseTarget(
  flags: DatabaseFlags,
  ctx: CliContext,
  out: Output,
): Promise<DatabaseTarget> {
  const url = flags.db ?? (flags.env ? undefined : ctx.io.env.OMRS_DB_URL);
  if (url) {
    // Refused here, before any work, with the password masked (parseDbUrl builds the message).
    const { parseDbUrl } = await import('../../platform/database.js');
    parseDbUrl(url, flags.tenant);
    return { url, release: nothingToRelease };
  }
  if (!flags.env)
    throw new OmrsError({
      code: 'SEED_NO_TARGET',
      message: 'no database given',
      hint: 'Pass --env <environment> (a running one), --db mysql://user:password@host:3306/openmrs, or set OMRS_DB_URL.',
      exitCode: ExitCode.usage,
    });
  const runtime = await runtimeOf(flags, out, ctx);
  return runtime.seedTarget({ ...(flags.tenant && { tenant: flags.tenant }) });
}
