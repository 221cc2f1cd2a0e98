// One connection's setup for seeding: session settings, the OpenMRS schema check, and the
// advisory lock that keeps two seeders (or a seeder and a purge) from interleaving.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { ExitCode, OmrsError } from '../errors.js';
import type { SeedTarget } from '../platform/database.js';
import { scrub } from '../mask.js';
import { connectError } from '../platform/database.js';

export interface Session {
  conn: Connection;
  target: SeedTarget;
  maxPacket: number;
}

const REQUIRED_TABLES = [
  'person',
  'patient',
  'patient_identifier',
  'visit',
  'encounter',
  'obs',
  'concept',
  'users',
  'role',
  'location',
];

export const lockName = (database: string): string => `omrs_seed.${database}`.slice(0, 64);

/** Connections that write chunks at once: the session's own and WRITERS - 1 more (openWriter). */
export const WRITERS = 2;

/** The lock a writer connection holds for as long as it lives (writer 1 and up; 0 is the session). */
export const writerLockName = (database: string, writer: number): string =>
  `omrs_seed_w${writer}.${database}`.slice(0, 64);

/** Session settings every seeding connection writes with (literals are escaped with backslashes). */
async function prepareSession(conn: Connection): Promise<void> {
  await conn.query(
    "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', ''), SESSION foreign_key_checks = 1, SESSION unique_checks = 1",
  );
}

/**
 * Another connection for writing chunks beside the session's own (writer 1 to WRITERS - 1): the
 * server inserts a connection's statements on one thread, so a second writer keeps a second
 * server core busy. It holds its writer lock for as long as it lives, so that the next session
 * waits for a killed seeder's writers too (see withSession). The caller closes it.
 */
export async function openWriter(session: Session, writer: number): Promise<Connection> {
  const conn = await session.target.connect();
  try {
    await prepareSession(conn);
    await takeLock(conn, writerLockName(session.target.database, writer), session.target);
    return conn;
  } catch (error) {
    await conn.end().catch(() => undefined);
    throw error;
  }
}

async function takeLock(conn: Connection, name: string, target: SeedTarget): Promise<void> {
  const [[lock]] = await conn.query<RowDataPacket[]>(
    'SELECT GET_LOCK(?, ?) AS got, IS_USED_LOCK(?) AS holder',
    [name, LOCK_WAIT_SECONDS, name],
  );
  if (Number(lock?.got) !== 1)
    throw new OmrsError({
      code: 'SEED_LOCKED',
      message: `another omrs seed or purge is running against ${target.description} (lock ${name} held by connection ${String(lock?.holder)}; waited ${LOCK_WAIT_SECONDS} s)`,
      hint: 'Wait for it to finish (omrs seed --status shows its progress). If it was killed, its lock is released when its connection closes.',
      exitCode: ExitCode.failed,
    });
}

/**
 * How long to wait for the lock. A seeder killed with SIGKILL keeps it until the server notices
 * (its statement ends and its transaction rolls back), which takes a moment after the kill.
 */
const LOCK_WAIT_SECONDS = 10;

/**
 * Connects, checks the schema, takes the lock, runs `work`, and always releases and disconnects.
 * `readOnly` (omrs seed --status) takes no lock: it reads what the running seeder has committed.
 */
export async function withSession<T>(
  target: SeedTarget,
  work: (session: Session) => Promise<T>,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<T> {
  const conn = await target.connect();
  try {
    await prepareSession(conn);
    const [tables] = await conn.query<RowDataPacket[]>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?)',
      [REQUIRED_TABLES],
    );
    if (tables.length < REQUIRED_TABLES.length) {
      const have = new Set(tables.map((r) => String(r.t)));
      throw new OmrsError({
        code: 'SEED_NO_OPENMRS_SCHEMA',
        message: `${target.description} has no OpenMRS schema (missing tables: ${REQUIRED_TABLES.filter((t) => !have.has(t)).join(', ')})`,
        hint: 'Start the OpenMRS backend once against this database so it creates its schema, then seed.',
        exitCode: ExitCode.prerequisite,
      });
    }
    const [[packet]] = await conn.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS p');
    const session = { conn, target, maxPacket: Number(packet?.p ?? 4 * 1024 * 1024) };
    if (readOnly) return await work(session);
    const name = lockName(target.database);
    await takeLock(conn, name, target);
    // A killed seeder's writers may outlive its session by a statement: wait until each is gone
    // (the server ends a dead connection's transaction, commit or rollback, before its locks).
    for (let writer = 1; writer < WRITERS; writer++) {
      const writerLock = writerLockName(target.database, writer);
      await takeLock(conn, writerLock, target);
      await conn.query('SELECT RELEASE_LOCK(?)', [writerLock]);
    }
    try {
      return await work(session);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
    }
  } catch (error) {
    throw asSeedError(error, target);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Database errors become OmrsErrors that never contain a password. */
export function asSeedError(error: unknown, target: SeedTarget): unknown {
  if (error instanceof OmrsError) {
    if (
      target.secrets.some(
        (s) => s.length >= 3 && (error.message.includes(s) || (error.hint ?? '').includes(s)),
      )
    )
      return new OmrsError({
        code: error.code,
        message: scrub(error.message, target.secrets),
        hint: error.hint ? scrub(error.hint, target.secrets) : undefined,
        exitCode: error.exitCode,
      });
    return error;
  }
  const e = error as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'PROTOCOL_CONNECTION_LOST')
    return new OmrsError({
      code: 'SEED_DB_CONNECTION_LOST',
      message: `lost the connection to ${target.description}: ${scrub(e.message ?? String(error), target.secrets)}`,
      hint: 'The server rolled back the open batch. Once it is reachable again, run the same command: it resumes.',
      exitCode: ExitCode.failed,
    });
  if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT')
    return connectError(error, target.description, target.secrets);
  if (typeof e.errno === 'number' || typeof e.code === 'string')
    return new OmrsError({
      code: 'SEED_DB_ERROR',
      message: `database error on ${target.description}: ${scrub(e.sqlMessage ?? e.message ?? String(error), target.secrets)}${e.code ? ` (${e.code})` : ''}`,
      hint: 'Nothing half-written was kept: the failed batch was rolled back. Run the same command again to resume.',
      exitCode: ExitCode.failed,
      cause: error,
    });
  return error;
}
