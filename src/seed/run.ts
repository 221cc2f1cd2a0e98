// seed(target): one run, resumable. Reference data first, then patients chunk by chunk (each chunk
// one transaction together with its ledger rows), then users. A run that was killed is resumed
// when the same plan is asked for again, and rolled back before a different plan starts.
import { randomUUID } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { InterruptedError } from '../errors.js';
import { discardEvents, step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import { loadFaker } from './faker.js';
import { Generator, IdAllocator } from './generate.js';
import {
  doneChunks,
  ensureLedger,
  entriesSql,
  insertHeader,
  listRuns,
  runTotals,
  setRunStatus,
  SETUP_CHUNK,
  USERS_CHUNK,
  type RunHeader,
  type StoredPlan,
} from './ledger.js';
import { OPENMRS_ID_TYPE_UUID, prepareSetup } from './reference.js';
import { expectedRows, resolvePlan, seedEpoch, type SeedPlan, type SeedRequest } from './plan.js';
import { purgeRun } from './purge.js';
import { openWriter, withSession, WRITERS, type Session } from './session.js';
import { ALLOCATED, TABLES, type RowSet, type TableName } from './tables.js';
import type { SeedTarget } from '../platform/database.js';
import { prepareRoles, prepareUsers, type SeededUser } from './users.js';
import { prepareChunk, writeChunk, type PreparedChunk } from './writer.js';

export interface SeedOptions extends SeedRequest {
  events?: EventSink;
  signal?: AbortSignal;
  /** One password for every seeded user (rows become reproducible); default: a random one each, returned once. */
  userPassword?: string;
  /** How rows reach the server: multi-row INSERT (default, measured faster) or LOAD DATA LOCAL INFILE. */
  writer?: 'insert' | 'load-data';
  /** For tests and embedding: a ready faker instance. */
  faker?: Faker;
}

export interface SeedResult {
  status: 'seeded' | 'resumed' | 'already-seeded';
  runId: string;
  target: string;
  size: string;
  seed: number;
  locale: string;
  tenant: string | null;
  counts: SeedPlan['counts'];
  /** Rows per table the run has written in total (all invocations). */
  tables: Record<string, number>;
  /** Rows written by this invocation. */
  rowsWritten: number;
  durationMs: number;
  rowsPerSecond: number;
  users: SeededUser[];
  /** Interrupted runs of another plan that were rolled back first. */
  rolledBack: string[];
}

export async function seed(target: SeedTarget, options: SeedOptions = {}): Promise<SeedResult> {
  const plan = resolvePlan(options);
  const events = options.events ?? discardEvents;
  const faker = options.faker ?? (await loadFaker(plan.locale));
  const started = performance.now();
  return withSession(target, async (session) => {
    const { conn } = session;
    await ensureLedger(conn);
    const runs = await listRuns(conn);
    const rolledBack: string[] = [];
    let resume: RunHeader | undefined;
    // We hold the lock, so every run still marked running (or failed) is dead: resume ours, roll back others.
    // A run whose purge was interrupted is finished off first: it is never resumed.
    for (const run of runs.filter(
      (r) => r.status === 'running' || r.status === 'failed' || r.status === 'purging',
    )) {
      if (run.runKey === plan.key && !resume && run.status !== 'purging') {
        resume = run;
        events.emit({ type: 'info', message: `resuming interrupted seed run ${run.runId} (${run.status})` });
      } else {
        events.emit({
          type: 'warning',
          message:
            run.status === 'purging'
              ? `finishing the interrupted purge of seed run ${run.runId} (seed ${run.seed}, ${run.size})`
              : `rolling back interrupted seed run ${run.runId} (seed ${run.seed}, ${run.size})`,
          hint: 'It was killed or failed; its rows are removed before this run starts.',
        });
        await step(events, `seed:rollback:${run.runId}`, `roll back run ${run.runId.slice(0, 8)}`, () =>
          purgeRun(session, run, run.status === 'purging' ? 'purged' : 'rolled-back', events, options.signal),
        );
        rolledBack.push(run.runId);
      }
    }
    if (!resume) {
      const done = runs.find((r) => r.status === 'done' && r.runKey === plan.key);
      if (done) {
        const tables = await runTotals(conn, done.runId);
        events.emit({
          type: 'info',
          message: `already seeded by run ${done.runId} (${done.finishedAt}): nothing to do`,
        });
        return result('already-seeded', done.runId, tables, 0, []);
      }
    }

    const runId = resume?.runId ?? randomUUID();
    const stored: StoredPlan = resume?.plan ?? {
      counts: plan.counts,
      staff: plan.staff,
      chunkPatients: plan.chunkPatients,
      chunks: plan.chunks,
      locale: plan.locale,
      identifierBase: await nextIdentifierBase(session),
    };
    if (!resume) await insertHeader(conn, runId, plan, stored);
    const header = { runId, runKey: plan.key, seed: plan.seed, size: plan.size };
    const epoch = seedEpoch(plan.seed);
    let rowsWritten = 0;
    const write = async (prepared: PreparedChunk, writer: Connection = conn) => {
      await writeChunk(writer, prepared);
      rowsWritten += prepared.rowCount;
    };
    const prepare = (chunk: number, rows: RowSet) =>
      prepareChunk(
        chunk,
        rows,
        (ranges) => entriesSql(header, chunk, ranges),
        session.maxPacket,
        options.writer,
      );

    try {
      const ids = new IdAllocator(await maxima(session));
      const setup = await step(
        events,
        'seed:reference',
        'reference data (types, locations, concepts, staff)',
        async () => {
          const s = await prepareSetup(conn, plan, faker, ids, epoch);
          await prepareRoles(conn, plan, s.rows);
          await write(prepare(SETUP_CHUNK, s.rows));
          return s;
        },
      );

      const generator = new Generator({ plan, faker, ref: setup.ref, identifierBase: stored.identifierBase });
      const done = await doneChunks(conn, runId);
      const todo = Array.from({ length: plan.chunks }, (_, i) => i).filter((c) => !done.has(c));
      await writeChunks(
        session,
        todo,
        (c) => prepare(c, generator.chunk(c, ids)),
        write,
        plan,
        runId,
        events,
        options.signal,
      );

      // The last point to stop: users and the done mark are one short step that a resumed run would repeat.
      if (options.signal?.aborted) throw new InterruptedError('seeding');
      const users = await step(events, 'seed:users', 'users (clerks, nurses, doctors)', async () => {
        const u = await prepareUsers(conn, plan, setup.staff, ids, epoch, options.userPassword);
        await write(prepare(USERS_CHUNK, u.rows));
        return u.users;
      });
      await setRunStatus(conn, runId, 'done');
      return result(resume ? 'resumed' : 'seeded', runId, await runTotals(conn, runId), rowsWritten, users);
    } catch (error) {
      if (!(error instanceof InterruptedError))
        await setRunStatus(conn, runId, 'failed').catch(() => undefined);
      throw error;
    }

    function result(
      status: SeedResult['status'],
      runId: string,
      tables: Record<string, number>,
      rows: number,
      users: SeededUser[],
    ): SeedResult {
      const durationMs = Math.round(performance.now() - started);
      return {
        status,
        runId,
        target: target.description,
        size: plan.size,
        seed: plan.seed,
        locale: plan.locale,
        tenant: plan.tenant ?? null,
        counts: plan.counts,
        tables,
        rowsWritten: rows,
        durationMs,
        rowsPerSecond: durationMs > 0 ? Math.round((rows * 1000) / durationMs) : 0,
        users,
        rolledBack,
      };
    }
  });
}

/** MariaDB's ER_LOCK_DEADLOCK: the server rolled the transaction back. */
const DEADLOCK = 1213;

/**
 * Writes the patient chunks on WRITERS connections at once (each chunk on one of them), generating
 * the next chunk while the server works on the others, and reports a step with progress (rows,
 * total, rows/s) per table. Every chunk is its own transaction with its ledger rows, so the order
 * in which they commit does not matter to a resume.
 */
async function writeChunks(
  session: Session,
  todo: number[],
  make: (chunk: number) => PreparedChunk,
  write: (prepared: PreparedChunk, writer: Connection) => Promise<void>,
  plan: SeedPlan,
  runId: string,
  events: EventSink,
  signal: AbortSignal | undefined,
): Promise<void> {
  const totals = expectedRows(plan);
  const already = await runTotals(session.conn, runId);
  const current = new Map<string, number>(Object.keys(totals).map((t) => [t, already[t] ?? 0]));
  const titles = (t: string) => `seed ${t}`;
  const started = performance.now();
  const stepStarted = new Map<string, number>();
  const ids = Object.keys(totals).filter((t) => totals[t]! > 0);
  for (const t of ids) {
    events.emit({ type: 'step', id: `seed:${t}`, title: titles(t), status: 'started' });
    stepStarted.set(t, performance.now());
  }
  let lastEmit = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastEmit < 250) return;
    lastEmit = now;
    const seconds = Math.max(0.001, (now - started) / 1000);
    for (const t of ids) {
      const n = current.get(t) ?? 0;
      const rate = Math.round((n - (already[t] ?? 0)) / seconds);
      events.emit({
        type: 'progress',
        step: `seed:${t}`,
        current: n,
        total: totals[t]!,
        unit: 'rows',
        message: `${rate.toLocaleString('en-US')} rows/s`,
      });
    }
  };
  const opened: Connection[] = [];
  try {
    for (let i = 1; i < Math.min(WRITERS, todo.length); i++) opened.push(await openWriter(session, i));
    const writers = [session.conn, ...opened];
    let next = 0;
    let failure: unknown;
    // After a deadlock between the writers (InnoDB rolled one chunk back), the first writer goes on
    // alone, the rolled-back chunk first: one transaction at a time cannot deadlock with itself.
    let alone = false;
    const retry: { prepared: PreparedChunk; attempts: number }[] = [];
    const take = () => {
      if (failure !== undefined) return undefined;
      const again = retry.shift();
      if (again) return again;
      if (signal?.aborted || next >= todo.length) return undefined;
      // Built while the server inserts the chunk of the other writer.
      return { prepared: make(todo[next++]!), attempts: 0 };
    };
    const writer = async (conn: Connection, index: number) => {
      for (let job = take(); job; job = index > 0 && alone ? undefined : take()) {
        try {
          await write(job.prepared, conn);
        } catch (error) {
          if ((error as { errno?: number }).errno !== DEADLOCK || job.attempts >= 2) {
            failure ??= error;
            return;
          }
          if (!alone)
            events.emit({
              type: 'warning',
              message: `the two seed writers deadlocked on chunk ${job.prepared.chunk} (rolled back): going on with one`,
            });
          alone = true;
          retry.push({ prepared: job.prepared, attempts: job.attempts + 1 });
          continue;
        }
        for (const r of job.prepared.ranges)
          if (current.has(r.table)) current.set(r.table, (current.get(r.table) ?? 0) + r.rowCount);
        report(false);
      }
    };
    // Whatever stops the writers, the chunks already sent finish (and are recorded) or roll back.
    await Promise.all(writers.map((conn, index) => writer(conn, index)));
    // A chunk rolled back after the first writer ran out of chunks: it goes in now.
    if (retry.length > 0) await writer(session.conn, 0);
    if (failure !== undefined) throw failure;
    if (signal?.aborted) throw new InterruptedError('seeding');
    report(true);
    for (const t of ids)
      events.emit({
        type: 'step',
        id: `seed:${t}`,
        title: titles(t),
        status: 'done',
        durationMs: Math.round(performance.now() - stepStarted.get(t)!),
        detail: `${(current.get(t) ?? 0).toLocaleString('en-US')} rows`,
      });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    for (const t of ids)
      events.emit({ type: 'step', id: `seed:${t}`, title: titles(t), status: 'failed', detail });
    throw error;
  } finally {
    for (const writer of opened) await writer.end().catch(() => undefined);
  }
}

async function maxima(session: Session): Promise<Partial<Record<TableName, number>>> {
  const sql = ALLOCATED.map(
    (t) => `SELECT '${t}' AS t, COALESCE(MAX(\`${TABLES[t].key}\`), 0) AS m FROM \`${t}\``,
  ).join(' UNION ALL ');
  const [rows] = await session.conn.query<RowDataPacket[]>(sql);
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.m)]));
}

/** 100000, or one above the largest numeric OpenMRS ID already there, so seeded ids never clash. */
async function nextIdentifierBase(session: Session): Promise<number> {
  const [[row]] = await session.conn.query<RowDataPacket[]>(
    `SELECT MAX(CAST(LEFT(pi.identifier, CHAR_LENGTH(pi.identifier) - 1) AS UNSIGNED)) AS m
       FROM patient_identifier pi JOIN patient_identifier_type t ON t.patient_identifier_type_id = pi.identifier_type
      WHERE (t.name = 'OpenMRS ID' OR t.uuid = ?) AND pi.identifier REGEXP '^[0-9]+[0-9A-Z]$'`,
    [OPENMRS_ID_TYPE_UUID],
  );
  const max = row?.m === null || row?.m === undefined ? 0 : Number(row.m);
  return Math.max(100_000, max + 1);
}
