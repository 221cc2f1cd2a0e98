// Seeding against the real OpenMRS 2.8 schema on MariaDB: every test database is a fresh clone of
// the template, dropped afterwards.
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';
import { until } from '../../helpers/poll.js';
import { purge, seed, seedStatus, urlTarget } from '../../../src/seed/index.js';
import { isValidMod30 } from '../../../src/seed/mod30.js';
import { writerLockName, WRITERS } from '../../../src/seed/session.js';
import { UUID_PATTERN } from '../../../src/seed/random.js';
import {
  checksums,
  counts,
  dbUrl,
  foreignKeyViolations,
  ledgerRuns,
  ledgerSums,
  uniqueDbName,
  withDb,
} from './db.js';
import type { EventSink, OmrsEvent } from '../../../src/events/types.js';

const engine = requireEngine('mariadb');

describe.skipIf(!engine)('seed into MariaDB (OpenMRS 2.8 schema)', () => {
  const e = engine!;
  const created: string[] = [];
  const fresh = async (prefix: string) => {
    const name = uniqueDbName(prefix);
    created.push(name);
    await cloneTemplate(e, name);
    return name;
  };
  afterAll(async () => {
    for (const name of created) await dropDatabase(e, name);
  });

  describe('small', () => {
    let db: string;
    let before: Record<string, number>;
    const events: OmrsEvent[] = [];
    const sink: EventSink = { emit: (ev) => events.push(ev) };
    beforeAll(async () => {
      db = await fresh('omrs_seed_small');
      before = await withDb(e, db, (c) => counts(c));
      await seed(urlTarget(dbUrl(e, db)), { size: 'small', seed: 42, events: sink });
    });

    it('writes the asked-for counts, with zero foreign key violations', async () => {
      await withDb(e, db, async (conn) => {
        const after = await counts(conn);
        const added = (t: string) => after[t]! - before[t]!;
        expect(added('patient')).toBe(100);
        expect(added('patient_identifier')).toBe(100);
        expect(added('visit')).toBe(200);
        expect(added('encounter')).toBe(400);
        expect(added('encounter_provider')).toBe(400);
        expect(added('obs')).toBe(2000);
        expect(added('users')).toBe(5);
        expect(added('person')).toBe(105); // 100 patients + 5 staff
        expect(await ledgerSums(conn)).toEqual(
          Object.fromEntries(
            Object.keys(after)
              .filter((t) => added(t) > 0)
              .map((t) => [t, added(t)]),
          ),
        );
        expect(await foreignKeyViolations(conn)).toEqual([]);
      });
    });

    it('gives every patient a valid OpenMRS ID and every seeded row a valid uuid', async () => {
      await withDb(e, db, async (conn) => {
        const [ids] = await conn.query<RowDataPacket[]>(
          "SELECT pi.identifier FROM patient_identifier pi JOIN patient_identifier_type t ON t.patient_identifier_type_id = pi.identifier_type WHERE t.name = 'OpenMRS ID'",
        );
        expect(ids).toHaveLength(100);
        expect(ids.map((r) => String(r.identifier)).filter((id) => !isValidMod30(id))).toEqual([]);
        const [type] = await conn.query<RowDataPacket[]>(
          "SELECT validator FROM patient_identifier_type WHERE name = 'OpenMRS ID'",
        );
        expect(type[0]!.validator).toBe('org.openmrs.module.idgen.validator.LuhnMod30IdentifierValidator');
        for (const table of ['person', 'visit', 'encounter', 'obs']) {
          const [rows] = await conn.query<RowDataPacket[]>(
            `SELECT uuid FROM ${table} WHERE creator = 1 AND date_created > '2010-01-01'`,
          );
          const bad = rows.map((r) => String(r.uuid)).filter((u) => !UUID_PATTERN.test(u));
          expect({ table, bad }).toEqual({ table, bad: [] });
        }
        const [phones] = await conn.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM person_attribute a JOIN person_attribute_type t USING (person_attribute_type_id) WHERE t.name = 'Telephone Number'",
        );
        expect(Number(phones[0]!.n)).toBe(100);
        const [[numeric]] = await conn.query<RowDataPacket[]>(
          "SELECT MIN(o.value_numeric) AS lo, MAX(o.value_numeric) AS hi, cn.units FROM obs o JOIN concept_numeric cn USING (concept_id) JOIN concept_name n USING (concept_id) WHERE n.name = 'Temperature (c)' GROUP BY cn.units",
        );
        expect(numeric!.units).toBe('DEG C');
        expect(Number(numeric!.lo)).toBeGreaterThanOrEqual(35);
        expect(Number(numeric!.hi)).toBeLessThanOrEqual(41);
      });
    });

    it('reports a step with progress (rows, total, rows/s) per table', () => {
      const obsProgress = events.filter((ev) => ev.type === 'progress' && ev.step === 'seed:obs');
      expect(obsProgress.at(-1)).toMatchObject({
        current: 2000,
        total: 2000,
        unit: 'rows',
        message: expect.stringMatching(/rows\/s/),
      });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'step', id: 'seed:patient', status: 'done' }),
      );
    });

    it('adds nothing when the same seed and size run again', async () => {
      const sums = await withDb(e, db, (c) => checksums(c));
      const again = await seed(urlTarget(dbUrl(e, db)), { size: 'small', seed: 42 });
      expect(again.status).toBe('already-seeded');
      expect(again.rowsWritten).toBe(0);
      expect(await withDb(e, db, (c) => checksums(c))).toEqual(sums);
      const status = await seedStatus(urlTarget(dbUrl(e, db)));
      expect(status.runs).toHaveLength(1);
      expect(status.runs[0]).toMatchObject({ status: 'done', seed: 42, size: 'small' });
    });

    it('refuses a second seeder while the lock is held', async () => {
      const holder = await connect(e, db);
      try {
        await holder.query(`SELECT GET_LOCK('omrs_seed.${db}', 0)`);
        await expect(seed(urlTarget(dbUrl(e, db)), { size: 'small', seed: 43 })).rejects.toMatchObject({
          code: 'SEED_LOCKED',
          exitCode: 1,
        });
      } finally {
        await holder.end();
      }
    });

    it('status reads the ledger while a seeder holds the lock (it shows a running seed)', async () => {
      const holder = await connect(e, db);
      try {
        await holder.query('SELECT GET_LOCK(?, 0)', [`omrs_seed.${db}`]);
        const status = await seedStatus(urlTarget(dbUrl(e, db)));
        expect(status.runs[0]).toMatchObject({ status: 'done', seed: 42, size: 'small' });
      } finally {
        await holder.end();
      }
    });

    it("waits for a killed seeder's writer connection before it reads the ledger", async () => {
      // The test's connection holds writer 1's lock, as a writer that outlives its killed session
      // by a statement does; the next run starts only once that connection has released it.
      const holder = await connect(e, db);
      try {
        await holder.query('SELECT GET_LOCK(?, 0)', [writerLockName(db, 1)]);
        let settled = false;
        const run = seed(urlTarget(dbUrl(e, db)), { size: 'small', seed: 42 }).finally(
          () => (settled = true),
        );
        await new Promise((r) => setTimeout(r, 1_000));
        expect(settled).toBe(false);
        await holder.query('SELECT RELEASE_LOCK(?)', [writerLockName(db, 1)]);
        expect((await run).status).toBe('already-seeded');
      } finally {
        await holder.end();
      }
    });
  });

  it('medium: counts, foreign keys and mod-30 IDs', async () => {
    const db = await fresh('omrs_seed_medium');
    const result = await seed(urlTarget(dbUrl(e, db)), { size: 'medium', seed: 3 });
    expect(result.tables).toMatchObject({ patient: 2000, visit: 6000, encounter: 12000, obs: 60000 });
    await withDb(e, db, async (conn) => {
      const [[n]] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM patient');
      expect(Number(n!.n)).toBe(2000);
      const [ids] = await conn.query<RowDataPacket[]>('SELECT identifier FROM patient_identifier');
      expect(ids.filter((r) => !isValidMod30(String(r.identifier)))).toEqual([]);
      expect(new Set(ids.map((r) => r.identifier)).size).toBe(2000);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
  });

  it('is deterministic: one seed into two fresh databases gives identical checksums', async () => {
    const [a, b] = [await fresh('omrs_seed_det_a'), await fresh('omrs_seed_det_b')];
    const options = {
      size: 'small' as const,
      seed: 1234,
      counts: { patients: 300 },
      chunkPatients: 50,
      userPassword: 'Determin1stic',
    };
    await seed(urlTarget(dbUrl(e, a)), options);
    await seed(urlTarget(dbUrl(e, b)), options);
    const [ca, cb] = [await withDb(e, a, (c) => checksums(c)), await withDb(e, b, (c) => checksums(c))];
    expect(ca).toEqual(cb);
    const other = await fresh('omrs_seed_det_c');
    await seed(urlTarget(dbUrl(e, other)), { ...options, seed: 4321 });
    const cc = await withDb(e, other, (c) => checksums(c));
    expect(cc.obs).not.toBe(ca.obs);
    expect(cc.person_name).not.toBe(ca.person_name);
  });

  it('purges exactly the seeded rows and keeps rows created by others', async () => {
    const db = await fresh('omrs_seed_purge');
    const before = await withDb(e, db, (c) => checksums(c));
    const target = urlTarget(dbUrl(e, db));
    await seed(target, { size: 'small', seed: 9, counts: { patients: 120 }, chunkPatients: 40 });
    const manual = '0f0e0d0c-0b0a-4909-8807-060504030201';
    await withDb(e, db, (c) =>
      c.query(
        "INSERT INTO person (gender, birthdate, creator, date_created, uuid) VALUES ('F', '1990-05-01', 1, NOW(), ?)",
        [manual],
      ),
    );
    const result = await purge(target);
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]!.deleted).toMatchObject({ patient: 120, obs: 120 * 20 });
    await withDb(e, db, async (conn) => {
      const [kept] = await conn.query<RowDataPacket[]>('SELECT person_id FROM person WHERE uuid = ?', [
        manual,
      ]);
      expect(kept).toHaveLength(1);
      await conn.query('DELETE FROM person WHERE uuid = ?', [manual]);
      expect(await checksums(conn)).toEqual(before);
      expect(await ledgerRuns(conn)).toEqual([{ runId: result.runs[0]!.runId, status: 'purged' }]);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
    // After a purge the same plan seeds again.
    expect(
      (await seed(target, { size: 'small', seed: 9, counts: { patients: 120 }, chunkPatients: 40 })).status,
    ).toBe('seeded');
  });

  it('seeds two plans with one seed into one database (other counts): no uuid collides', async () => {
    const db = await fresh('omrs_seed_same_seed');
    const target = urlTarget(dbUrl(e, db));
    await seed(target, { seed: 7, counts: { patients: 20, obsPerEncounter: 2 } });
    const second = await seed(target, { seed: 7, counts: { patients: 5, obsPerEncounter: 1 } });
    expect(second.status).toBe('seeded');
    await withDb(e, db, async (conn) => {
      expect(await foreignKeyViolations(conn)).toEqual([]);
      const [[n]] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM patient');
      expect(Number(n!.n)).toBe(25);
    });
  });

  it('purges one run of two and hands shared reference data to the other', async () => {
    const db = await fresh('omrs_seed_two');
    const target = urlTarget(dbUrl(e, db));
    const first = await seed(target, { seed: 1, counts: { patients: 30 } });
    const second = await seed(target, { seed: 2, counts: { patients: 30 } });
    expect(second.tables.concept).toBeUndefined(); // reused the first run's concepts
    const purged = await purge(target, { runId: first.runId.slice(0, 8) });
    expect(purged.runs[0]!.keptShared).toBeGreaterThan(0);
    await withDb(e, db, async (conn) => {
      expect(await foreignKeyViolations(conn)).toEqual([]);
      const [[n]] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM patient');
      expect(Number(n!.n)).toBe(30);
    });
    const before = await withDb(e, db, (c) => counts(c));
    await purge(target);
    const after = await withDb(e, db, (c) => counts(c));
    expect(after.patient).toBe(0);
    expect(after.concept).toBe(before.concept! - 11);
  });

  it('rolls back an interrupted run before seeding a different plan, and resumes the same plan', async () => {
    const db = await fresh('omrs_seed_resume');
    const target = urlTarget(dbUrl(e, db));
    const controller = new AbortController();
    const plan = { seed: 5, counts: { patients: 200 }, chunkPatients: 20 };
    // The first progress event comes after the first chunk's commit: stop there. The chunks
    // already sent to the other writers are finished, whole: one per writer in all.
    const stopper: EventSink = {
      emit: (ev) => ev.type === 'progress' && ev.step === 'seed:patient' && controller.abort(),
    };
    await expect(seed(target, { ...plan, events: stopper, signal: controller.signal })).rejects.toMatchObject(
      { code: 'INTERRUPTED' },
    );
    const partial = await withDb(e, db, (c) => ledgerSums(c));
    expect(partial.patient).toBe(20 * WRITERS);

    const resumed = await seed(target, plan);
    expect(resumed.status).toBe('resumed');
    expect(resumed.tables.patient).toBe(200);
    await withDb(e, db, async (conn) => {
      expect((await counts(conn)).patient).toBe(200);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });

    // Interrupt a different plan, then seed a third: the interrupted one is rolled back.
    const c2 = new AbortController();
    await expect(
      seed(target, {
        seed: 6,
        counts: { patients: 100 },
        chunkPatients: 20,
        signal: c2.signal,
        events: { emit: (ev) => ev.type === 'progress' && c2.abort() },
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const third = await seed(target, { seed: 7, counts: { patients: 10 } });
    expect(third.rolledBack).toHaveLength(1);
    await withDb(e, db, async (conn) => {
      expect((await counts(conn)).patient).toBe(210);
      expect((await ledgerRuns(conn)).map((r) => r.status)).toEqual(['done', 'rolled-back', 'done']);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
  });

  it('a writer whose connection dies fails the run with only whole chunks kept; the same run resumes', async () => {
    const db = await fresh('omrs_seed_writer_lost');
    const target = urlTarget(dbUrl(e, db));
    const plan = { seed: 8, counts: { patients: 400 }, chunkPatients: 20 };
    const before = await withDb(e, db, (c) => counts(c));
    // Once the first chunk is in, the server ends the second writer's connection.
    const killer = await connect(e, db);
    let killed = false;
    const events: EventSink = {
      emit: (ev) => {
        if (killed || ev.type !== 'progress') return;
        killed = true;
        void killer.query('SELECT IS_USED_LOCK(?) AS id', [writerLockName(db, 1)]).then(([rows]) => {
          const id = (rows as RowDataPacket[])[0]?.id;
          if (id) void killer.query(`KILL ${Number(id)}`);
        });
      },
    };
    try {
      await expect(seed(target, { ...plan, events })).rejects.toMatchObject({
        code: expect.stringMatching(/^SEED_DB_(CONNECTION_LOST|ERROR)$/),
      });
    } finally {
      await killer.end();
    }
    await withDb(e, db, async (conn) => {
      const now = await counts(conn);
      const sums = await ledgerSums(conn);
      expect(sums.patient! % 20).toBe(0);
      expect(sums.patient).toBeLessThan(400);
      for (const [table, n] of Object.entries(sums))
        expect({ table, added: now[table]! - before[table]! }).toEqual({ table, added: n });
    });
    const resumed = await seed(target, plan);
    expect(resumed.status).toBe('resumed');
    expect(resumed.tables.patient).toBe(400);
    await withDb(e, db, async (conn) => {
      expect((await counts(conn)).patient! - before.patient!).toBe(400);
      expect(await foreignKeyViolations(conn)).toEqual([]);
    });
  });

  it('two writers that deadlock: the rolled-back chunk is written again and the run goes on with one writer', async () => {
    // The test's transaction T makes the cycle InnoDB breaks: T holds the end of obs (a locking
    // read up to the supremum) so the chunks wait there, then inserts the first chunk's first
    // person id, which waits on that chunk. T wrote 30,000 rows first, so InnoDB rolls the chunk
    // back, the smaller of the two.
    const db = await fresh('omrs_seed_deadlock');
    const target = urlTarget(dbUrl(e, db));
    const watcher = await connect(e, db);
    const t = await connect(e, db);
    const warnings: string[] = [];
    try {
      const [[obs]] = await watcher.query<RowDataPacket[]>('SELECT COALESCE(MAX(obs_id), 0) AS m FROM obs');
      await t.query('CREATE TABLE omrs_test_weight (id INT PRIMARY KEY)');
      await t.query('START TRANSACTION');
      await t.query('INSERT INTO omrs_test_weight SELECT seq FROM seq_1_to_30000');
      await t.query('SELECT obs_id FROM obs WHERE obs_id > ? FOR UPDATE', [Number(obs!.m)]);
      const run = seed(target, {
        seed: 12,
        counts: { patients: 40 },
        chunkPatients: 20,
        events: { emit: (ev) => ev.type === 'warning' && warnings.push(ev.message) },
      });
      run.catch(() => undefined);
      // The chunks wait at obs (each writer's INSERT into obs has run for half a second).
      await until(
        'both chunks to wait at obs',
        async () => {
          const [[row]] = await watcher.query<RowDataPacket[]>(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE db = DATABASE() AND info LIKE 'INSERT INTO `obs`%' AND time_ms > 500",
          );
          return Number(row!.n) >= 2 ? true : undefined;
        },
        20_000,
      );
      const [[person]] = await watcher.query<RowDataPacket[]>('SELECT MAX(person_id) AS m FROM person');
      await t.query(
        "INSERT INTO person (person_id, gender, creator, date_created, uuid) VALUES (?, 'F', 1, NOW(), UUID())",
        [Number(person!.m) + 1],
      );
      await t.query('ROLLBACK');
      const result = await run;
      expect(warnings).toEqual([
        expect.stringMatching(
          /^the two seed writers deadlocked on chunk \d+ \(rolled back\): going on with one$/,
        ),
      ]);
      expect(result.tables.patient).toBe(40);
      await withDb(e, db, async (conn) => {
        const sums = await ledgerSums(conn);
        expect(sums.patient).toBe(40);
        expect(await foreignKeyViolations(conn)).toEqual([]);
      });
    } finally {
      await t.query('ROLLBACK').catch(() => undefined);
      await t.query('DROP TABLE IF EXISTS omrs_test_weight').catch(() => undefined);
      await t.end();
      await watcher.end();
    }
  });
});
