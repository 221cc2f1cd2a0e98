// Database checks for the seed tests: foreign key violations, checksums, ledger sums.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { lockName, writerLockName, WRITERS } from '../../../src/seed/session.js';
import { INSERT_ORDER } from '../../../src/seed/tables.js';
import { connect } from '../../helpers/mariadb.js';
import { until } from '../../helpers/poll.js';
import type { MariadbEngine } from '../../helpers/engines.js';

/** Every table the seeder writes, in insert order. */
export const SEEDED_TABLES: readonly string[] = INSERT_ORDER;

export const dbUrl = (
  engine: MariadbEngine,
  db: string,
  user = engine.user,
  password = engine.password,
): string =>
  `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${engine.host}:${engine.port}/${db}`;

export async function withDb<T>(
  engine: MariadbEngine,
  db: string,
  work: (conn: Connection) => Promise<T>,
): Promise<T> {
  const conn = await connect(engine, db);
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

/**
 * Waits until no connection of a seeder that was killed is left on the server: its locks are
 * released once the server has ended its transactions, so counts read after this do not move.
 */
export async function seederGone(conn: Connection, database: string, timeoutMs = 30_000): Promise<void> {
  const names = [
    lockName(database),
    ...Array.from({ length: WRITERS - 1 }, (_, i) => writerLockName(database, i + 1)),
  ];
  await until(
    `the killed seeder's locks on ${database} to be released`,
    async () => {
      const [[row]] = await conn.query<RowDataPacket[]>(
        `SELECT ${names.map(() => 'IS_USED_LOCK(?) IS NULL').join(' AND ')} AS free`,
        names,
      );
      return Number(row?.free) === 1 ? true : undefined;
    },
    timeoutMs,
    50,
  );
}

/** One query per foreign key of the database: child rows whose parent is missing. */
export async function foreignKeyViolations(
  conn: Connection,
): Promise<{ constraint: string; count: number }[]> {
  const [fks] = await conn.query<RowDataPacket[]>(
    `SELECT constraint_name AS c, table_name AS t, column_name AS col, referenced_table_name AS rt, referenced_column_name AS rc
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL ORDER BY constraint_name, ordinal_position`,
  );
  const groups = new Map<string, RowDataPacket[]>();
  for (const fk of fks) groups.set(`${fk.t}.${fk.c}`, [...(groups.get(`${fk.t}.${fk.c}`) ?? []), fk]);
  if (groups.size < 400)
    throw new Error(`expected the OpenMRS schema's ~446 foreign keys, found ${groups.size}`);
  const out: { constraint: string; count: number }[] = [];
  for (const [name, cols] of groups) {
    const first = cols[0]!;
    const on = cols.map((c) => `c.\`${c.col}\` = p.\`${c.rc}\``).join(' AND ');
    const notNull = cols.map((c) => `c.\`${c.col}\` IS NOT NULL`).join(' AND ');
    const [[row]] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${first.t}\` c LEFT JOIN \`${first.rt}\` p ON ${on} WHERE ${notNull} AND p.\`${cols[0]!.rc}\` IS NULL`,
    );
    if (Number(row!.n) > 0) out.push({ constraint: name, count: Number(row!.n) });
  }
  return out;
}

export async function checksums(conn: Connection, tables = SEEDED_TABLES): Promise<Record<string, string>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`,
  );
  return Object.fromEntries(rows.map((r) => [String(r.Table).split('.').pop()!, String(r.Checksum)]));
}

export async function counts(conn: Connection, tables = SEEDED_TABLES): Promise<Record<string, number>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM \`${t}\``).join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]));
}

export async function ledgerSums(conn: Connection): Promise<Record<string, number>> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT table_name AS t, SUM(row_count) AS n FROM omrs_seed_ledger WHERE chunk IS NOT NULL GROUP BY table_name',
  );
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]));
}

export async function ledgerRuns(conn: Connection): Promise<{ runId: string; status: string }[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT run_id, status FROM omrs_seed_ledger WHERE chunk IS NULL ORDER BY id',
  );
  return rows.map((r) => ({ runId: String(r.run_id), status: String(r.status) }));
}

export const uniqueDbName = (prefix: string): string =>
  `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
