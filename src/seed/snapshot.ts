// Database snapshots with the MariaDB client tools: `omrs db snapshot <name>` dumps the target
// database (gzip) under .omrs/snapshots/<database>/, `omrs db restore <name>` recreates the database
// from it. The password goes to the tools through MYSQL_PWD, never on a command line. Dumps hold
// password hashes: files 0600 in 0700 folders, and a failed snapshot leaves nothing behind.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { ExitCode, OmrsError } from '../errors.js';
import { discardEvents, step } from '../events/bus.js';
import type { EventSink } from '../events/types.js';
import { scrub } from '../mask.js';
import { describeDb, parseDbUrl, type DbUrl } from '../platform/database.js';

export interface SnapshotResult {
  name: string;
  file: string;
  target: string;
  bytes: number;
  durationMs: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function findTool(names: string[], env: Record<string, string | undefined>): string {
  for (const dir of (env.PATH ?? '').split(delimiter))
    for (const name of names) if (dir && existsSync(join(dir, name))) return join(dir, name);
  throw new OmrsError({
    code: 'SNAPSHOT_NO_CLIENT',
    message: `none of ${names.join(', ')} is installed`,
    hint: 'Install the MariaDB client tools (apt-get install mariadb-client) and try again.',
    exitCode: ExitCode.prerequisite,
  });
}

export const snapshotFile = (cwd: string, db: DbUrl, name: string): string =>
  snapshotPath(cwd, db.database, name);

/** `.omrs/snapshots/<database>/<name>.sql.gz` under cwd; a bad name is a usage error. */
export function snapshotPath(cwd: string, database: string, name: string): string {
  if (!NAME.test(name))
    throw new OmrsError({
      code: 'SNAPSHOT_BAD_NAME',
      message: `invalid snapshot name "${name}"`,
      hint: 'Use letters, digits, dot, dash and underscore.',
      exitCode: ExitCode.usage,
    });
  return join(cwd, '.omrs', 'snapshots', database, `${name}.sql.gz`);
}

/** The names of the snapshots under cwd, of any database (what `env create --from-snapshot` can take), sorted. */
export function snapshotNames(cwd: string): string[] {
  const root = join(cwd, '.omrs', 'snapshots');
  if (!existsSync(root)) return [];
  const names = new Set<string>();
  for (const database of readdirSync(root, { withFileTypes: true }))
    if (database.isDirectory())
      for (const file of readdirSync(join(root, database.name)))
        if (file.endsWith('.sql.gz') && NAME.test(file.slice(0, -'.sql.gz'.length)))
          names.add(file.slice(0, -'.sql.gz'.length));
  return [...names].sort();
}

function connectionArgs(db: DbUrl): string[] {
  return db.socketPath
    ? [`--socket=${db.socketPath}`, `--user=${db.user}`]
    : [`--host=${db.host}`, `--port=${db.port}`, '--protocol=TCP', `--user=${db.user}`];
}

function toolEnv(env: Record<string, string | undefined>, db: DbUrl): NodeJS.ProcessEnv {
  return { ...(env as NodeJS.ProcessEnv), MYSQL_PWD: db.password };
}

async function run(
  tool: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream },
  secrets: string[],
): Promise<void> {
  const child = spawn(tool, args, {
    env,
    stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const flows: Promise<void>[] = [];
  if (io.stdin) flows.push(pipeline(io.stdin, child.stdin!));
  if (io.stdout) flows.push(pipeline(child.stdout!, io.stdout));
  const [code] = await Promise.all([exited, ...flows]);
  if (code !== 0) {
    const said = scrub(stderr.trim().split('\n').slice(-3).join(' '), secrets);
    throw new OmrsError({
      code: 'SNAPSHOT_TOOL_FAILED',
      message: `${tool} exited with ${code}: ${said}`,
      // A server that cannot be reached is a missing prerequisite, like an engine that does not answer.
      exitCode: CANNOT_CONNECT.test(said) ? ExitCode.prerequisite : ExitCode.failed,
      hint: toolHint(said),
    });
  }
}

const CANNOT_CONNECT = /can't connect|connection refused|unknown .*host|lost connection|timed? ?out/i;

/** What to do about the client tool's complaint (its last lines, already scrubbed). */
function toolHint(said: string): string {
  if (/access denied/i.test(said))
    return 'Check the user and password in --db; the user needs SELECT, SHOW VIEW, TRIGGER and LOCK TABLES on the database.';
  if (/unknown database/i.test(said))
    return 'Check the database name at the end of --db (mysql://user:password@host:port/DATABASE).';
  if (CANNOT_CONNECT.test(said))
    return 'Check that the database server runs and that host and port in --db reach it (for an environment: `omrs status`).';
  return 'Fix the cause the client tool names above, then run the command again; nothing was kept of this attempt.';
}

/**
 * Creates the snapshot folder, 0700 (dumps hold password hashes), and answers how to undo it: the
 * folders this call created are removed again when they stay empty.
 */
function snapshotFolder(dir: string): () => void {
  let first: string | undefined;
  try {
    first = mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Folders of an older omrs were made 0755: the snapshot folders are tightened every time.
    chmodSync(dir, 0o700);
    chmodSync(dirname(dir), 0o700);
  } catch (error) {
    throw new OmrsError({
      code: 'SNAPSHOT_NO_FOLDER',
      message: `cannot create the snapshot folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      hint: 'Run the command in a folder you may write to: snapshots go to .omrs/snapshots/ under the current folder.',
      exitCode: ExitCode.failed,
      cause: error,
    });
  }
  return () => {
    if (first === undefined) return;
    for (let d = dir; d.length >= first.length; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return;
      }
    }
  };
}

/** Whether a process of this machine with that pid runs (a snapshot folder is local to it). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per snapshot name: `<file>.lock` holds the writer's pid. It appears whole or not at
 * all (written aside, then hard-linked into place, which fails when it exists), so a second
 * `omrs db snapshot` of the same name refuses clearly instead of removing the first one's partial
 * dump. A lock whose process is gone (kill -9) is taken over. Answers how to release it.
 */
function lockSnapshot(file: string, name: string): () => void {
  const lock = `${file}.lock`;
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, JSON.stringify({ pid: process.pid }), { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, lock);
        return () => rmSync(lock, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: number | undefined;
      try {
        holder = (JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid;
      } catch {
        // unreadable or gone: taken over below
      }
      if (holder !== undefined && running(holder))
        throw new OmrsError({
          code: 'SNAPSHOT_BUSY',
          message: `another omrs (pid ${holder}) is writing the snapshot "${name}" (${file})`,
          hint: `Wait for it to finish, or choose another name. If no omrs runs any more, remove ${lock}.`,
          exitCode: ExitCode.failed,
        });
      if (attempt > 0)
        throw new OmrsError({
          code: 'SNAPSHOT_BUSY',
          message: `cannot take the lock of snapshot "${name}" (${lock})`,
          hint: 'Another omrs is taking the same snapshot: wait for it, or choose another name.',
          exitCode: ExitCode.failed,
        });
      rmSync(lock, { force: true });
    }
  } finally {
    unlinkSync(mine);
  }
}

/** Dumps the database into `<file>.partial`, then renames it into place; a failure leaves no partial. */
async function writeDump(
  dump: string,
  db: DbUrl,
  file: string,
  env: Record<string, string | undefined>,
): Promise<void> {
  const partial = `${file}.partial`;
  // A partial file left by a killed run keeps its mode when reopened: start from none.
  rmSync(partial, { force: true });
  const gzip = createGzip({ level: 3 });
  const written = pipeline(gzip, createWriteStream(partial, { mode: 0o600 }));
  try {
    await run(
      dump,
      [
        ...connectionArgs(db),
        '--single-transaction',
        '--quick',
        '--routines',
        '--triggers',
        '--hex-blob',
        '--no-tablespaces',
        '--default-character-set=utf8mb4',
        db.database,
      ],
      toolEnv(env, db),
      { stdout: gzip },
      [db.password],
    );
    await written;
    renameSync(partial, file);
  } catch (error) {
    gzip.destroy();
    await written.catch(() => undefined);
    rmSync(partial, { force: true });
    throw error;
  }
}

export async function snapshot(
  url: string,
  name: string,
  options: { cwd: string; env: Record<string, string | undefined>; events?: EventSink },
): Promise<SnapshotResult> {
  const db = parseDbUrl(url);
  const file = snapshotFile(options.cwd, db, name);
  const dump = findTool(['mariadb-dump', 'mysqldump'], options.env);
  const started = performance.now();
  const undoFolder = snapshotFolder(dirname(file));
  let unlock: (() => void) | undefined;
  try {
    unlock = lockSnapshot(file, name);
    await step(options.events ?? discardEvents, 'db:snapshot', `snapshot ${describeDb(db)} → ${name}`, () =>
      writeDump(dump, db, file, options.env),
    );
  } catch (error) {
    unlock?.();
    undoFolder();
    throw error;
  }
  unlock();
  return {
    name,
    file,
    target: describeDb(db),
    bytes: statSync(file).size,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Drops and recreates the target database, then loads the snapshot into it. */
export async function restore(
  url: string,
  name: string,
  options: { cwd: string; env: Record<string, string | undefined>; events?: EventSink },
): Promise<SnapshotResult> {
  const db = parseDbUrl(url);
  const file = snapshotFile(options.cwd, db, name);
  if (!existsSync(file))
    throw new OmrsError({
      code: 'SNAPSHOT_NOT_FOUND',
      message: `no snapshot "${name}" for database ${db.database} (${file})`,
      hint: `Take one with: omrs db snapshot ${name} --db …`,
      exitCode: ExitCode.usage,
    });
  const client = findTool(['mariadb', 'mysql'], options.env);
  const started = performance.now();
  await step(
    options.events ?? discardEvents,
    'db:restore',
    `restore ${name} → ${describeDb(db)}`,
    async () => {
      const recreate = `DROP DATABASE IF EXISTS \`${db.database}\`; CREATE DATABASE \`${db.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`;
      await run(client, [...connectionArgs(db), `--execute=${recreate}`], toolEnv(options.env, db), {}, [
        db.password,
      ]);
      await run(
        client,
        [...connectionArgs(db), '--default-character-set=utf8mb4', db.database],
        toolEnv(options.env, db),
        { stdin: createReadStream(file).pipe(createGunzip()) },
        [db.password],
      );
    },
  );
  return {
    name,
    file,
    target: describeDb(db),
    bytes: statSync(file).size,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Makes a snapshot `<name>` for `url`'s database out of a gzip dump of any database (a backup made
 * with --databases): its CREATE DATABASE and USE lines are left out, so `restore` loads it into the
 * target database whatever that one is called. Answers the snapshot's file.
 */
export async function importDump(source: string, url: string, name: string, cwd: string): Promise<string> {
  const file = snapshotFile(cwd, parseDbUrl(url), name);
  const undoFolder = snapshotFolder(dirname(file));
  try {
    const { createInterface } = await import('node:readline');
    const { Readable } = await import('node:stream');
    const lines = createInterface({
      input: createReadStream(source).pipe(createGunzip()),
      crlfDelay: Infinity,
    });
    const kept = Readable.from(
      (async function* () {
        for await (const line of lines)
          if (!line.startsWith('CREATE DATABASE ') && !line.startsWith('USE `')) yield line + '\n';
      })(),
    );
    await pipeline(kept, createGzip(), createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    rmSync(file, { force: true });
    undoFolder();
    throw error;
  }
  return file;
}
