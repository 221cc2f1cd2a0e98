// snapshotNames: the names `n` offers and `env create --from-snapshot` takes, read from a real folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { snapshotNames } from '../../../src/seed/snapshot.js';

const cwd = mkdtempSync(join(tmpdir(), 'omrs-snapshot-names-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('snapshotNames', () => {
  it('is empty without a snapshots folder', () => {
    expect(snapshotNames(cwd)).toEqual([]);
  });

  it('lists each name once across the databases, sorted, and skips what is not a snapshot', () => {
    const root = join(cwd, '.omrs', 'snapshots');
    for (const [db, files] of Object.entries({
      openmrs_default: [
        'seeded.sql.gz',
        'final-20261206T010203Z-compose.sql.gz',
        'notes.txt',
        '.partial.sql.gz',
      ],
      openmrs_north: ['seeded.sql.gz', 'b-medium.sql.gz'],
    })) {
      mkdirSync(join(root, db), { recursive: true });
      for (const f of files) writeFileSync(join(root, db, f), '');
    }
    writeFileSync(join(root, 'stray.sql.gz'), '');
    expect(snapshotNames(cwd)).toEqual(['b-medium', 'final-20261206T010203Z-compose', 'seeded']);
  });
});
