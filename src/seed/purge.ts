// Purge: removes exactly the rows the ledger says a run wrote, chunk by chunk in reverse order
// (users, patient chunks newest first, reference data last), each chunk in one transaction with
// the removal of its ledger rows, so an interrupted purge also resumes cleanly.
import type { EventSink } from '../events/types.js';
import { discardEvents, step } from '../events/bus.js';
import { ExitCode, InterruptedError, OmrsError } from '../errors.js';
import {
  LEDGER_TABLE,
  ledgerExists,
  listRuns,
  runEntries,
  setRunStatus,
  SETUP_CHUNK,
  USERS_CHUNK,
  type LedgerEntry,
  type RunHeader,
} from './ledger.js';
import { withSession, type Session } from './session.js';
import { INSERT_ORDER, TABLES } from './tables.js';
import type { SeedTarget } from '../platform/database.js';
import { quoteId } from './writer.js';

export interface PurgeResult {
  target: string;
  runs: { runId: string; seed: number; size: string; deleted: Record<string, number>; keptShared: number }[];
}

const LIVE = new Set(['running', 'failed', 'done', 'purging']);

export async function purge(
  target: SeedTarget,
  options: { runId?: string; events?: EventSink; signal?: AbortSignal } = {},
): Promise<PurgeResult> {
  const events = options.events ?? discardEvents;
  return withSession(target, async (session) => {
    const out: PurgeResult = { target: target.description, runs: [] };
    if (!(await ledgerExists(session.conn))) return out;
    const runs = await listRuns(session.conn);
    let chosen = runs.filter((r) => LIVE.has(r.status));
    if (options.runId) {
      const run = runs.find((r) => r.runId === options.runId || r.runId.startsWith(options.runId!));
      if (!run)
        throw new OmrsError({
          code: 'SEED_UNKNOWN_RUN',
          message: `no seed run ${options.runId} in ${target.description}`,
          hint: 'omrs seed --status lists the runs.',
          exitCode: ExitCode.usage,
        });
      if (!LIVE.has(run.status))
        throw new OmrsError({
          code: 'SEED_RUN_GONE',
          message: `seed run ${run.runId} is already ${run.status}`,
          exitCode: ExitCode.usage,
        });
      chosen = [run];
    }
    for (const run of [...chosen].reverse()) {
      const result = await step(
        events,
        `seed:purge:${run.runId}`,
        `purge run ${run.runId.slice(0, 8)} (seed ${run.seed}, ${run.size})`,
        () => purgeRun(session, run, 'purged', events, options.signal),
      );
      out.runs.push({ runId: run.runId, seed: run.seed, size: run.size, ...result });
    }
    return out;
  });
}

/** Deletes a run's rows; reference rows still used by another live run are handed over to it. */
export async function purgeRun(
  session: Session,
  run: RunHeader,
  finalStatus: 'purged' | 'rolled-back',
  events: EventSink = discardEvents,
  signal?: AbortSignal,
): Promise<{ deleted: Record<string, number>; keptShared: number }> {
  const { conn } = session;
  // From here until the last chunk is gone the run is neither whole nor removed.
  await setRunStatus(conn, run.runId, 'purging');
  const entries = await runEntries(conn, run.runId);
  const byChunk = new Map<number, LedgerEntry[]>();
  for (const e of entries) byChunk.set(e.chunk, [...(byChunk.get(e.chunk) ?? []), e]);
  const order = [...byChunk.keys()].sort((a, b) => rank(b) - rank(a));
  const deleted: Record<string, number> = {};
  let keptShared = 0;
  const total = entries.length;
  let doneEntries = 0;
  for (const chunk of order) {
    if (signal?.aborted) throw new InterruptedError('purge');
    const list = byChunk
      .get(chunk)!
      .sort((a, b) => INSERT_ORDER.indexOf(b.table) - INSERT_ORDER.indexOf(a.table));
    const counts: Record<string, number> = {};
    try {
      await conn.query('START TRANSACTION');
      for (const e of list) {
        const n = await deleteEntry(session, e);
        counts[e.table] = (counts[e.table] ?? 0) + n;
      }
      await conn.query(`DELETE FROM ${LEDGER_TABLE} WHERE run_id = ? AND chunk = ?`, [run.runId, chunk]);
      await conn.query('COMMIT');
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined);
      const referenced = (error as { errno?: number }).errno === 1451;
      const heir = (await listRuns(conn))
        .filter(
          (r) =>
            r.runId !== run.runId && (r.status === 'done' || r.status === 'running' || r.status === 'failed'),
        )
        .at(-1);
      if (referenced && chunk === SETUP_CHUNK && heir) {
        // Another run reuses these types/concepts/staff: they become that run's to purge.
        await conn.query(
          `UPDATE ${LEDGER_TABLE} SET run_id = ?, run_key = ? WHERE run_id = ? AND chunk = ?`,
          [heir.runId, heir.runKey, run.runId, chunk],
        );
        keptShared += list.reduce((n, e) => n + e.rowCount, 0);
        events.emit({
          type: 'info',
          message: `kept ${keptShared} reference rows that run ${heir.runId.slice(0, 8)} still uses; they are purged with it`,
        });
        continue;
      }
      if (referenced)
        throw new OmrsError({
          code: 'SEED_PURGE_REFERENCED',
          message: `cannot purge run ${run.runId}: rows created outside the seeder reference seeded rows (${(error as Error).message})`,
          hint: 'Delete or re-point those rows first (they use seeded patients, types or concepts), then purge again.',
          exitCode: ExitCode.failed,
          cause: error,
        });
      throw error;
    }
    for (const [t, n] of Object.entries(counts)) deleted[t] = (deleted[t] ?? 0) + n;
    doneEntries += list.length;
    events.emit({
      type: 'progress',
      step: `seed:purge:${run.runId}`,
      current: doneEntries,
      total,
      unit: 'ranges',
    });
  }
  await setRunStatus(conn, run.runId, finalStatus);
  return { deleted, keptShared };
}

/** Users first, then patient chunks newest first, reference data last. */
function rank(chunk: number): number {
  if (chunk === USERS_CHUNK) return Number.MAX_SAFE_INTEGER;
  if (chunk === SETUP_CHUNK) return -1;
  return chunk;
}

async function deleteEntry(session: Session, e: LedgerEntry): Promise<number> {
  const table = quoteId(e.table);
  if (e.keyValues) {
    if (e.keyValues.length === 0) return 0;
    const [res] = await session.conn.query(
      `DELETE FROM ${table} WHERE ${quoteId(TABLES[e.table].key)} IN (?)`,
      [e.keyValues],
    );
    return (res as { affectedRows: number }).affectedRows;
  }
  if (e.firstId === null || e.lastId === null) return 0;
  const [res] = await session.conn.query(
    `DELETE FROM ${table} WHERE ${quoteId(TABLES[e.table].key)} BETWEEN ? AND ?`,
    [e.firstId, e.lastId],
  );
  return (res as { affectedRows: number }).affectedRows;
}
