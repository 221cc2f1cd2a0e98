// The ledger: one header row per run (chunk IS NULL) and one row per (chunk, table) with the id
// range the seeder wrote. Purge deletes exactly these ranges; the data-cleanup check counts them.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { packageVersion } from '../package-info.js';
import type { SeedPlan } from './plan.js';
import type { TableName } from './tables.js';
import { sqlLiteral, type TableRange } from './writer.js';

export const LEDGER_TABLE = 'omrs_seed_ledger';
export const SETUP_CHUNK = -1;
export const USERS_CHUNK = -2;

/** `purging`: a purge or roll-back started and has not finished (some of its rows may be gone). */
export type RunStatus = 'running' | 'done' | 'failed' | 'purging' | 'purged' | 'rolled-back';

export const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  id BIGINT NOT NULL AUTO_INCREMENT,
  run_id CHAR(36) NOT NULL,
  run_key CHAR(64) NOT NULL,
  seed INT NOT NULL,
  size VARCHAR(16) NOT NULL,
  counts TEXT NULL COMMENT 'header rows: the resolved plan as JSON',
  tenant VARCHAR(63) NULL,
  chunk INT NULL COMMENT 'NULL: run header; -1: reference data; -2: users; 0..: patient chunks',
  table_name VARCHAR(64) NULL,
  first_id INT NULL,
  last_id INT NULL,
  row_count INT NOT NULL DEFAULT 0,
  key_values TEXT NULL COMMENT 'JSON keys for tables without an integer id (role)',
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  omrs_version VARCHAR(32) NULL,
  PRIMARY KEY (id),
  KEY omrs_seed_ledger_run (run_id, chunk),
  KEY omrs_seed_ledger_key (run_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

export interface RunHeader {
  runId: string;
  runKey: string;
  seed: number;
  size: string;
  tenant: string | null;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  plan: StoredPlan;
}

/** What the header keeps of a plan: enough to resume it exactly. */
export interface StoredPlan {
  counts: SeedPlan['counts'];
  staff: SeedPlan['staff'];
  chunkPatients: number;
  chunks: number;
  locale: string;
  identifierBase: number;
}

export interface LedgerEntry {
  chunk: number;
  table: TableName;
  firstId: number | null;
  lastId: number | null;
  rowCount: number;
  keyValues: string[] | null;
}

export async function ensureLedger(conn: Connection): Promise<void> {
  await conn.query(LEDGER_DDL);
}

export async function ledgerExists(conn: Connection): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
    [LEDGER_TABLE],
  );
  return rows.length > 0;
}

export async function insertHeader(
  conn: Connection,
  runId: string,
  plan: SeedPlan,
  stored: StoredPlan,
): Promise<void> {
  await conn.query(
    `INSERT INTO ${LEDGER_TABLE} (run_id, run_key, seed, size, counts, tenant, chunk, status, created_at, omrs_version) VALUES (?, ?, ?, ?, ?, ?, NULL, 'running', NOW(3), ?)`,
    [runId, plan.key, plan.seed, plan.size, JSON.stringify(stored), plan.tenant ?? null, packageVersion()],
  );
}

export async function setRunStatus(conn: Connection, runId: string, status: RunStatus): Promise<void> {
  await conn.query(
    `UPDATE ${LEDGER_TABLE} SET status = ?, finished_at = NOW(3) WHERE run_id = ? AND chunk IS NULL`,
    [status, runId],
  );
}

/** SQL that records `ranges` for a chunk (runs inside the chunk's transaction). */
export function entriesSql(
  header: { runId: string; runKey: string; seed: number; size: string },
  chunk: number,
  ranges: TableRange[],
): string {
  const values = ranges.map(
    (r) =>
      `(${[header.runId, header.runKey, header.seed, header.size, chunk, r.table, r.firstId, r.lastId, r.rowCount, r.keyValues ? JSON.stringify(r.keyValues) : null, 'done'].map(sqlLiteral).join(',')},NOW(3),NOW(3))`,
  );
  return `INSERT INTO ${LEDGER_TABLE} (run_id, run_key, seed, size, chunk, table_name, first_id, last_id, row_count, key_values, status, created_at, finished_at) VALUES ${values.join(',')}`;
}

function toHeader(row: RowDataPacket): RunHeader {
  return {
    runId: String(row.run_id),
    runKey: String(row.run_key),
    seed: Number(row.seed),
    size: String(row.size),
    tenant: row.tenant === null ? null : String(row.tenant),
    status: String(row.status) as RunStatus,
    createdAt: String(row.created_at),
    finishedAt: row.finished_at === null ? null : String(row.finished_at),
    plan: JSON.parse(String(row.counts)) as StoredPlan,
  };
}

export async function listRuns(conn: Connection): Promise<RunHeader[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT * FROM ${LEDGER_TABLE} WHERE chunk IS NULL ORDER BY id`,
  );
  return rows.map(toHeader);
}

export async function runEntries(conn: Connection, runId: string): Promise<LedgerEntry[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT chunk, table_name, first_id, last_id, row_count, key_values FROM ${LEDGER_TABLE} WHERE run_id = ? AND chunk IS NOT NULL ORDER BY id`,
    [runId],
  );
  return rows.map((r) => ({
    chunk: Number(r.chunk),
    table: String(r.table_name) as TableName,
    firstId: r.first_id === null ? null : Number(r.first_id),
    lastId: r.last_id === null ? null : Number(r.last_id),
    rowCount: Number(r.row_count),
    keyValues: r.key_values === null ? null : (JSON.parse(String(r.key_values)) as string[]),
  }));
}

/** Rows per table a run has written so far. */
export async function runTotals(conn: Connection, runId: string): Promise<Record<string, number>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT table_name, SUM(row_count) AS n FROM ${LEDGER_TABLE} WHERE run_id = ? AND chunk IS NOT NULL GROUP BY table_name ORDER BY MIN(id)`,
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [String(r.table_name), Number(r.n)]));
}

export async function doneChunks(conn: Connection, runId: string): Promise<Set<number>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT DISTINCT chunk FROM ${LEDGER_TABLE} WHERE run_id = ? AND chunk >= 0`,
    [runId],
  );
  return new Set(rows.map((r) => Number(r.chunk)));
}
