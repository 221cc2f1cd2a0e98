// omrs db snapshot / restore with the MariaDB client tools, against a fresh clone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, dropDatabase } from '../../helpers/mariadb.js';
import { checksums, counts, dbUrl, uniqueDbName, withDb } from './db.js';

const engine = requireEngine('mariadb');

describe.skipIf(!engine)('omrs db snapshot / restore', () => {
  const e = engine!;
  const db = uniqueDbName('omrs_seed_snap');
  const cwd = mkdtempSync(join(tmpdir(), 'omrs-snap-'));
  beforeAll(() => cloneTemplate(e, db));
  afterAll(async () => {
    await dropDatabase(e, db);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('restores the database exactly as it was snapshotted', async () => {
    const url = dbUrl(e, db);
    expect((await runCli(['seed', '--db', url, '--patients', '30'], { cwd })).code).toBe(0);
    const seeded = await withDb(e, db, (c) => checksums(c));
    const snap = await runCli(['db', 'snapshot', 'after-seed', '--db', url, '--json'], { cwd });
    expect(snap.code).toBe(0);
    expect(JSON.parse(snap.stdout)).toMatchObject({
      name: 'after-seed',
      file: join(cwd, '.omrs/snapshots', db, 'after-seed.sql.gz'),
    });

    expect((await runCli(['seed', '--purge', '--db', url], { cwd })).code).toBe(0);
    expect((await withDb(e, db, (c) => counts(c))).patient).toBe(0);

    const restored = await runCli(['db', 'restore', 'after-seed', '--db', url], { cwd });
    expect(restored.code).toBe(0);
    expect(await withDb(e, db, (c) => checksums(c))).toEqual(seeded);
    expect((await runCli(['db', 'restore', 'missing', '--db', url], { cwd })).code).toBe(2);
  });
});
