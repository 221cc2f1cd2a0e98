// Data-cleanup rules on an OpenMRS database. They print counts and ids, never names or other
// patient data.
import { createHash } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Hit, Rule } from '../types.js';

export interface DatabaseContext {
  conn: Connection;
  database: string;
}
type R = Rule<DatabaseContext>;

export const LEDGER_TABLE = 'omrs_seed_ledger';
export const DEMO_USERS = ['clerk', 'nurse', 'doctor', 'sysadmin'];
/** The referencedemodata module's clerk person (ReferenceDemoDataConstants). */
export const DEMO_CLERK_PERSON_UUID = '4882dd60-0508-11e3-8ffd-0800200c9a66';
/** Admin123: the image default; test: the OpenMRS core test dataset (the 2.8 fixture's admin). */
export const WELL_KNOWN_ADMIN_PASSWORDS = ['Admin123', 'test'];
/** omrs seed writes name-based (version 5) uuids; OpenMRS itself writes random (version 4) ones. */
const SEEDED_UUID = "uuid REGEXP '^[0-9a-f]{8}-[0-9a-f]{4}-5'";
const MAX_IDS = 10;

const rows = async (conn: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> =>
  (await conn.query<RowDataPacket[]>(sql, params))[0];
const ids = (list: unknown[]): string =>
  list.slice(0, MAX_IDS).map(String).join(', ') +
  (list.length > MAX_IDS ? `, … (${list.length - MAX_IDS} more)` : '');

async function tableExists(conn: Connection, table: string): Promise<boolean> {
  return (
    (
      await rows(
        conn,
        'SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
        [table],
      )
    ).length > 0
  );
}

/** The encodings OpenMRS accepts (Security.hashMatches): SHA-512, SHA-1, and the old SHA-1 that drops leading zeros per byte. */
export function passwordMatches(stored: string, salt: string, password: string): boolean {
  const sha512 = createHash('sha512')
    .update(password + salt, 'utf8')
    .digest('hex');
  const sha1 = createHash('sha1')
    .update(password + salt, 'utf8')
    .digest();
  const legacy = [...sha1].map((b) => b.toString(16)).join('');
  return [sha512, sha1.toString('hex'), legacy].includes(stored.toLowerCase());
}

export const databaseRules: R[] = [
  {
    id: 'OMRS-DB-001',
    title: 'No seeded rows (seed ledger)',
    severity: 'critical',
    scope: 'database',
    levels: ['prod'],
    why: 'Rows written by `omrs seed` are fake patients; in production they mix with real records.',
    fix: 'Run `omrs seed --purge --db …` (removes exactly the ledgered rows), then check again.',
    refs: {},
    check: async ({ conn }) => {
      if (!(await tableExists(conn, LEDGER_TABLE))) return [];
      const runs = await rows(
        conn,
        `SELECT h.run_id, h.status, COALESCE(SUM(e.row_count), 0) AS n, COUNT(DISTINCT e.table_name) AS t
        FROM ${LEDGER_TABLE} h LEFT JOIN ${LEDGER_TABLE} e ON e.run_id = h.run_id AND e.chunk IS NOT NULL
        WHERE h.chunk IS NULL AND h.status NOT IN ('purged', 'rolled-back') GROUP BY h.id, h.run_id, h.status ORDER BY h.id`,
      );
      return runs.map((r) => ({
        resource: `${LEDGER_TABLE} run ${String(r.run_id)}`,
        message: `seed run (${String(r.status)}) recorded ${Number(r.n)} rows in ${Number(r.t)} tables`,
      }));
    },
  },
  {
    id: 'OMRS-DB-002',
    title: 'No generated or demo patients',
    severity: 'critical',
    scope: 'database',
    levels: ['prod'],
    why: 'Demo patients (referencedemodata) and generated ones (omrs seed, even after its ledger was dropped) are not real people.',
    fix: 'Purge seeded data with `omrs seed --purge`; void or delete demo patients through the OpenMRS REST API.',
    refs: {},
    check: async ({ conn }) => {
      const hits: Hit[] = [];
      const seeded = await rows(
        conn,
        `SELECT p.patient_id FROM patient p JOIN person pe ON pe.person_id = p.patient_id WHERE pe.${SEEDED_UUID} ORDER BY p.patient_id`,
      );
      if (seeded.length)
        hits.push({
          resource: 'patient',
          message: `${seeded.length} patients with omrs-seed uuids (version 5): patient_id ${ids(seeded.map((r) => r.patient_id))}`,
        });
      const demo = await rows(
        conn,
        `SELECT p.patient_id FROM patient p JOIN users u ON u.user_id = p.creator LEFT JOIN person up ON up.person_id = u.person_id
        WHERE u.username IN (?) OR up.uuid = ? ORDER BY p.patient_id`,
        [DEMO_USERS, DEMO_CLERK_PERSON_UUID],
      );
      if (demo.length)
        hits.push({
          resource: 'patient',
          message: `${demo.length} patients created by demo users: patient_id ${ids(demo.map((r) => r.patient_id))}`,
        });
      return hits;
    },
  },
  {
    id: 'OMRS-DB-003',
    title: 'No demo user accounts',
    severity: 'critical',
    scope: 'database',
    levels: ['qa', 'prod'],
    why: 'clerk/Clerk123, nurse/Nurse123, doctor/Doctor123, sysadmin/Sysadmin123 are published passwords.',
    fix: 'Retire the accounts (users.retired = 1) or delete them, and never install referencedemodata in production.',
    refs: {},
    check: async ({ conn }) => {
      const found = await rows(
        conn,
        `SELECT u.user_id, u.username, u.retired FROM users u LEFT JOIN person p ON p.person_id = u.person_id
        WHERE (u.username IN (?) OR p.uuid = ?) AND u.retired = 0 ORDER BY u.user_id`,
        [DEMO_USERS, DEMO_CLERK_PERSON_UUID],
      );
      return found.map((u) => ({
        resource: `users ${String(u.user_id)}`,
        message: `demo account ${DEMO_USERS.includes(String(u.username)) ? String(u.username) : '(referencedemodata clerk person)'} is active`,
      }));
    },
  },
  {
    id: 'OMRS-DB-004',
    title: 'Admin not on a well-known password',
    severity: 'critical',
    scope: 'database',
    levels: ['qa', 'prod'],
    why: 'admin/Admin123 (image default) and admin/test (core test dataset) are the first logins attackers try.',
    fix: 'Change the admin password in OpenMRS (or set admin.passwordSecretRef and restart with passwordLocked: false once).',
    refs: {},
    check: async ({ conn }) => {
      const admins = await rows(
        conn,
        "SELECT user_id, password, salt FROM users WHERE (system_id = 'admin' OR username = 'admin') AND retired = 0 AND password IS NOT NULL",
      );
      return admins
        .filter((a) =>
          WELL_KNOWN_ADMIN_PASSWORDS.some((p) =>
            passwordMatches(String(a.password), String(a.salt ?? ''), p),
          ),
        )
        .map((a) => ({
          resource: `users ${String(a.user_id)}`,
          message: 'the admin account uses a well-known default password',
        }));
    },
  },
  {
    id: 'OMRS-DB-005',
    title: 'Reference demo data not scheduled',
    severity: 'high',
    scope: 'database',
    levels: ['qa', 'prod'],
    why: 'referencedemodata.createDemoPatientsOnNextStartup > 0 creates that many fake patients at the next restart.',
    fix: "Set the global property to 0: UPDATE global_property SET property_value = '0' WHERE property = 'referencedemodata.createDemoPatientsOnNextStartup'.",
    refs: {},
    check: async ({ conn }) => {
      const gp = await rows(
        conn,
        "SELECT property_value FROM global_property WHERE property = 'referencedemodata.createDemoPatientsOnNextStartup'",
      );
      const value =
        gp[0]?.property_value === null || gp[0] === undefined
          ? undefined
          : String(gp[0].property_value).trim();
      return value !== undefined && !['', '0', 'false'].includes(value.toLowerCase())
        ? [
            {
              resource: 'global_property referencedemodata.createDemoPatientsOnNextStartup',
              message: `is ${value}`,
            },
          ]
        : [];
    },
  },
  {
    id: 'OMRS-DB-006',
    title: 'No leftover test databases on the server',
    severity: 'medium',
    scope: 'database',
    levels: ['prod'],
    why: 'Test and seed databases next to production hold copies of data and credentials nobody maintains.',
    fix: 'Drop the schemas named in the finding (after checking they are not in use).',
    refs: {},
    check: async ({ conn, database }) => {
      const all = await rows(conn, 'SHOW DATABASES');
      const names = all
        .map((r) => String(Object.values(r)[0]))
        .filter((n) => n !== database && (/_test$/i.test(n) || /^omrs_seed_/i.test(n)));
      return names.length
        ? [{ resource: 'server', message: `${names.length} test or seed schemas: ${ids(names)}` }]
        : [];
    },
  },
];
