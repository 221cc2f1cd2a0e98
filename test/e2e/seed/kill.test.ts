// kill -9 in the middle of a run (the built CLI as a child process), then the same command again:
// it resumes from the ledger, with no duplicates, no orphans and a ledger that adds up.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { buildPrivateCli, type BuiltCli } from '../../helpers/built-cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, dropDatabase } from '../../helpers/mariadb.js';
import {
  counts,
  dbUrl,
  foreignKeyViolations,
  ledgerRuns,
  ledgerSums,
  seederGone,
  uniqueDbName,
  withDb,
} from './db.js';

const engine = requireEngine('mariadb');
const root = join(import.meta.dirname, '../../..');

describe.skipIf(!engine)('omrs seed killed with SIGKILL', () => {
  const e = engine!;
  const db = uniqueDbName('omrs_seed_kill');
  let cli: BuiltCli;
  beforeAll(async () => {
    // Its own build: a `npm run build` elsewhere empties the shared dist/ under a running child.
    cli = buildPrivateCli('seed-kill');
    await cloneTemplate(e, db);
  }, 300_000);
  afterAll(async () => {
    cli?.remove();
    await dropDatabase(e, db);
  });

  it('resumes the killed run on the next identical command', async () => {
    const before = await withDb(e, db, (c) => counts(c));
    const args = [
      'seed',
      '--db',
      dbUrl(e, db),
      '--size',
      'medium',
      '--seed',
      '11',
      '--user-password-env',
      'SEED_PW',
      '--json',
    ];
    const child = spawn(process.execPath, [cli.bin, ...args], {
      cwd: root,
      env: { ...process.env, SEED_PW: 'Kill9-Test' },
      stdio: 'ignore',
    });
    let exited = false;
    child.on('exit', () => (exited = true));

    // Wait until at least one patient chunk is committed, then kill -9.
    const deadline = Date.now() + 60_000;
    let chunks = 0;
    while (Date.now() < deadline && !exited) {
      chunks = await withDb(e, db, async (c) => {
        const [rows] = await c
          .query<RowDataPacket[]>(
            "SELECT COUNT(DISTINCT chunk) AS n FROM information_schema.tables t JOIN omrs_seed_ledger l ON t.table_name = 'omrs_seed_ledger' AND t.table_schema = DATABASE() WHERE l.chunk >= 0",
          )
          .catch(() => [[{ n: 0 }] as RowDataPacket[]]);
        return Number(rows[0]?.n ?? 0);
      });
      if (chunks >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(exited).toBe(false);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    await withDb(e, db, async (conn) => {
      await seederGone(conn, db);
      expect((await ledgerRuns(conn)).map((r) => r.status)).toEqual(['running']);
      const now = await counts(conn);
      const sums = await ledgerSums(conn);
      // Only whole chunks are there, and the ledger knows each of them.
      expect(now.patient! - before.patient!).toBe(sums.patient);
      expect(now.obs! - before.obs!).toBe(sums.obs);
      expect(sums.patient! % 294).toBe(0);
      expect(sums.patient).toBeLessThan(2000);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });

    const again = await runCli(args, { env: { SEED_PW: 'Kill9-Test' } });
    if (again.code !== 0) console.error(again.stdout, again.stderr);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'resumed',
      tables: { patient: 2000, obs: 60_000 },
    });

    await withDb(e, db, async (conn) => {
      const after = await counts(conn);
      const sums = await ledgerSums(conn);
      for (const [table, n] of Object.entries(sums))
        expect({ table, added: after[table]! - before[table]! }).toEqual({ table, added: n });
      expect(after.patient! - before.patient!).toBe(2000);
      expect((await ledgerRuns(conn)).map((r) => r.status)).toEqual(['done']);
      const [[dupes]] = await conn.query<RowDataPacket[]>(
        'SELECT COUNT(*) - COUNT(DISTINCT identifier) AS d FROM patient_identifier',
      );
      expect(Number(dupes!.d)).toBe(0);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
  });
});
