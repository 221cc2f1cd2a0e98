// Smoke test of the harness MariaDB on the host (test/harness/engines/mariadb.sh): the template
// holds the OpenMRS 2.8 fixture and cloneTemplate gives independent copies.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';

const mariadb = requireEngine('mariadb');
// The fixture's schema file creates 117 tables (see shared/fixtures/openmrs/NOTICE).
const OPENMRS_TABLES = 117;
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const A = `omrs_smoke_a_${suffix}`;
const B = `omrs_smoke_b_${suffix}`;

async function count(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql, params);
  return Number(rows[0]!.n);
}

describe.skipIf(!mariadb)('harness mariadb engine', () => {
  let conn: mysql.Connection;

  beforeAll(async () => {
    conn = await connect(mariadb!);
  });

  afterAll(async () => {
    await dropDatabase(mariadb!, A).catch(() => undefined);
    await dropDatabase(mariadb!, B).catch(() => undefined);
    await conn?.end();
  });

  it('serves MariaDB 10.11 on 127.0.0.1 to the omrs user', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT VERSION() AS v, CURRENT_USER() AS u, @@local_infile AS li',
    );
    expect(String(rows[0]!.v)).toMatch(/^10\.11\./);
    expect(String(rows[0]!.u)).toMatch(/^omrs@/);
    expect(Number(rows[0]!.li)).toBe(1);
  });

  it(`has the ${OPENMRS_TABLES} OpenMRS tables and the core data in the template`, async () => {
    const db = mariadb!.templateDatabase;
    expect(
      await count(conn, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?', [db]),
    ).toBe(OPENMRS_TABLES);
    expect(
      await count(
        conn,
        'SELECT COUNT(*) AS n FROM information_schema.referential_constraints WHERE constraint_schema = ?',
        [db],
      ),
    ).toBe(446);
    const [admin] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT system_id FROM \`${db}\`.users WHERE user_id = 1`,
    );
    expect(admin[0]?.system_id).toBe('admin');
    expect(await count(conn, `SELECT COUNT(*) AS n FROM \`${db}\`.global_property`)).toBe(130);
  });

  it('cloneTemplate gives independent copies', async () => {
    const t0 = Date.now();
    await cloneTemplate(mariadb!, A);
    const first = Date.now() - t0;
    const t1 = Date.now();
    await cloneTemplate(mariadb!, B);
    const second = Date.now() - t1;
    console.log(`cloneTemplate: ${first} ms, then ${second} ms`);

    for (const db of [A, B]) {
      expect(
        await count(conn, 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?', [db]),
      ).toBe(OPENMRS_TABLES);
      expect(
        await count(
          conn,
          'SELECT COUNT(*) AS n FROM information_schema.referential_constraints WHERE constraint_schema = ?',
          [db],
        ),
      ).toBe(446);
      expect(await count(conn, `SELECT COUNT(*) AS n FROM \`${db}\`.global_property`)).toBe(130);
    }
    // A change in one copy shows neither in the other nor in the template.
    await conn.query(
      `UPDATE \`${A}\`.global_property SET property_value = 'changed' WHERE property = 'locale.allowed.list'`,
    );
    await conn.query(`DELETE FROM \`${A}\`.user_property`);
    const probe =
      "SELECT COUNT(*) AS n FROM `%s`.global_property WHERE property = 'locale.allowed.list' AND property_value = 'changed'";
    expect(await count(conn, probe.replace('%s', A))).toBe(1);
    expect(await count(conn, probe.replace('%s', B))).toBe(0);
    expect(await count(conn, probe.replace('%s', mariadb!.templateDatabase))).toBe(0);
    expect(await count(conn, `SELECT COUNT(*) AS n FROM \`${B}\`.user_property`)).toBeGreaterThan(0);
    // Foreign keys are enforced in the copy.
    await expect(
      conn.query(`INSERT INTO \`${B}\`.user_role (user_id, role) VALUES (424242, 'Provider')`),
    ).rejects.toThrow(/foreign key constraint fails/i);
    await dropDatabase(mariadb!, A);
    expect(
      await count(conn, 'SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = ?', [A]),
    ).toBe(0);
  });
});
