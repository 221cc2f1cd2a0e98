// omrs seed --status: the runs in the ledger, with rows per table; read without the seeders' lock,
// so a running seed shows what it has committed so far.
import { ledgerExists, listRuns, runTotals, type RunStatus } from './ledger.js';
import { withSession } from './session.js';
import type { SeedTarget } from '../platform/database.js';

export interface RunSummary {
  runId: string;
  status: RunStatus;
  seed: number;
  size: string;
  tenant: string | null;
  counts: Record<string, number>;
  createdAt: string;
  finishedAt: string | null;
  chunks: number;
  tables: Record<string, number>;
  rows: number;
}

export async function seedStatus(target: SeedTarget): Promise<{ target: string; runs: RunSummary[] }> {
  return withSession(
    target,
    async ({ conn }) => {
      if (!(await ledgerExists(conn))) return { target: target.description, runs: [] };
      const runs: RunSummary[] = [];
      for (const run of await listRuns(conn)) {
        const tables = await runTotals(conn, run.runId);
        runs.push({
          runId: run.runId,
          status: run.status,
          seed: run.seed,
          size: run.size,
          tenant: run.tenant,
          counts: { ...run.plan.counts },
          createdAt: run.createdAt,
          finishedAt: run.finishedAt,
          chunks: run.plan.chunks,
          tables,
          rows: Object.values(tables).reduce((a, b) => a + b, 0),
        });
      }
      return { target: target.description, runs };
    },
    { readOnly: true },
  );
}
