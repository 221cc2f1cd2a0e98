// Where seed data goes and database checks read: a MariaDB connection factory. `--db mysql://…`
// (or OMRS_DB_URL) makes one here; the compose and cluster runtimes hand their own (a port-forward).
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { ExitCode, OmrsError } from '../errors.js';
import { maskCredentials, scrub } from '../mask.js';

export interface SeedTarget {
  /** For messages: never contains a password. */
  description: string;
  /** The database (schema) name, for lock names and messages. */
  database: string;
  connect(): Promise<Connection>;
  /** Strings that must never appear in output (passwords); every error message is scrubbed of them. */
  secrets: string[];
}

export interface DbUrl {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  socketPath?: string;
}

const URL_HINT =
  'Pass --db mysql://user:password@host:3306/openmrs (or set OMRS_DB_URL); percent-encode special characters in the password.';

/** Parses mysql://user:password@host:port/database[?socket=/path]; a missing database falls back to `defaultDatabase`. */
export function parseDbUrl(raw: string, defaultDatabase?: string): DbUrl {
  // Masked before any message is built; a URL with a space in it is not echoed at all, since where
  // its password ends cannot be told.
  const shown = /\s/.test(raw) ? '(it contains a space or a line break)' : maskCredentials(raw);
  const bad = (why: string) =>
    new OmrsError({
      code: 'SEED_BAD_DB_URL',
      message: `invalid database URL ${shown}: ${why}`,
      hint: URL_HINT,
      exitCode: ExitCode.usage,
    });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not a URL');
  }
  if (!['mysql:', 'mariadb:'].includes(url.protocol))
    throw bad(`scheme must be mysql:// or mariadb:// (got ${url.protocol}//)`);
  const socketPath = url.searchParams.get('socket') ?? undefined;
  if (!url.hostname && !socketPath) throw bad('no host');
  if (!url.username) throw bad('no user');
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw bad(`the ${what} has a "%" that is not followed by two hex digits (write "%" as %25)`);
    }
  };
  const user = decode(url.username, 'user name');
  const password = decode(url.password, 'password');
  const port = url.port ? Number(url.port) : 3306;
  const database = decode(url.pathname.replace(/^\//, ''), 'database name') || defaultDatabase;
  if (!database) throw bad('no database name (mysql://user:password@host:port/DATABASE)');
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database))
    throw bad(`database name "${database}" has characters omrs does not accept`);
  return {
    host: url.hostname || 'localhost',
    port,
    user,
    password,
    database,
    ...(socketPath && { socketPath }),
  };
}

/** Whether a database URL names its database; one that names only the server is valid too. */
export function namesDatabase(raw: string): boolean {
  parseDbUrl(raw, 'server_only'); // refuses a malformed URL in its own words
  return new URL(raw).pathname.replace(/^\/+/, '') !== '';
}

export const describeDb = (db: DbUrl): string =>
  `mysql://${db.user}@${db.socketPath ? `localhost?socket=${db.socketPath}` : `${db.host}:${db.port}`}/${db.database}`;

export function connectionOptions(db: DbUrl): ConnectionOptions {
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    ...(db.socketPath && { socketPath: db.socketPath }),
    multipleStatements: true,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    connectTimeout: 10_000,
  };
}

export function urlTarget(raw: string, defaultDatabase?: string): SeedTarget {
  const db = parseDbUrl(raw, defaultDatabase);
  const description = describeDb(db);
  // A password that is also part of the description (user = password = "omrs") cannot be told apart
  // from it; database errors never contain the password itself, so only real secrets are scrubbed.
  const secrets =
    db.password && !description.includes(db.password) ? [db.password, encodeURIComponent(db.password)] : [];
  return {
    description,
    database: db.database,
    secrets,
    async connect() {
      const mysql = await import('mysql2/promise');
      try {
        return await mysql.createConnection(connectionOptions(db));
      } catch (error) {
        throw connectError(error, description, secrets);
      }
    },
  };
}

export function connectError(error: unknown, description: string, secrets: readonly string[]): OmrsError {
  const e = error as { code?: string; message?: string };
  const message = scrub(e.message ?? String(error), secrets);
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR')
    return new OmrsError({
      code: 'SEED_DB_ACCESS_DENIED',
      message: `cannot log in to ${description}: ${message}`,
      hint: 'Check the user and password in --db / OMRS_DB_URL.',
      exitCode: ExitCode.usage,
    });
  if (e.code === 'ER_BAD_DB_ERROR')
    return new OmrsError({
      code: 'SEED_DB_MISSING',
      message: `database of ${description} does not exist: ${message}`,
      hint: 'Start OpenMRS once so it creates its schema, or fix the database name in the URL.',
      exitCode: ExitCode.usage,
    });
  return new OmrsError({
    code: 'SEED_DB_UNREACHABLE',
    message: `cannot connect to ${description}: ${message}`,
    hint: 'Is the database running and reachable? `omrs up` starts the bundled one; check host and port in --db.',
    exitCode: ExitCode.prerequisite,
  });
}
