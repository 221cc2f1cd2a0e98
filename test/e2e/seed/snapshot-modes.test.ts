// omrs db snapshot keeps dumps private (they hold password hashes: files 0600 in 0700 folders),
// and a failed snapshot leaves nothing behind and says what to check.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { connect, dropDatabase } from '../../helpers/mariadb.js';
import { dbUrl, uniqueDbName } from './db.js';

const engine = requireEngine('mariadb');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

describe.skipIf(!engine)('omrs db snapshot: file modes and failures', () => {
  const e = engine!;
  const db = uniqueDbName('omrs_snap_modes');
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'omrs-snap-modes-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    const conn = await connect(e);
    try {
      await conn.query(`CREATE DATABASE \`${db}\``);
      await conn.query(`CREATE TABLE \`${db}\`.users (username VARCHAR(50), password CHAR(128))`);
      await conn.query(`INSERT INTO \`${db}\`.users VALUES ('admin', SHA2('not-a-real-secret', 512))`);
    } finally {
      await conn.end();
    }
  });
  afterAll(async () => {
    await dropDatabase(e, db);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the dump 0600 in 0700 folders', async () => {
    const cwd = freshDir();
    const run = await runCli(['db', 'snapshot', 'first', '--db', dbUrl(e, db), '--json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const file = join(cwd, '.omrs/snapshots', db, 'first.sql.gz');
    expect(JSON.parse(run.stdout)).toMatchObject({ file });
    expect(mode(file)).toBe('0600');
    for (const dir of ['.omrs', '.omrs/snapshots', `.omrs/snapshots/${db}`])
      expect([dir, mode(join(cwd, dir))]).toEqual([dir, '0700']);
  });

  it('tightens folders an older omrs made 0755, and a leftover partial dump made 0644', async () => {
    const cwd = freshDir();
    const folder = join(cwd, '.omrs/snapshots', db);
    mkdirSync(folder, { recursive: true, mode: 0o755 });
    chmodSync(join(cwd, '.omrs/snapshots'), 0o755);
    chmodSync(folder, 0o755);
    writeFileSync(join(folder, 'again.sql.gz.partial'), 'left by a killed run', { mode: 0o644 });
    const run = await runCli(['db', 'snapshot', 'again', '--db', dbUrl(e, db)], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(mode(join(folder, 'again.sql.gz'))).toBe('0600');
    expect(mode(folder)).toBe('0700');
    expect(mode(join(cwd, '.omrs/snapshots'))).toBe('0700');
    expect(readdirSync(folder)).toEqual(['again.sql.gz']);
  });

  it('leaves no folder behind when the dump fails, and says what to check', async () => {
    const cwd = freshDir();
    const denied = await runCli(['db', 'snapshot', 'nope', '--db', dbUrl(e, db, e.user, 'wrong-password')], {
      cwd,
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).not.toMatch(/Internal error|wrong-password/);
    expect(denied.stderr).toMatch(/access denied/i);
    expect(denied.stderr).toMatch(/Check the user and password/);
    expect(existsSync(join(cwd, '.omrs'))).toBe(false);

    // Next to an earlier snapshot: only what this attempt created goes.
    expect((await runCli(['db', 'snapshot', 'kept', '--db', dbUrl(e, db)], { cwd })).code).toBe(0);
    const missing = await runCli(['db', 'snapshot', 'nope', '--db', dbUrl(e, `${db}_missing`)], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Check the database name/);
    expect(readdirSync(join(cwd, '.omrs/snapshots'))).toEqual([db]);
    expect(readdirSync(join(cwd, '.omrs/snapshots', db))).toEqual(['kept.sql.gz']);
  });

  it('two snapshots of one name at once: one writes it, the other refuses clearly (no ENOENT)', async () => {
    const cwd = freshDir();
    const both = await Promise.all(
      [1, 2].map(() => runCli(['db', 'snapshot', 'same', '--db', dbUrl(e, db), '--json'], { cwd })),
    );
    const codes = both.map((r) => r.code).sort();
    expect(codes, both.map((r) => r.stdout + r.stderr).join('\n')).toEqual([0, 1]);
    const refused = both.find((r) => r.code === 1)!;
    expect(JSON.parse(refused.stdout)).toMatchObject({
      error: {
        code: 'SNAPSHOT_BUSY',
        message: expect.stringMatching(/another omrs \(pid \d+\) is writing the snapshot "same"/),
        hint: expect.stringMatching(/choose another name/),
        exitCode: 1,
      },
    });
    expect(refused.stdout + refused.stderr).not.toMatch(/INTERNAL|ENOENT/);
    // The one that won wrote a whole dump, and nothing else is left in the folder.
    expect(readdirSync(join(cwd, '.omrs/snapshots', db))).toEqual(['same.sql.gz']);
    const restored = await runCli(['db', 'restore', 'same', '--db', dbUrl(e, db), '--yes'], { cwd });
    expect(restored.code, restored.stderr).toBe(0);
  });

  it('takes over the lock of a snapshot whose omrs was killed', async () => {
    const cwd = freshDir();
    const folder = join(cwd, '.omrs/snapshots', db);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // The pid of a process that has ended, as a kill -9 leaves it.
    const gone = spawnSync('true').pid;
    writeFileSync(join(folder, 'later.sql.gz.lock'), JSON.stringify({ pid: gone }), { mode: 0o600 });
    const run = await runCli(['db', 'snapshot', 'later', '--db', dbUrl(e, db)], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(folder)).toEqual(['later.sql.gz']);
  });
});
