// `omrs destroy`: everything that carries an environment's label goes, after a typed confirmation
// and a final snapshot of each bundled database. The order keeps a refusal harmless: the scope is
// read and the infrastructure planned (when asked) before the question; nothing is removed before
// the snapshots are written; Terraform destroys last, once nothing runs on the cluster any more.
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import type { DestroyScope, FinalSnapshot, Runtime } from '../runtime/runtime.js';

/** The Terraform half, planned by the caller (src/promote/infra.ts), applied here last. */
export interface InfrastructureTeardown {
  root: string;
  /** terraform's own line: "Plan: 0 to add, 0 to change, 61 to destroy." */
  summary: string;
  apply(): Promise<void>;
}

export interface DestroyOptions {
  /** Shows the scope and asks for the environment's name (undefined: no one to ask). */
  confirm?: (scope: DestroyScope, infrastructure?: InfrastructureTeardown) => Promise<string | undefined>;
  /** --confirm <env>: the typed name, given up front (scripts). */
  confirmed?: string;
  /** --skip-snapshot: no final dump (a database that no longer runs). */
  skipSnapshot?: boolean;
  infrastructure?: () => Promise<InfrastructureTeardown>;
  /** UTC stamp of the snapshots' names (the clock of the command). */
  now: Date;
  signal: AbortSignal;
}

export interface DestroyResult {
  env: string;
  runtime: string;
  context?: string;
  /** Nothing carried the environment's label (and no infrastructure was asked for). */
  nothing: boolean;
  snapshots: FinalSnapshot[];
  removed: string[];
  kept: string[];
  infrastructure?: { root: string; summary: string; destroyed: boolean };
}

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

function refuseUnconfirmed(env: string, typed: string | undefined): never {
  throw new OmrsError({
    code: 'DESTROY_NOT_CONFIRMED',
    message:
      typed === undefined
        ? `destroying environment ${env} needs its name typed as confirmation`
        : `the confirmation "${typed}" is not the environment's name ${env}`,
    exitCode: ExitCode.usage,
    hint: `Run it in a terminal and type ${env}, or pass --confirm ${env}. Nothing was removed.`,
  });
}

export async function destroyEnvironment(runtime: Runtime, o: DestroyOptions): Promise<DestroyResult> {
  const scope = await runtime.destroyScope();
  const stopped = scope.databases.filter((d) => !d.running);
  if (stopped.length > 0 && !o.skipSnapshot)
    throw new OmrsError({
      code: 'DESTROY_DATABASE_STOPPED',
      message: `the database of ${stopped.map((d) => d.where).join(', ')} does not run, so no final snapshot can be taken`,
      exitCode: ExitCode.prerequisite,
      hint: `Start it with \`omrs up\` and run destroy again, or pass --skip-snapshot to lose its data. Nothing was removed.`,
    });
  const infrastructure = o.infrastructure ? await o.infrastructure() : undefined;
  const result: DestroyResult = {
    env: scope.env,
    runtime: scope.runtime,
    ...(scope.context && { context: scope.context }),
    nothing: scope.objects.length === 0 && !infrastructure,
    snapshots: [],
    removed: [],
    kept: scope.kept,
  };
  if (result.nothing) return result;

  const typed = o.confirmed ?? (o.confirm ? await o.confirm(scope, infrastructure) : undefined);
  if (typed?.trim() !== scope.env) refuseUnconfirmed(scope.env, typed);

  if (!o.skipSnapshot && scope.databases.length > 0)
    result.snapshots = await runtime.finalSnapshot(scope, `final-${stamp(o.now)}`);
  // A Ctrl-C during the snapshots: nothing is removed yet, and running destroy again starts over.
  if (o.signal.aborted) throw new InterruptedError('destroy');
  if (scope.objects.length > 0) {
    const down = await runtime.destroy(scope);
    result.removed = down.removed;
  }
  if (infrastructure) {
    result.infrastructure = { root: infrastructure.root, summary: infrastructure.summary, destroyed: false };
    await infrastructure.apply();
    result.infrastructure.destroyed = true;
  }
  return result;
}
