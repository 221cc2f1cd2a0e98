// Data-cleanup rules against real MariaDB with the OpenMRS 2.8 schema: a clean copy of the template
// passes; the same copy dirtied (seed ledger, seeded and demo patients, demo user, default admin
// password, referencedemodata flag, leftover test schema) fails with exactly the expected rules.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_DDL } from '../../../src/seed/ledger.js';
import { runCli } from '../../helpers/cli.js';
import { requireEngine } from '../../helpers/engines.js';
import { cloneTemplate, connect, dropDatabase } from '../../helpers/mariadb.js';

const mariadb = requireEngine('mariadb');
const DB = `omrs_check_db_${process.pid}`;
const LEFTOVER = `omrs_check_${process.pid}_test`;
const sha512 = (password: string, salt: string) =>
  createHash('sha512')
    .update(password + salt, 'utf8')
    .digest('hex');

describe.skipIf(!mariadb)('omrs check --scope database (real MariaDB, OpenMRS 2.8 schema)', () => {
  const url = () => `mysql://${mariadb!.user}:${mariadb!.password}@${mariadb!.host}:${mariadb!.port}/${DB}`;
  const check = async (...extra: string[]) => {
    const run = await runCli(
      ['check', '--scope', 'database', '--db', url(), '--level', 'prod', '--format', 'json', ...extra],
      { cwd: '/' },
    );
    return {
      ...run,
      report: JSON.parse(run.stdout) as {
        passed: boolean;
        findings: { rule: string; resource: string; message: string; status: string }[];
      },
    };
  };
  const sql = async (text: string, params: unknown[] = []) => {
    const conn = await connect(mariadb!, DB);
    try {
      await conn.query(text, params);
    } finally {
      await conn.end();
    }
  };

  beforeAll(async () => {
    await cloneTemplate(mariadb!, DB);
    await dropDatabase(mariadb!, LEFTOVER);
  });
  afterAll(async () => {
    await dropDatabase(mariadb!, DB);
    await dropDatabase(mariadb!, LEFTOVER);
  });

  it('flags the template admin (password "test" of the core test dataset, legacy SHA-1)', async () => {
    const { report } = await check();
    expect(report.findings.filter((f) => f.rule === 'OMRS-DB-004')).toHaveLength(1);
  });

  it('passes a clean database (admin on a strong password, nothing seeded)', async () => {
    await sql("UPDATE users SET password = ?, salt = ? WHERE system_id = 'admin'", [
      sha512('V3ry-strong-and-long', 'salt-1'),
      'salt-1',
    ]);
    const { code, report } = await check();
    const mine = report.findings.filter((f) => f.rule !== 'OMRS-DB-006' || f.message.includes(DB));
    expect(mine).toEqual([]);
    // Other tests leave omrs_seed_* schemas on this shared server: only DB-006 may fire, about them.
    expect(code).toBe(report.findings.length === 0 ? 0 : 3);
  });

  it('fails a dirtied database with the expected rules, printing ids and counts only', async () => {
    const conn = await connect(mariadb!, DB);
    try {
      await conn.query("UPDATE users SET password = ?, salt = ? WHERE system_id = 'admin'", [
        sha512('Admin123', 'salt-2'),
        'salt-2',
      ]);
      await conn.query(
        "INSERT INTO person (gender, birthdate, creator, date_created, uuid) VALUES ('F', '1980-01-01', 1, NOW(), '4882dd60-0508-11e3-8ffd-0800200c9a66')",
      );
      const [clerkPerson] = await conn.query<import('mysql2').ResultSetHeader>(
        "INSERT INTO person (gender, creator, date_created, uuid) VALUES ('M', 1, NOW(), UUID())",
      );
      await conn.query(
        "INSERT INTO users (system_id, username, password, salt, creator, date_created, person_id, retired, uuid) VALUES ('clerk', 'clerk', 'x', 'y', 1, NOW(), ?, 0, UUID())",
        [clerkPerson.insertId],
      );
      const [seeded] = await conn.query<import('mysql2').ResultSetHeader>(
        "INSERT INTO person (gender, creator, date_created, uuid) VALUES ('F', 1, NOW(), '1b4e28ba-2fa1-51d2-883f-0016d3cca427')",
      );
      await conn.query(
        'INSERT INTO patient (patient_id, creator, date_created, allergy_status) VALUES (?, 1, NOW(), ?)',
        [seeded.insertId, 'Unknown'],
      );
      await conn.query(
        "INSERT INTO global_property (property, property_value, uuid) VALUES ('referencedemodata.createDemoPatientsOnNextStartup', '50', UUID()) ON DUPLICATE KEY UPDATE property_value = '50'",
      );
      await conn.query(LEDGER_DDL);
      await conn.query(`INSERT INTO omrs_seed_ledger (run_id, run_key, seed, size, counts, chunk, status, created_at) VALUES ('11111111-2222-3333-4444-555555555555', REPEAT('a', 64), 42, 'small', '{}', NULL, 'done', NOW(3)),
        ('11111111-2222-3333-4444-555555555555', REPEAT('a', 64), 42, 'small', NULL, 0, 'done', NOW(3))`);
      await conn.query(
        "UPDATE omrs_seed_ledger SET table_name = 'person', first_id = 1, last_id = 20, row_count = 20 WHERE chunk = 0",
      );
      await conn.query(`CREATE DATABASE ${LEFTOVER}`);
    } finally {
      await conn.end();
    }
    const { code, report, stdout } = await check();
    expect(code).toBe(3);
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const id of [
      'OMRS-DB-001',
      'OMRS-DB-002',
      'OMRS-DB-003',
      'OMRS-DB-004',
      'OMRS-DB-005',
      'OMRS-DB-006',
    ])
      expect(rules, id).toContain(id);
    expect(report.findings.find((f) => f.rule === 'OMRS-DB-001')!.message).toMatch(/20 rows in 1 tables/);
    expect(report.findings.find((f) => f.rule === 'OMRS-DB-002')!.message).toMatch(
      /^1 patients with omrs-seed uuids/,
    );
    expect(report.findings.filter((f) => f.rule === 'OMRS-DB-003')).toHaveLength(1);
    expect(
      report.findings.find((f) => f.rule === 'OMRS-DB-006' && f.message.includes(LEFTOVER)),
    ).toBeDefined();
    // Never a password, hash or salt in the output.
    expect(stdout).not.toMatch(/Admin123|salt-2|omrs:omrs/);

    const text = await runCli(['check', '--scope', 'database', '--db', url(), '--level', 'prod'], {
      cwd: '/',
    });
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/CRITICAL/);
    expect(text.stdout).toMatch(/gate failed at level prod/);
  });

  it('with a URL that names only the server, checks every tenant database of the profile', async () => {
    // Two tenants: "chk<pid>" has the dirtied copy above (openmrs_chk<pid> is a clone of it), the
    // other has no database yet.
    const tenant = `chk${process.pid}`;
    const project = mkdtempSync(join(tmpdir(), 'omrs-check-tenants-'));
    const tenantDb = `openmrs_${tenant}`;
    try {
      const conn = await connect(mariadb!);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${tenantDb}\``);
        await conn.query(`CREATE DATABASE \`${tenantDb}\``);
        const [tables] = await conn.query<import('mysql2').RowDataPacket[]>(
          'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?',
          [DB],
        );
        for (const { t } of tables)
          await conn.query(`CREATE TABLE \`${tenantDb}\`.\`${t}\` AS SELECT * FROM \`${DB}\`.\`${t}\``);
      } finally {
        await conn.end();
      }
      writeFileSync(
        join(project, 'two.yaml'),
        `tenants:\n  - { name: ${tenant} }\n  - { name: absent${process.pid}, host: absent.example.org }\n`,
      );
      const server = `mysql://${mariadb!.user}:${mariadb!.password}@${mariadb!.host}:${mariadb!.port}`;
      const run = await runCli(
        [
          'check',
          '--profile',
          join(project, 'two.yaml'),
          '--scope',
          'database',
          '--db',
          server,
          '--level',
          'prod',
          '--format',
          'json',
        ],
        { cwd: project },
      );
      expect(run.code, run.stderr).toBe(3);
      const report = JSON.parse(run.stdout) as {
        findings: { rule: string; resource: string }[];
        scopes: { scope: string; target: string; skipped?: string }[];
      };
      expect(report.findings.find((f) => f.rule === 'OMRS-DB-002')?.resource).toBe(`${tenantDb}: patient`);
      expect(report.scopes.filter((s) => s.scope === 'database').map((s) => s.skipped ?? s.target)).toEqual([
        expect.stringContaining(`/${tenantDb}`),
        `openmrs_absent${process.pid} (tenant absent${process.pid}) does not exist yet: no data to clean`,
      ]);
    } finally {
      await dropDatabase(mariadb!, tenantDb);
      rmSync(project, { recursive: true, force: true });
    }
  });
});
